// Thin futex wrappers: sleep until a 32-bit word changes, wake its sleepers.
// Raw syscalls rather than std::atomic::wait because futex_wake is called from
// the signal backend's handler, where only async-signal-safe calls are allowed.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>

namespace rculab {

static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t));

// Sleeps while *word == expected (spurious wake-ups are possible: re-check).
inline void futex_wait(std::atomic<int32_t>& word, int32_t expected) noexcept {
  syscall(SYS_futex, reinterpret_cast<int32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
}

inline void futex_wake_all(std::atomic<int32_t>& word) noexcept {
  syscall(SYS_futex, reinterpret_cast<int32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

}  // namespace rculab
