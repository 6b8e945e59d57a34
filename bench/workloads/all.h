// Every workload, registered for one backend. Included only by the generated
// per-backend units. A new workload: one header, one line here, one entry in
// catalogue.cpp (what `rculab list` shows; the smoke test holds them equal).
#pragma once

#include "bench/workloads/call_rcu.h"
#include "bench/workloads/cs_length.h"
#include "bench/workloads/gp_latency.h"
#include "bench/workloads/long_reader.h"
#include "bench/workloads/hash_scan.h"
#include "bench/workloads/read_cost.h"
#include "bench/workloads/read_scalability.h"
#include "bench/workloads/update_rate.h"
#include "bench/workloads/ref_call_rcu.h"
#include "bench/workloads/stat_counter.h"
#include "bench/workloads/removable_device.h"
#include "bench/workloads/resizable_array.h"
#include "bench/workloads/correlated_fields.h"
#include "bench/workloads/route_table.h"
#include "bench/workloads/hash_lookup.h"
#include "bench/workloads/percpu_ref.h"
#include "bench/workloads/retrigger_gp.h"

namespace rculab {

template <Backend B>
void register_all_workloads(const bench_options& o) {
  register_read_cost<B>(o);
  register_read_scalability<B>(o);
  register_cs_length<B>(o);
  register_update_rate<B>(o);
  register_gp_latency<B>(o);
  register_call_rcu<B>(o);
  register_ref_call_rcu<B>(o);
  register_stat_counter<B>(o);
  register_removable_device<B>(o);
  register_resizable_array<B>(o);
  register_correlated_fields<B>(o);
  register_long_reader<B>(o);
  register_hash_scan<B>(o);
  register_route_table<B>(o);
  register_hash_lookup<B>(o);
  register_percpu_ref<B>(o);
  register_retrigger_gp<B>(o);
}

}  // namespace rculab
