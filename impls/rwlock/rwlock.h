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
#include "impls/core/own_backend.h"

namespace rculab {

class rwlock : public own_backend<rwlock> {
 public:
  static constexpr const char kName[] = "rwlock";
  static constexpr backend_traits kTraits{.readers_block_updaters = true};

  static std::string mode() { return "pthread_rwlock, writer-preferring"; }

  static void register_thread() noexcept {}
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
    batcher().synchronize([] {
      pthread_rwlock_wrlock(&lock());
      pthread_rwlock_unlock(&lock());
    });
  }

 private:
  static pthread_rwlock_t& lock() noexcept { return lock_; }

  static inline constinit thread_local unsigned nesting_ = 0;
  static inline pthread_rwlock_t lock_ = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
};

}  // namespace rculab
