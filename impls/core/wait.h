// How an updater waits for a reader it cannot wake: spin briefly (the reader
// is usually running on another CPU and about to leave its critical section),
// then yield (the reader may be preempted on our CPU: oversubscription), then
// back off with growing sleeps so a reader stuck in a long section does not
// cost a whole CPU. The sleeps only start after ~1 ms of yielding, so they
// never sit on the latency path of an ordinary grace period.
#pragma once

#include <sched.h>
#include <time.h>

#include "impls/core/barrier.h"

namespace rculab {

class backoff_waiter {
 public:
  void wait() noexcept {
    ++rounds_;
    if (rounds_ <= kSpinRounds) {
      cpu_relax();
    } else if (rounds_ <= kSpinRounds + kYieldRounds) {
      sched_yield();
    } else {
      timespec ts{0, sleep_ns_};
      nanosleep(&ts, nullptr);
      if (sleep_ns_ < kMaxSleepNs) sleep_ns_ *= 2;
    }
  }

 private:
  static constexpr unsigned kSpinRounds = 1000;
  static constexpr unsigned kYieldRounds = 2000;
  static constexpr long kMaxSleepNs = 1'000'000;
  unsigned rounds_ = 0;
  long sleep_ns_ = 1'000;
};

}  // namespace rculab
