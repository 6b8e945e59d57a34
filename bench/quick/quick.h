// A quick, rough measurement of one backend: read-side cost and synchronize
// latency. Not the lab's harness (no pinning, no repetitions): a sanity
// reading for bring-up and for `rculab-core quick`.
//
// read cost: one registered reader runs `iterations` sections, each loading
// a published object's field and folding it into a sum the compiler must
// keep; the same loop without read_lock/read_unlock is timed too, and the
// difference is the section's cost. QSBR-style backends report a quiescent
// state every 256 sections (as a real reader would), amortized in the number.
// synchronize latency: `samples` synchronize calls from an updater while one
// reader runs sections back to back in another thread; median and max.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "impls/core/backend.h"

namespace rculab {

struct quick_result {
  double read_ns = 0;           // per section, loop included
  double loop_ns = 0;           // the same loop, no section
  double sync_p50_us = -1;      // -1: not safe for updates
  double sync_max_us = -1;
};

namespace quick_detail {

struct object {
  uint64_t value;
};

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <Backend B, bool kWithSection>
double time_read_loop(const std::atomic<object*>& ptr, uint64_t iterations) {
  uint64_t sum = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < iterations; ++i) {
    if constexpr (kWithSection) B::read_lock();
    sum += rcu_dereference(ptr)->value;
    if constexpr (kWithSection) B::read_unlock();
    if constexpr (B::kTraits.needs_quiescent_states)
      if ((i & 255) == 255) B::quiescent_state();
  }
  const double ns = seconds_since(t0) * 1e9 / double(iterations);
  asm volatile("" ::"r"(sum));
  return ns;
}

}  // namespace quick_detail

template <Backend B>
quick_result run_quick(uint64_t iterations, unsigned samples) {
  using namespace quick_detail;
  object obj{1};
  std::atomic<object*> ptr{&obj};
  quick_result r;
  {
    thread_scope<B> registered;
    time_read_loop<B, true>(ptr, iterations / 10);  // warm-up
    r.loop_ns = time_read_loop<B, false>(ptr, iterations);
    r.read_ns = time_read_loop<B, true>(ptr, iterations);
  }
  if (!B::kTraits.safe_for_updates) return r;

  std::atomic<bool> stop{false};
  std::thread reader([&] {
    thread_scope<B> registered;
    while (!stop.load(std::memory_order_relaxed)) time_read_loop<B, true>(ptr, 1024);
  });
  std::vector<double> us;
  {
    thread_scope<B> registered;
    offline_scope<B> offline;
    for (unsigned s = 0; s < samples; ++s) {
      const auto t0 = std::chrono::steady_clock::now();
      B::synchronize();
      us.push_back(seconds_since(t0) * 1e6);
    }
  }
  stop.store(true);
  reader.join();
  std::sort(us.begin(), us.end());
  r.sync_p50_us = us[us.size() / 2];
  r.sync_max_us = us.back();
  return r;
}

}  // namespace rculab
