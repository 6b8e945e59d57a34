// The harness's run loop: it owns every thread of one measurement.
//
// Google Benchmark runs each thread for the same iteration count and makes
// new threads per probe, which is wrong for RCU (readers and updaters must
// overlap for a fixed time). So one GB iteration = one run_roles() call:
//   create threads per role -> pin each to its planned PU -> barrier ->
//   warm-up -> measured window of fixed wall duration -> cool-down (every
//   thread keeps its load until the last one has closed its window) -> join.
// Threads check the phase once per batch of operations (thread_ctx::
// next_batch), never per operation; window edges are taken at batch
// boundaries, so batches should be short (microseconds).
// Reported raw: operations and thread CPU time per role inside the window,
// wall ns of the window, merged latency histograms, placement per thread.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/harness/histogram.h"
#include "bench/harness/placement.h"
#include "impls/core/backend.h"

namespace rculab {

enum class run_phase : int { warmup, measure, cooldown, stop };

struct run_control;
struct run_report;
struct role_spec;
struct run_options;

// A thread's handle on the run: phase checks, counters, its histogram.
class thread_ctx {
 public:
  // Waits at the start barrier. Call after registering with the backend.
  void start();
  // Adds this batch's operations; returns false once the run is over.
  bool next_batch(uint64_t ops) {
    ops_ += ops;
    const auto phase = static_cast<run_phase>(shared_phase_->load(std::memory_order_acquire));
    if (phase != seen_phase_) return on_phase_change(phase);
    return true;
  }
  bool measuring() const noexcept { return seen_phase_ == run_phase::measure; }
  // Latency samples count only inside the window.
  void record_latency(uint64_t ns) noexcept {
    if (measuring()) latency_.record(ns);
  }
  // Counts an invariant violation (poison seen, freed object read) anywhere.
  void violation() noexcept { ++violations_; }

  unsigned index_in_role() const noexcept { return index_; }

 private:
  friend struct run_control;
  friend run_report run_roles(const topology&, const run_options&, const std::vector<role_spec>&,
                              const std::function<std::vector<helper_thread>()>&);
  bool on_phase_change(run_phase phase);
  void close_window();

  const std::atomic<int>* shared_phase_ = nullptr;
  run_control* control_ = nullptr;
  run_phase seen_phase_ = run_phase::warmup;
  unsigned index_ = 0;
  uint64_t ops_ = 0, ops_at_open_ = 0, ops_in_window_ = 0;
  uint64_t cpu_at_open_ = 0, cpu_in_window_ = 0;
  bool window_opened_ = false, window_closed_ = false;
  uint64_t violations_ = 0;
  int last_pu_ = -1;
  latency_histogram latency_;
};

struct role_spec {
  std::string role;  // "reader", "updater", ...
  unsigned threads = 0;
  placement_policy policy = placement_policy::compact;
  std::function<void(thread_ctx&)> body;  // called once per thread
};

struct run_options {
  double warmup_seconds = 0.05;
  double measure_seconds = 0.2;
  bool tolerate_bind_failure = false;
  // Helpers (call_rcu workers): nullopt = only on PUs no role uses, else
  // unpinned; a policy = after the roles in its order, sharing their PUs once
  // there are no more (bench_options::worker_policy).
  std::optional<placement_policy> helper_policy;
  // Run by the controller right at the window's edges (counters the
  // workload keeps outside thread_ctx, e.g. callbacks invoked by a worker).
  std::function<void()> on_window_open;
  std::function<void()> on_window_close;
};

struct thread_report {
  std::string role;
  unsigned index = 0;
  int requested_pu = -1;
  int ran_on_pu = -1;  // hwloc_get_last_cpu_location at the window's close
  std::string bind_error;
  uint64_t ops = 0;
  uint64_t cpu_ns = 0;
};

// One of the backend's own threads (a call_rcu worker) over the window.
struct helper_report {
  std::string role;
  int requested_pu = -1;  // -1: not pinned by us (the backend binds it itself, or no PU was free)
  int ran_on_pu = -1;     // where it last ran at the window's close; -1 unknown
  uint64_t cpu_ns = 0;    // CPU time inside the window
};

struct role_totals {
  uint64_t ops = 0;
  uint64_t cpu_ns = 0;
  unsigned threads = 0;
};

struct run_report {
  uint64_t wall_ns = 0;
  std::vector<thread_report> threads;
  std::vector<std::pair<std::string, role_totals>> roles;
  latency_histogram latency;  // merged over every thread
  uint64_t violations = 0;
  uint64_t bind_failures = 0;
  uint64_t helper_cpu_ns = 0;  // call_rcu workers, inside the window
  uint64_t helpers_pinned = 0;
  uint64_t helpers_unpinned = 0;  // no PU free of measured threads (helper_policy nullopt)
  std::vector<helper_report> helpers;

  role_totals totals(const std::string& role) const;
  // "reader0:0>0 reader1:1>1 ..." requested PU > PU it ran on.
  std::string placement_label() const;
};

// Thrown when a binding fails and the user did not allow it.
struct placement_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `helpers` are the backend's own threads (call_rcu workers) to time and,
// unless they keep their own affinity, to pin; read once the roles have
// started, so lazily created ones exist.
run_report run_roles(const topology& topo, const run_options& options,
                     const std::vector<role_spec>& roles,
                     const std::function<std::vector<helper_thread>()>& helpers = {});

uint64_t thread_cpu_ns() noexcept;

}  // namespace rculab
