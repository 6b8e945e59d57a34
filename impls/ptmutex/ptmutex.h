// ptmutex: the per-thread-mutex baseline of Desnoyers et al. (2012). Each
// reader owns a mutex on its own cache line and holds it across its
// read-side section; a grace period locks and unlocks every reader's mutex in
// turn, which waits for each reader that was inside a section.
// Reads scale (no shared line) but each costs an uncontended lock/unlock
// pair, ~2 atomic RMWs; updaters wait for readers and readers for updaters.
// Barriers: the mutexes' own acquire/release.
#pragma once

#include <pthread.h>

#include <string>

#include "impls/core/barrier.h"
#include "impls/core/own_backend.h"
#include "impls/core/reader_registry.h"

namespace rculab {

struct alignas(kCacheLine) ptmutex_reader {
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  unsigned nesting = 0;
  bool registered = false;
  ptmutex_reader* next = nullptr;
  ptmutex_reader* prev = nullptr;
};

class ptmutex : public own_backend<ptmutex> {
 public:
  static constexpr const char kName[] = "ptmutex";
  static constexpr backend_traits kTraits{.readers_block_updaters = true};

  static std::string mode() { return "one pthread_mutex per reader"; }

  static void register_thread();
  static void unregister_thread();

  static void read_lock() noexcept {
    if (kChecks && !tls_reader_.registered) misuse(kName, "read_lock() from an unregistered thread");
    if (tls_reader_.nesting++ == 0) pthread_mutex_lock(&tls_reader_.mutex);
  }
  static void read_unlock() noexcept {
    if (kChecks && tls_reader_.nesting == 0)
      misuse(kName, "read_unlock() without a matching read_lock()");
    if (--tls_reader_.nesting == 0) pthread_mutex_unlock(&tls_reader_.mutex);
  }

  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}

  static void synchronize();

 private:
  static reader_registry<ptmutex_reader>& registry();
  static inline constinit thread_local ptmutex_reader tls_reader_{};
};

}  // namespace rculab
