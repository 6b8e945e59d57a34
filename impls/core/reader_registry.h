// The list of registered reader threads an updater scans.
//
// Records live in the readers' thread-local storage and are linked in here on
// register_thread. The mutex is held by an updater for a whole grace period,
// so registration waits for it; a reader never takes it while inside a
// read-side critical section (QSBR readers go offline first), which is what
// keeps that from deadlocking.
#pragma once

#include <sched.h>

#include <mutex>
#include <new>

#include "impls/core/barrier.h"

namespace rculab {

// Record must have `Record* next` and `Record* prev` members.
template <class Record>
class reader_registry {
 public:
  void add(Record* r) {
    registration_lock lock(mu_);
    r->prev = nullptr;
    r->next = head_;
    if (head_) head_->prev = r;
    head_ = r;
  }

  void remove(Record* r) {
    registration_lock lock(mu_);
    if (r->prev) r->prev->next = r->next;
    else head_ = r->next;
    if (r->next) r->next->prev = r->prev;
    r->next = r->prev = nullptr;
  }

  // Runs f(record) on every reader with the registry locked.
  template <class F>
  void for_each_locked(F&& f) {
    for (Record* r = head_; r; r = r->next) f(*r);
  }

  // In the child of fork() (fork_repair.h): only the calling thread exists.
  // Keeps its record `mine` (nullptr if it is not registered) and forgets
  // the others: their threads are gone, and a grace period would wait for
  // them, or signal them, forever. The mutex is made anew: one of them may
  // have held it.
  void keep_only(Record* mine) noexcept {
    new (&mu_) std::mutex;
    head_ = mine;
    if (mine) mine->next = mine->prev = nullptr;
  }

  std::mutex& mutex() noexcept { return mu_; }

 private:
  // (Un)registering can wait for a grace period that is signalling this very
  // thread (signal backend). The kernel runs the handler even while we sleep
  // in the mutex, but ThreadSanitizer defers a signal until the thread leaves
  // an intercepted call, and a blocking lock never leaves: under TSan, poll
  // with try_lock instead (each failed try delivers pending signals).
  class registration_lock {
   public:
    explicit registration_lock(std::mutex& mu) : mu_(mu) {
      if constexpr (RCULAB_TSAN) {
        while (!mu_.try_lock()) sched_yield();
      } else {
        mu_.lock();
      }
    }
    ~registration_lock() { mu_.unlock(); }

   private:
    std::mutex& mu_;
  };

  std::mutex mu_;
  Record* head_ = nullptr;
};

}  // namespace rculab
