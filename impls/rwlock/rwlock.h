// rwlock: the reader-writer-lock baseline. Readers hold a pthread_rwlock for
// reading; a grace period is taking the lock for writing and dropping it,
// which waits for every reader that holds it.
//
// The lock prefers writers (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP):
// glibc's default prefers readers, and under continuous readers updaters
// starve outright (Desnoyers et al. saw 175 updates/s on 64 cores), which
// would make update-side numbers meaningless. Non-recursive is safe because
// only the outermost read_lock takes the lock; nesting is a thread-local count.
// Barriers: the lock's own acquire/release.
// Cost: an atomic RMW on one shared cache line per outermost section, so reads
// stop scaling with readers (the line bounces).
#pragma once

#include <pthread.h>

#include <string>

#include "impls/core/barrier.h"
#include "impls/core/fork_repair.h"
#include "impls/core/own_backend.h"
#include "impls/core/thread_exit.h"

namespace rculab {

class rwlock : public own_backend<rwlock> {
 public:
  static constexpr const char kName[] = "rwlock";
  static constexpr backend_traits kTraits{.readers_block_updaters = true};

  static std::string mode() { return "pthread_rwlock, writer-preferring"; }

  // Reading needs no registration; registering only arranges for a thread
  // that exits inside a section to release the lock (thread_exit.h), which
  // would otherwise block every later grace period. The lab registers every
  // thread; an unregistered thread exiting inside a section keeps the lock.
  static void register_thread() { run_at_thread_exit(&release_at_exit); }
  static void unregister_thread() noexcept {}

  static void read_lock() noexcept {
    if (nesting_++ == 0) pthread_rwlock_rdlock(&lock());
  }
  static void read_unlock() noexcept {
    if (kChecks && nesting_ == 0) misuse(kName, "read_unlock() without a matching read_lock()");
    if (--nesting_ == 0) pthread_rwlock_unlock(&lock());
  }

  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}

  static void synchronize() {
    if (in_read_section())
      misuse(kName, "synchronize() inside a read-side section (it would wait for its own read lock forever)");
    batcher().synchronize([] {
      pthread_rwlock_wrlock(&lock());
      pthread_rwlock_unlock(&lock());
    });
  }
  static bool in_read_section() noexcept { return nesting_ != 0; }

 private:
  static pthread_rwlock_t& lock() noexcept { return lock_; }

  static void release_at_exit() noexcept {
    if (nesting_ == 0) return;
    report_exit_inside_section(kName);
    nesting_ = 0;
    pthread_rwlock_unlock(&lock());
  }

  // In the child of fork() (fork_repair.h): parent threads that held the
  // lock (readers, or an updater mid-grace-period) are gone. A fresh lock,
  // read-held again if the forking thread itself was inside a section.
  static void reset_after_fork(void*) noexcept {
    lock_ = pthread_rwlock_t PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
    if (nesting_ > 0) pthread_rwlock_rdlock(&lock_);
  }

  static inline constinit thread_local unsigned nesting_ = 0;
  static inline pthread_rwlock_t lock_ = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
  // Registered at start-up: readers need not register, so no later first
  // call is sure to happen before a fork().
  static inline const bool repaired_after_fork_ = (repair_after_fork(&reset_after_fork, nullptr), true);
};

}  // namespace rculab
