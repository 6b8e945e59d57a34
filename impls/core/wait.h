// How an updater waits for a reader it cannot wake: spin briefly (the reader
// is usually running on another CPU and about to leave its critical section),
// then sleep with growing intervals (1 us doubling up to 1 ms).
//
// Sleeping, not sched_yield(): when the reader shares our CPU (more threads
// than CPUs), a yield hands it the CPU until the next tick (milliseconds),
// while a sleep lets it run and the wake-up preempts it as soon as the timer
// fires (tens of microseconds with the default timer slack). The doubling
// keeps a reader in a long section from costing the updater a CPU, and
// wastes at most about the time already waited.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>

#include "impls/core/barrier.h"

namespace rculab {

class backoff_waiter {
 public:
  void wait() noexcept {
    if (spins_ < kSpinRounds) {
      ++spins_;
      cpu_relax();
      return;
    }
    timespec ts{0, sleep_ns_};
    nanosleep(&ts, nullptr);
    if (sleep_ns_ < kMaxSleepNs) sleep_ns_ *= 2;
  }
  bool spinning() const noexcept { return spins_ < kSpinRounds; }

 private:
  static constexpr unsigned kSpinRounds = 100;  // a few microseconds of pause
  static constexpr long kMaxSleepNs = 1'000'000;
  unsigned spins_ = 0;
  long sleep_ns_ = 1'000;
};

// True if `flag` reads 0 within a moment (about a thousand pauses): a waking
// thread between its own store and clearing the flag gets that long before
// an updater decides nobody took it (a lost wake-up, counted by the backend).
inline bool cleared_within_a_moment(const std::atomic<int32_t>& flag) noexcept {
  for (int i = 0; i < 1000; ++i) {
    if (flag.load(std::memory_order_relaxed) == 0) return true;
    cpu_relax();
  }
  return false;
}

}  // namespace rculab
