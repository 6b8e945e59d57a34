// gp_latency: synchronize() latency with R readers as background load and W
// concurrent updaters (1, 2, 4, 8) calling it back to back: the latency
// distribution, and synchronize calls per grace period (the kernel's
// rcuscale "grace periods / batches"): how well concurrent callers share.
// Each updater replaces the readers' object before its synchronize and frees
// the old one after it (outside the timed call), so the readers' poison
// check guards every grace period measured here.
#pragma once

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/read_scalability.h"

namespace rculab {

inline const workload_descriptor& describe_gp_latency() {
  static const workload_descriptor d{
      .name = "gp_latency",
      .summary = "synchronize latency with readers as load and concurrent updaters",
      .needs_updates = true,
      .params = {{"readers", {}, "reader threads as background load (--readers, the last; default PUs)"},
                 {"updaters", {1, 2, 4, 8}, "threads calling synchronize back to back (--updaters)"},
                 {"placement", {}, "reader placement (--placement)"}},
      .metrics = {{"syncs_per_gp", "synchronize calls per grace period", "syncs/GP", false, "share", "sync_calls",
                   "grace_periods"}},
      .headline = "lat_p50_ns",
      .throughput = "syncs_per_s",
  };
  return d;
}

namespace gp_latency_detail {

template <Backend B>
void updater(thread_ctx& ctx, read_scalability_detail::shared& s) {
  thread_scope<B> registered;
  offline_scope<B> offline;
  ctx.start();
  do {
    bench_object* old = s.ptr.exchange(s.ledger.make(), std::memory_order_acq_rel);  // publish
    const uint64_t t0 = now_ns();
    B::synchronize();
    ctx.record_latency(now_ns() - t0);
    s.ledger.poison_and_free(old);
  } while (ctx.next_batch(1));
}

}  // namespace gp_latency_detail

template <Backend B>
void register_gp_latency(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  const workload_descriptor& d = describe_gp_latency();
  const unsigned readers = o.readers.empty() ? (o.topo ? o.topo->pu_count() : 1) : o.readers.back();
  const std::vector<uint64_t>& levels = d.param("updaters").levels;
  const std::vector<unsigned> writer_counts =
      o.smoke ? std::vector<unsigned>{2}
              : (o.updaters.empty() ? std::vector<unsigned>(levels.begin(), levels.end())
                                    : o.updaters);
  for (unsigned updaters : writer_counts) {
    const std::string name = benchmark_name(std::string(d.name), B::kName,
        {{"readers", std::to_string(readers)}, {"updaters", std::to_string(updaters)},
         {"placement", policy_name(o.reader_policy)}});
    register_point(name, [o, readers, updaters](benchmark::State& state) {
      read_scalability_detail::run_against_updaters<B>(
          state, o, readers, updaters,
          [](thread_ctx& c, read_scalability_detail::shared& s) { gp_latency_detail::updater<B>(c, s); });
    });
  }
}

}  // namespace rculab
