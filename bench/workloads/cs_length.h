// cs_length: read-side sections holding calibrated busy work (0, 10, 100,
// 1000, 10000 ns), to find where the lock-based baselines (rwlock, ptmutex)
// catch up with RCU: Desnoyers et al. saw ~1000 cycles for per-thread locks
// and ~20000 for rwlock on 8 cores. All readers run, no updater.
#pragma once

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"

namespace rculab {

inline const workload_descriptor& describe_cs_length() {
  static const workload_descriptor d{
      .name = "cs_length",
      .summary = "busy work inside the section: where the lock baselines catch up",
      .needs_updates = false,
      .params = {{"readers", {}, "reader threads (--readers, the last; default PUs)"},
                 {"cs_ns", {0, 10, 100, 1000, 10000}, "calibrated busy work inside each section, ns"},
                 {"placement", {}, "reader placement (--placement)"}},
      .counters = {{"cs_ns", "ns", "the cs_ns parameter"},
                   {"cs_spins", "iterations", "spin iterations in each section (cs_ns, calibrated)"}},
      .headline = "ns_per_read",
      .throughput = "reads_per_s",
  };
  return d;
}

namespace cs_length_detail {

template <Backend B>
void reader(thread_ctx& ctx, const std::atomic<bench_object*>& ptr, uint64_t spins, uint64_t batch) {
  thread_scope<B> registered;
  ctx.start();
  uint64_t x = 1;
  do {
    for (uint64_t i = 0; i < batch; ++i) {
      B::read_lock();
      x = spin_iterations(spins, x + rcu_dereference(ptr)->value);
      B::read_unlock();
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(batch));
  keep(x);
}

}  // namespace cs_length_detail

template <Backend B>
void register_cs_length(const bench_options& o) {
  using namespace cs_length_detail;
  const workload_descriptor& d = describe_cs_length();
  const std::vector<uint64_t> lengths = o.smoke ? std::vector<uint64_t>{100} : d.param("cs_ns").levels;
  const unsigned readers = o.readers.empty() ? (o.topo ? o.topo->pu_count() : 1) : o.readers.back();
  for (uint64_t cs_ns : lengths) {
    const std::string name = benchmark_name(std::string(d.name), B::kName,
        {{"readers", std::to_string(readers)}, {"cs_ns", std::to_string(cs_ns)},
         {"placement", policy_name(o.reader_policy)}});
    register_point(name, [o, &d, readers, cs_ns](benchmark::State& state) {
      bench_object obj;
      std::atomic<bench_object*> ptr{&obj};
      const uint64_t spins = static_cast<uint64_t>(double(cs_ns) * spin_iterations_per_ns() + 0.5);
      // About 10 us of work per batch, so the stop check stays off the hot path.
      const uint64_t batch = std::max<uint64_t>(1, 10'000 / (cs_ns + 10));
      const backend_stats before = B::stats();
      run_options ro = run_options_for(o);
      const run_report run = run_roles(*o.topo, ro,
          {{"reader", readers, o.reader_policy,
            [&](thread_ctx& c) { reader<B>(c, ptr, spins, batch); }}});
      report_run(state, run, stats_since(before, B::stats()), 0);
      report_counters(state, d, {{"cs_ns", cs_ns}, {"cs_spins", spins}});
    });
  }
}

}  // namespace rculab
