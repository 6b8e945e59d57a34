// @NAME@: an out-of-tree backend written against the lab's C++ concept
// (impls/core/backend.h): static members only, so its read side inlines
// into the workloads the lab instantiates for it. `rculab new-backend` wrote
// it as a correct, simple RCU to start from: readers hold a global
// writer-preferring rwlock for reading (outermost section only: sections
// nest); a grace period takes it for writing and drops it, which waits for
// every reader inside. call() and barrier() come from the lab's call_rcu
// engine (own_backend: a worker runs callbacks after synchronize()), and
// gp_batcher lets concurrent synchronize() calls share a grace period.
// Barriers: the lock's own acquire and release.
// Cost: an atomic RMW on one shared cache line per section (reads do not scale).
#pragma once

#include <pthread.h>

#include <string>

#include "impls/core/backend.h"
#include "impls/core/barrier.h"
#include "impls/core/fork_repair.h"
#include "impls/core/own_backend.h"

namespace byob {

class @IDENT@ : public rculab::own_backend<@IDENT@> {
 public:
  static constexpr const char kName[] = "@NAME@";
  static constexpr rculab::backend_traits kTraits{.readers_block_updaters = true};

  static std::string mode() { return "template: a global rwlock"; }

  // Readers need no registration here; a thread must still leave its
  // sections before it exits (the lab's contract for out-of-tree backends).
  static void register_thread() noexcept {}
  static void unregister_thread() noexcept {}

  static void read_lock() noexcept {
    if (nesting_++ == 0) pthread_rwlock_rdlock(&lock_);
  }
  static void read_unlock() noexcept {
    if (--nesting_ == 0) pthread_rwlock_unlock(&lock_);
  }

  // No quiescent states: not a QSBR scheme.
  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}

  static void synchronize() {
    if (in_read_section()) rculab::misuse(kName, "synchronize() inside a read-side section");
    batcher().synchronize([] {
      pthread_rwlock_wrlock(&lock_);
      pthread_rwlock_unlock(&lock_);
    });
  }
  static bool in_read_section() noexcept { return nesting_ != 0; }

 private:
  // In the child of fork(): a fresh lock, read-held again if the forking
  // thread was inside a section (the parent's other readers are gone).
  static void reset_after_fork(void*) noexcept {
    lock_ = pthread_rwlock_t PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
    if (nesting_ > 0) pthread_rwlock_rdlock(&lock_);
  }

  static inline constinit thread_local unsigned nesting_ = 0;
  static inline pthread_rwlock_t lock_ = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
  static inline const bool repaired_after_fork_ =
      (rculab::repair_after_fork(&reset_after_fork, nullptr), true);
};

}  // namespace byob
