// The lab's parameters for one bench process (Google Benchmark's own flags
// are separate: --benchmark_filter, --benchmark_repetitions, ...).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/harness/placement.h"

namespace rculab {

class topology;

struct bench_options {
  double warmup_seconds = 0.05;
  double measure_seconds = 0.2;
  std::vector<unsigned> readers;     // reader counts to sweep; empty: 1..PUs and 2x, 4x PUs
  std::vector<unsigned> updaters;    // concurrent updaters for gp_latency
  placement_policy reader_policy = placement_policy::compact;
  placement_policy updater_policy = placement_policy::compact;
  // The backend's own threads (call_rcu workers): nullopt = "free", on PUs no
  // measured thread uses and unpinned where there are none (as the library's
  // users run them); a policy = pinned after the measured threads in its
  // order, beside them once the PUs run out (opt-in).
  std::optional<placement_policy> worker_policy;
  bool tolerate_bind_failure = false;
  bool smoke = false;                // one short point per (workload, backend)
  const topology* topo = nullptr;
};

}  // namespace rculab
