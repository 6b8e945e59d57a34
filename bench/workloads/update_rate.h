// update_rate: updates/s against reads/s while readers run, with a delay
// sweep between updates (the "update fraction" axis of Desnoyers et al.),
// and the batched-reclaim variant of liburcu's gc tests: an updater retires
// `batch` objects, then one synchronize frees them all. Each synchronize's
// latency goes into the histogram. Readers check the poison marker.
#pragma once

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/read_scalability.h"

namespace rculab {

inline const workload_descriptor& describe_update_rate() {
  static const workload_descriptor d{
      .name = "update_rate",
      .summary = "updates vs reads with a delay between updates; k objects per grace period",
      .needs_updates = true,
      .params = {{"readers", {1}, "reader threads (--readers, the first)"},
                 {"updaters", {1}, "updater threads (--updaters, the first)"},
                 {"delay_ns", {0, 1000, 100000}, "calibrated spin after each replacement, ns"},
                 {"batch", {1, 64}, "objects retired per synchronize"},
                 {"placement", {}, "reader placement (--placement)"}},
      .counters = {{"delay_ns", "ns", "the delay_ns parameter"}, {"batch", "objects", "the batch parameter"}},
      .headline = "updates_per_s",
      .throughput = "updates_per_s",
  };
  return d;
}

namespace update_rate_detail {

template <Backend B>
void updater(thread_ctx& ctx, read_scalability_detail::shared& s, uint64_t delay_spins,
             unsigned batch) {
  thread_scope<B> registered;
  offline_scope<B> offline;
  std::vector<bench_object*> retired;
  retired.reserve(batch);
  ctx.start();
  do {
    for (unsigned i = 0; i < batch; ++i) {
      retired.push_back(s.ptr.exchange(s.ledger.make(), std::memory_order_acq_rel));
      if (delay_spins) keep(spin_iterations(delay_spins));
    }
    const uint64_t t0 = now_ns();
    B::synchronize();
    ctx.record_latency(now_ns() - t0);
    for (bench_object* o : retired) s.ledger.poison_and_free(o);
    retired.clear();
  } while (ctx.next_batch(batch));
}

}  // namespace update_rate_detail

template <Backend B>
void register_update_rate(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace update_rate_detail;
  const workload_descriptor& d = describe_update_rate();
  const std::vector<uint64_t> delays = o.smoke ? std::vector<uint64_t>{0} : d.param("delay_ns").levels;
  const std::vector<uint64_t>& batch_levels = d.param("batch").levels;
  const std::vector<unsigned> batches =
      o.smoke ? std::vector<unsigned>{1} : std::vector<unsigned>(batch_levels.begin(), batch_levels.end());
  const unsigned readers = o.readers.empty() ? unsigned(d.param("readers").levels.front()) : o.readers.front();
  const unsigned updaters = o.updaters.empty() ? unsigned(d.param("updaters").levels.front()) : o.updaters.front();
  for (unsigned batch : batches) {
    for (uint64_t delay_ns : delays) {
      const std::string name = benchmark_name(std::string(d.name), B::kName,
          {{"readers", std::to_string(readers)}, {"updaters", std::to_string(updaters)},
           {"delay_ns", std::to_string(delay_ns)}, {"batch", std::to_string(batch)},
           {"placement", policy_name(o.reader_policy)}});
      register_point(name, [o, &d, readers, updaters, batch, delay_ns](benchmark::State& state) {
        const uint64_t spins = static_cast<uint64_t>(double(delay_ns) * spin_iterations_per_ns());
        read_scalability_detail::run_against_updaters<B>(
            state, o, readers, updaters,
            [spins, batch](thread_ctx& c, read_scalability_detail::shared& s) { updater<B>(c, s, spins, batch); });
        report_counters(state, d, {{"delay_ns", delay_ns}, {"batch", batch}});
      });
    }
  }
}

}  // namespace rculab
