// Every workload. A workload is one header that defines describe_<name>()
// (its descriptor, bench/workloads/descriptor.h) and register_<name><B>();
// adding one is its include below and its name in RCULAB_WORKLOADS, whose
// order is `rculab list`'s and the registration order.
#pragma once

#include "bench/workloads/call_rcu.h"
#include "bench/workloads/correlated_fields.h"
#include "bench/workloads/cs_length.h"
#include "bench/workloads/gp_latency.h"
#include "bench/workloads/hash_lookup.h"
#include "bench/workloads/hash_scan.h"
#include "bench/workloads/long_reader.h"
#include "bench/workloads/percpu_ref.h"
#include "bench/workloads/read_cost.h"
#include "bench/workloads/read_scalability.h"
#include "bench/workloads/ref_call_rcu.h"
#include "bench/workloads/removable_device.h"
#include "bench/workloads/resizable_array.h"
#include "bench/workloads/retrigger_gp.h"
#include "bench/workloads/route_table.h"
#include "bench/workloads/stat_counter.h"
#include "bench/workloads/update_rate.h"

#define RCULAB_WORKLOADS(X)                                                                             \
  X(read_cost) X(read_scalability) X(cs_length) X(update_rate) X(gp_latency) X(call_rcu) X(ref_call_rcu) \
  X(stat_counter) X(removable_device) X(resizable_array) X(correlated_fields) X(long_reader) X(hash_scan) \
  X(route_table) X(hash_lookup) X(percpu_ref) X(retrigger_gp)

namespace rculab {

// Registers every workload's points for backend B (its generated unit).
template <Backend B>
void register_all_workloads(const bench_options& o) {
#define RCULAB_REGISTER(name) register_##name<B>(o);
  RCULAB_WORKLOADS(RCULAB_REGISTER)
#undef RCULAB_REGISTER
}

}  // namespace rculab
