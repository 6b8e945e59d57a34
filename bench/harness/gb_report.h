// Turns a run into Google Benchmark output: manual time = the measured wall
// window, and raw counters only (no rate flags), so rates are computed by the
// lab from counts and do not depend on Google Benchmark's version-specific
// rate semantics. Every benchmark reports the same core counter set (listed
// in README "Counters"); workloads add their own on top.
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/harness/run_loop.h"
#include "impls/core/backend.h"

namespace rculab {

// The counters every benchmark reports, by name (the smoke test checks them).
const std::vector<std::string>& core_counter_names();

void report_run(benchmark::State& state, const run_report& run, const backend_stats& stats,
                uint64_t unreclaimed_final);

// "workload/backend:x/key:value/..." from ordered key/value pairs.
std::string benchmark_name(const std::string& workload, std::string_view backend,
                           const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace rculab
