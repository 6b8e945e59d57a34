// read_cost: refscale-style cost of one read-side section per reader.
// Each reader runs sections back to back; each section dereferences the
// published object and folds its value into a sum the compiler must keep.
// Before the run each reader times the same loop without the section
// (loop_calib_*), so the section's own cost is reported apart from the
// loop's. QSBR-style backends report one quiescent state per batch of 1024.
// Eight sections per loop trip, in units whose loops are aligned to 64
// bytes (bench/CMakeLists.txt): loop control, and where the compiler puts
// the loop against cache-line boundaries, are spread over eight sections
// instead of deciding a sub-ns figure (one loop ending on a boundary made
// urcu-qsbr read 2x slower than the same instructions elsewhere).
// Derived: ns per section = wall_ns x readers / reader_ops, and the same in
// TSC ticks (tsc_per_ns), so that a difference can be held to one tick.
#pragma once

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"

namespace rculab {

inline const workload_descriptor& describe_read_cost() {
  static const workload_descriptor d{
      .name = "read_cost",
      .summary = "cost of one read-side section, loop calibrated apart",
      .needs_updates = false,
      .params = {{"readers", {}, "reader threads (--readers; default 1..PUs, 2x, 4x)"},
                 {"placement", {}, "reader placement (--placement)"}},
      .counters = {{"loop_calib_ops", "iterations", "iterations of the loop without the section, before the window"},
                   {"loop_calib_ns", "ns", "time those iterations took, all readers summed"},
                   {"tsc_per_ns", "ticks/ns", "the time-stamp counter's rate on this host (0: no TSC)"}},
      .metrics = {{"loop_ns", "empty read loop per iteration", "ns", false, "share", "loop_calib_ns",
                   "loop_calib_ops"},
                  {"ticks_per_read", "read-side cost per thread in TSC ticks", "ticks", false, "ticks_per_op",
                   "reader", "tsc_per_ns"}},
      .headline = "ns_per_read",
      .throughput = "reads_per_s",
  };
  return d;
}

namespace read_cost_detail {

inline constexpr uint64_t kBatch = 1024;
static_assert(kBatch % 8 == 0, "the loop runs eight sections per trip");

template <Backend B, bool kSection>
inline uint64_t read_batch(const std::atomic<bench_object*>& ptr, uint64_t sum) {
#pragma GCC unroll 8
  for (uint64_t i = 0; i < kBatch; ++i) {
    if constexpr (kSection) B::read_lock();
    sum += rcu_dereference(ptr)->value;
    if constexpr (kSection) B::read_unlock();
  }
  return sum;
}

struct calibration {
  std::atomic<uint64_t> ops{0}, ns{0};
};

template <Backend B>
void reader(thread_ctx& ctx, const std::atomic<bench_object*>& ptr, calibration& calib) {
  thread_scope<B> registered;
  uint64_t sum = 0;
  constexpr uint64_t kCalibBatches = 2000;
  const uint64_t t0 = now_ns();
  for (uint64_t b = 0; b < kCalibBatches; ++b) sum = read_batch<B, false>(ptr, sum);
  calib.ns.fetch_add(now_ns() - t0);
  calib.ops.fetch_add(kCalibBatches * kBatch);
  ctx.start();
  do {
    sum = read_batch<B, true>(ptr, sum);
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kBatch));
  keep(sum);
}

}  // namespace read_cost_detail

template <Backend B>
void register_read_cost(const bench_options& o) {
  using namespace read_cost_detail;
  const workload_descriptor& d = describe_read_cost();
  for (unsigned readers : o.smoke ? std::vector<unsigned>{1} : reader_sweep(o)) {
    const std::string name = benchmark_name(std::string(d.name), B::kName,
        {{"readers", std::to_string(readers)}, {"placement", policy_name(o.reader_policy)}});
    register_point(name, [o, &d, readers](benchmark::State& state) {
      bench_object obj;
      std::atomic<bench_object*> ptr{&obj};
      calibration calib;
      const backend_stats before = B::stats();
      run_options ro = run_options_for(o);
      const run_report run = run_roles(*o.topo, ro,
          {{"reader", readers, o.reader_policy,
            [&](thread_ctx& ctx) { reader<B>(ctx, ptr, calib); }}});
      report_run(state, run, stats_since(before, B::stats()), 0);
      report_counters(state, d,
                      {{"loop_calib_ops", calib.ops}, {"loop_calib_ns", calib.ns}, {"tsc_per_ns", tsc_ticks_per_ns()}});
    });
  }
}

}  // namespace rculab
