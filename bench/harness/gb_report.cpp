#include "bench/harness/gb_report.h"

#include <algorithm>

namespace rculab {

const std::vector<std::string>& core_counter_names() {
  static const std::vector<std::string> names = {
      "wall_ns",        "reader_threads", "reader_ops",     "reader_cpu_ns",  "updater_threads",
      "updater_ops",    "updater_cpu_ns", "helper_cpu_ns",  "lat_samples",    "lat_p50_ns",
      "lat_p90_ns",     "lat_p99_ns",     "lat_max_ns",     "sync_calls",     "grace_periods",
      "cb_queued",      "cb_pending_peak", "cb_pending_end", "unreclaimed_final", "violations",
      "bind_failures",  "migrated_threads", "updaters_starved", "lost_wakeups"};
  return names;
}

void report_run(benchmark::State& state, const run_report& run, const backend_stats& stats,
                uint64_t unreclaimed_final) {
  state.SetIterationTime(double(run.wall_ns) * 1e-9);
  auto set = [&](const char* name, double v) { state.counters[name] = benchmark::Counter(v); };
  const role_totals readers = run.totals("reader");
  const role_totals updaters = run.totals("updater");
  set("wall_ns", double(run.wall_ns));
  set("reader_threads", readers.threads);
  set("reader_ops", double(readers.ops));
  set("reader_cpu_ns", double(readers.cpu_ns));
  set("updater_threads", updaters.threads);
  set("updater_ops", double(updaters.ops));
  set("updater_cpu_ns", double(updaters.cpu_ns));
  set("helper_cpu_ns", double(run.helper_cpu_ns));
  set("lat_samples", double(run.latency.count()));
  set("lat_p50_ns", double(run.latency.percentile(0.50)));
  set("lat_p90_ns", double(run.latency.percentile(0.90)));
  set("lat_p99_ns", double(run.latency.percentile(0.99)));
  set("lat_max_ns", double(run.latency.max()));
  // The whole histogram, one counter per non-empty bucket (lat_h<index>); the
  // lab's runner moves them into the record's latency_histogram.
  run.latency.for_each_bucket([&](unsigned index, uint64_t count) {
    state.counters["lat_h" + std::to_string(index)] = benchmark::Counter(double(count));
  });
  set("sync_calls", double(stats.synchronize_calls));
  set("grace_periods", stats.grace_periods ? double(*stats.grace_periods) : -1.0);
  set("cb_queued", double(stats.callbacks_queued));
  set("cb_pending_peak", stats.callbacks_pending_peak ? double(*stats.callbacks_pending_peak) : -1.0);
  // Callbacks queued during the run and not yet invoked when it ended (the
  // workload drains them with barrier() afterwards): -1 where the backend
  // does not count invocations.
  set("cb_pending_end", stats.callbacks_invoked
                            ? double(stats.callbacks_queued) - double(*stats.callbacks_invoked)
                            : -1.0);
  set("unreclaimed_final", double(unreclaimed_final));
  // Grace-period sleeps a reader should have ended and the safety-net timer
  // did (phase_counter.h): -1 where the backend has no such sleep.
  set("lost_wakeups", stats.lost_wakeups ? double(*stats.lost_wakeups) : -1.0);
  set("violations", double(run.violations));
  // Updaters ran and completed nothing in the window: whatever the readers
  // did, this is no measurement of an update workload (the lab fails it).
  set("updaters_starved", updaters.threads > 0 && updaters.ops == 0 ? 1.0 : 0.0);
  set("bind_failures", double(run.bind_failures));
  // Per call_rcu worker: where it was put and ran, and its CPU time.
  for (size_t i = 0; i < run.helpers.size(); ++i) {
    const std::string prefix = "helper" + std::to_string(i) + "_";
    state.counters[prefix + "cpu_ns"] = benchmark::Counter(double(run.helpers[i].cpu_ns));
    state.counters[prefix + "pu"] = benchmark::Counter(double(run.helpers[i].requested_pu));
    state.counters[prefix + "ran_on_pu"] = benchmark::Counter(double(run.helpers[i].ran_on_pu));
  }
  set("migrated_threads", double(std::count_if(run.threads.begin(), run.threads.end(), [](const auto& t) {
        return t.ran_on_pu >= 0 && t.ran_on_pu != t.requested_pu;
      })));
  state.SetLabel(run.placement_label());
}

std::string benchmark_name(const std::string& workload, std::string_view backend,
                           const std::vector<std::pair<std::string, std::string>>& params) {
  std::string name = workload + "/backend:" + std::string(backend);
  for (const auto& [k, v] : params) name += "/" + k + ":" + v;
  return name;
}

}  // namespace rculab
