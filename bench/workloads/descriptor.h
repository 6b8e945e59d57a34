// What a workload is, declared once at the top of its header: its
// parameters and their grids, its variants (the RCU way and its non-RCU
// twins), its own counters with units, the counters that must stay zero, the
// metrics the lab derives from them and the headline among those. Its
// registration takes grids and variants from here, report_counters() holds
// its counters to the list, `rculab list --json` exports it, and the lab's
// Python side (metrics, chart families) reads that export
// (bench/workloads/catalogue.json) instead of restating it.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace rculab {

// One key:value part of the benchmark name, in name order after backend:.
struct param_desc {
  std::string_view key;
  // The default grid; empty where the flags decide (readers, placement).
  std::vector<uint64_t> levels;
  std::string_view about;
  // Levels that run whatever the flags say (hash_lookup's read-only updaters:0).
  std::vector<uint64_t> always = {};
};

// One way of doing the workload's job. `rcu`: it uses the backend; the
// others are the twins the documents compare RCU with (the same code on
// every backend).
struct variant_desc {
  std::string_view name;
  bool rcu;
  std::string_view label;  // a legend entry
};

// A counter of the workload's own, beyond the core set every point reports.
// `most` (0: none) is the largest value a correct run can report, plus
// `most_per_updater` for each updater thread: the lab flags a repetition
// above it as implausible (lab/records/plausible.py).
struct counter_desc {
  std::string_view name;
  std::string_view unit;
  std::string_view about;
  uint64_t most = 0;
  uint64_t most_per_updater = 0;
};

// A metric the lab derives from counters, per repetition:
//   rate       a / wall time, per second
//   share      a / b
//   raw        a as it is (negative: not exposed)
//   ns_per_op  (wall_ns - b) x <a>_threads / <a>_ops: wall time one thread
//              of role a spends per operation, less the time counter b
//   sampled    percentile counter a, where sample counter b is non-zero
//   ticks_per_op  ns_per_op of role a (nothing excluded) x counter b, a rate
//              in ticks per ns: the same cost in time-stamp-counter ticks
struct metric_desc {
  std::string_view name;
  std::string_view label;
  std::string_view unit;
  bool higher_is_better;
  std::string_view kind;
  std::string_view a;
  std::string_view b = {};
};

struct workload_descriptor {
  std::string_view name;
  std::string_view summary;
  // Runs only on backends whose synchronize/call really wait (not `none`).
  bool needs_updates;
  std::vector<param_desc> params;
  std::string_view variant_key = {};  // the parameter that names the variant, if any
  std::vector<variant_desc> variants = {};
  std::vector<counter_desc> counters = {};
  // Counters that count broken invariants: each must stay 0, and each
  // failure also counts in the core `violations`.
  std::vector<std::string_view> checks = {};
  std::vector<metric_desc> metrics = {};
  // The metric compare and the report lead with, and the throughput the
  // bench console shows (names from metrics above or lab/analysis/metrics.py).
  std::string_view headline;
  std::string_view throughput;
  // Where a pacing parameter is non-zero the point measures latency, not
  // throughput: the headline is then this metric instead.
  std::string_view paced_by = {};
  std::string_view paced_headline = {};

  const param_desc& param(std::string_view key) const;
  const param_desc& param_after(std::string_view key) const;
  std::vector<std::string> variant_names() const;
};

// A value for one of the workload's counters, converted to the double Google
// Benchmark stores.
struct counter_value {
  std::string_view name;
  double value;
  template <class T>
    requires std::is_arithmetic_v<T>
  counter_value(std::string_view n, T v) : name(n), value(double(v)) {}
  counter_value(std::string_view n, const std::atomic<uint64_t>& v) : name(n), value(double(v.load())) {}
};

// "" when `values` names exactly the counters the descriptor declares, once
// each; otherwise what differs.
std::string counter_mismatch(const workload_descriptor& d, std::initializer_list<counter_value> values);

// Sets the workload's own counters; throws std::logic_error (the point fails
// with the mismatch) unless counter_mismatch() finds none.
void report_counters(benchmark::State& state, const workload_descriptor& d,
                     std::initializer_list<counter_value> values);

}  // namespace rculab
