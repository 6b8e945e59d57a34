// The list of registered reader threads an updater scans.
//
// Records live in the readers' thread-local storage and are linked in here on
// register_thread. The mutex is held by an updater for a whole grace period,
// so registration waits for it; a reader never takes it while inside a
// read-side critical section (QSBR readers go offline first), which is what
// keeps that from deadlocking.
#pragma once

#include <mutex>

namespace rculab {

// Record must have `Record* next` and `Record* prev` members.
template <class Record>
class reader_registry {
 public:
  void add(Record* r) {
    std::lock_guard lock(mu_);
    r->prev = nullptr;
    r->next = head_;
    if (head_) head_->prev = r;
    head_ = r;
    ++count_;
  }

  void remove(Record* r) {
    std::lock_guard lock(mu_);
    if (r->prev) r->prev->next = r->next;
    else head_ = r->next;
    if (r->next) r->next->prev = r->prev;
    r->next = r->prev = nullptr;
    --count_;
  }

  // Runs f(record) on every reader with the registry locked.
  template <class F>
  void for_each_locked(F&& f) {
    for (Record* r = head_; r; r = r->next) f(*r);
  }

  std::mutex& mutex() noexcept { return mu_; }
  // Number of registered readers; call with the mutex held.
  unsigned count_locked() const noexcept { return count_; }

 private:
  std::mutex mu_;
  Record* head_ = nullptr;
  unsigned count_ = 0;
};

}  // namespace rculab
