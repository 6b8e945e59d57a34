// What the workloads share: the published object, reclamation bookkeeping,
// calibrated busy work, and registration of one Google Benchmark point.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/harness/bench_options.h"
#include "bench/harness/gb_report.h"
#include "bench/harness/run_loop.h"
#include "impls/core/backend.h"

namespace rculab {

inline constexpr uint64_t kAlive = 0xa11'5afe'a11'5afeULL;
inline constexpr uint64_t kPoisoned = 0xdead'dead'dead'deadULL;

// What readers dereference and updaters replace. A reader that finds the
// poison marker saw a freed object: an invariant violation.
struct bench_object {
  uint64_t marker = kAlive;
  uint64_t value = 1;
  uint64_t enqueued_ns = 0;  // call_rcu latency
  rcu_head head;

  static bench_object* from_head(rcu_head* h) {
    return reinterpret_cast<bench_object*>(reinterpret_cast<char*>(h) - offsetof(bench_object, head));
  }
};

// Objects allocated and freed during one run; their difference at the end,
// less the one still published, is memory a backend held back.
struct reclaim_ledger {
  std::atomic<uint64_t> allocated{0};
  std::atomic<uint64_t> freed{0};

  bench_object* make() {
    allocated.fetch_add(1, std::memory_order_relaxed);
    return new bench_object;
  }
  void poison_and_free(bench_object* o) {
    o->marker = kPoisoned;
    delete o;
    freed.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t outstanding() const {
    return allocated.load(std::memory_order_relaxed) - freed.load(std::memory_order_relaxed);
  }
};

inline uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Busy work of a calibrated duration, the same instructions on every backend.
// The loop carries a dependency the compiler cannot fold.
inline uint64_t spin_iterations(uint64_t n, uint64_t x = 1) {
  for (uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    asm volatile("" : "+r"(x));
  }
  return x;
}
// Iterations of spin_iterations per nanosecond on this host (measured once).
double spin_iterations_per_ns();

// Keeps a value alive without a memory access (the loop must not be deleted).
template <class T>
inline void keep(const T& v) {
  asm volatile("" ::"r"(v));
}

// Registers one point: Iterations(1) + manual time; repetitions come from
// --benchmark_repetitions. `run` performs one measured run.
template <class Run>
void register_point(const std::string& name, Run run) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [run](benchmark::State& state) {
                                 for (auto _ : state) {
                                   try {
                                     run(state);
                                   } catch (const std::exception& e) {
                                     state.SkipWithError(e.what());
                                   }
                                 }
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

// The harness options of one run, from the lab's flags.
inline run_options run_options_for(const bench_options& o) {
  run_options ro;
  ro.warmup_seconds = o.warmup_seconds;
  ro.measure_seconds = o.measure_seconds;
  ro.tolerate_bind_failure = o.tolerate_bind_failure;
  ro.helper_policy = o.worker_policy;
  return ro;
}

// Reader counts to sweep: the user's list, or 1..PUs plus 2x and 4x PUs
// (oversubscription: preempted readers are a real RCU case).
std::vector<unsigned> reader_sweep(const bench_options& o);

inline const char* policy_name(placement_policy p) { return to_string(p).data(); }

}  // namespace rculab

namespace rculab {
// The backend's own threads (call_rcu workers) for the harness to pin and time.
template <Backend B>
std::vector<pthread_t> helper_handles() {
  std::vector<pthread_t> handles;
  for (const helper_thread& h : B::helper_threads()) handles.push_back(h.handle);
  return handles;
}
}  // namespace rculab
