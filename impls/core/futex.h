// Thin futex wrappers: sleep until a 32-bit word changes, wake its sleepers.
// Raw syscalls rather than std::atomic::wait because futex_wake is called from
// the signal backend's handler, where only async-signal-safe calls are allowed.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <ctime>
#include <cstdint>

#include "impls/core/barrier.h"

namespace rculab {

static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t));

// Sleeps while *word == expected (spurious wake-ups are possible: every
// caller re-checks its condition in a loop).
// Under ThreadSanitizer this is a short poll instead: TSan delivers a signal
// only when the thread passes through one of its interceptors, and a raw
// futex syscall is none, so a thread parked here could never acknowledge the
// signal backend's grace period (a deadlock that exists only under TSan).
inline void futex_wait(std::atomic<int32_t>& word, int32_t expected) noexcept {
#if RCULAB_TSAN
  if (word.load(std::memory_order_acquire) == expected) usleep(50);
#else
  syscall(SYS_futex, reinterpret_cast<int32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
#endif
}

// As futex_wait, but for at most `ns` nanoseconds.
inline void futex_wait_for(std::atomic<int32_t>& word, int32_t expected, long ns) noexcept {
#if RCULAB_TSAN
  if (word.load(std::memory_order_acquire) == expected) usleep(ns < 50'000 ? 1 + ns / 1000 : 50);
#else
  timespec timeout{ns / 1'000'000'000, ns % 1'000'000'000};
  syscall(SYS_futex, reinterpret_cast<int32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, &timeout,
          nullptr, 0);
#endif
}

inline void futex_wake_all(std::atomic<int32_t>& word) noexcept {
  syscall(SYS_futex, reinterpret_cast<int32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

}  // namespace rculab
