// Grace-period sharing: concurrent synchronize() callers share grace periods.
//
// A caller needs one grace period that *starts* after its call began. If one
// is already running it cannot serve the caller (it may have scanned the
// caller's readers already), but the next one can; so every caller that
// arrives while grace period k runs is served by k+1, which only one of them
// (the leader) runs. N callers arriving together cost about two grace periods,
// not N. The mutex hand-off orders each caller's earlier stores (the removal
// of the object it is about to free) before the leader's reader scan.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <new>

namespace rculab {

class gp_batcher {
 public:
  // Returns once a full grace period, run by `run_grace_period` in this or
  // another thread, has elapsed since the call began.
  template <class RunGracePeriod>
  void synchronize(RunGracePeriod&& run_grace_period) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock lock(mu_);
    const uint64_t needed = started_ + 1;  // the first to start after this call
    while (completed_ < needed) {
      if (running_) {
        done_.wait(lock);
        continue;
      }
      running_ = true;
      const uint64_t number = ++started_;
      lock.unlock();
      try {
        run_grace_period();
      } catch (...) {
        // Hand leadership on, or every later caller waits for a grace period
        // that nobody runs. Grace period `number` never completes; the next
        // leader's does, and completed_ only grows, so waiters are served.
        lock.lock();
        running_ = false;
        done_.notify_all();
        throw;
      }
      lock.lock();
      completed_ = number;
      running_ = false;
      grace_periods_.fetch_add(1, std::memory_order_relaxed);
      done_.notify_all();
    }
  }

  // In the child of fork() (see fork_repair.h): a parent thread may have
  // held the mutex or been running a grace period that nobody in the child
  // will finish. Fresh mutex and condition variable (nobody waits on them
  // here: the forking thread was not inside synchronize()), no grace period
  // running; the counters go on.
  static void reset_after_fork(void* self) noexcept {
    auto* b = static_cast<gp_batcher*>(self);
    new (&b->mu_) std::mutex;
    new (&b->done_) std::condition_variable;
    b->running_ = false;
    b->completed_ = b->started_;
  }

  uint64_t synchronize_calls() const noexcept { return calls_.load(std::memory_order_relaxed); }
  uint64_t grace_periods() const noexcept { return grace_periods_.load(std::memory_order_relaxed); }

 private:
  std::mutex mu_;
  std::condition_variable done_;
  uint64_t started_ = 0;    // guarded by mu_
  uint64_t completed_ = 0;  // guarded by mu_
  bool running_ = false;    // guarded by mu_
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> grace_periods_{0};
};

}  // namespace rculab
