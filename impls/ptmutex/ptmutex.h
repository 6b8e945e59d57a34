// ptmutex: the per-thread-mutex baseline of Desnoyers et al. (2012). Each
// reader owns a mutex on its own cache line and holds it across its
// read-side section; a grace period locks and unlocks every reader's mutex in
// turn, which waits for each reader that was inside a section.
// Reads scale (no shared line) but each costs an uncontended lock/unlock
// pair, ~2 atomic RMWs; updaters wait for readers and readers for updaters.
// Updaters get their turn: a pthread mutex is not fair, and a reader that
// re-locks right after unlocking beats an updater asleep on it every time
// (64 spinning readers on 16 CPUs let perfbook's torture complete no grace
// period in 10 s). So an updater first raises the reader's `updater_waiting`
// flag; a reader that sees it at its next outermost read_lock yields until
// the updater has had the mutex (one relaxed load of its own line otherwise).
// Barriers: the mutexes' own acquire/release; the flag is a hint (a reader
// that misses it only delays the updater, as before).
#pragma once

#include <pthread.h>
#include <sched.h>

#include <atomic>

#include <string>

#include "impls/core/barrier.h"
#include "impls/core/own_backend.h"
#include "impls/core/reader_registry.h"

namespace rculab {

struct alignas(kCacheLine) ptmutex_reader {
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  std::atomic<bool> updater_waiting{false};  // set while an updater wants `mutex`
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
    if (tls_reader_.nesting++ == 0) {
      while (tls_reader_.updater_waiting.load(std::memory_order_relaxed)) sched_yield();
      pthread_mutex_lock(&tls_reader_.mutex);
    }
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
  static bool in_read_section() noexcept { return tls_reader_.nesting != 0; }

 private:
  static reader_registry<ptmutex_reader>& registry();
  static void keep_calling_thread(void*) noexcept;
  static void unregister_at_exit();
  static inline constinit thread_local ptmutex_reader tls_reader_{};
};

}  // namespace rculab
