// Memory-ordering primitives shared by every backend.
//
// The backends name each barrier after what it pairs with; this file only
// decides how a barrier is spelled on the machine at hand:
//   - full_fence(): a store-load fence. On x86 a locked read-modify-write on
//     the stack costs ~2.4 ns here, mfence ~16 ns (both order the same way for
//     ordinary write-back memory), so we use `lock orq $0,(%rsp)`.
//   - compiler_barrier(): stops the compiler only; the reader side of memb and
//     signal, whose hardware fence is supplied by the updater (IPI / signal).
//
// ThreadSanitizer does not model fences. Under TSan the grace-period hand-off
// is made visible with release stores / acquire loads on the reader's counter
// (which cost nothing extra on x86), so the fences here only need to be right
// for the hardware; under TSan we still emit a real fence so behaviour matches.
#pragma once

#include <atomic>

#if defined(__SANITIZE_THREAD__)
#define RCULAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RCULAB_TSAN 1
#endif
#endif
#ifndef RCULAB_TSAN
#define RCULAB_TSAN 0
#endif

// Misuse checks (liburcu asserts the same things): an unbalanced
// read_unlock, unregistering inside a read-side section, reading from an
// unregistered thread. On in debug and sanitizer builds, compiled out of the
// release build the numbers come from. -DRCULAB_CHECKS=0/1 overrides.
#ifndef RCULAB_CHECKS
#if !defined(NDEBUG) || RCULAB_TSAN || defined(__SANITIZE_ADDRESS__)
#define RCULAB_CHECKS 1
#else
#define RCULAB_CHECKS 0
#endif
#endif

#include <cstdio>
#include <cstdlib>

namespace rculab {

inline constexpr bool kChecks = RCULAB_CHECKS;

// One line on stderr, then abort: the program broke the RCU API's rules, and
// going on would turn that into a hang or a use after free far from here.
[[noreturn]] inline void misuse(const char* backend, const char* what) noexcept {
  std::fprintf(stderr, "rculab: %s: misuse: %s\n", backend, what);
  std::abort();
}

inline void compiler_barrier() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

inline void full_fence() noexcept {
#if defined(__x86_64__) && !RCULAB_TSAN
  // A locked no-op on a hot, private cache line: a full barrier, ~6x cheaper than mfence.
  asm volatile("lock orq $0, (%%rsp)" ::: "memory", "cc");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  compiler_barrier();
#endif
}

// Name of the full-fence instruction, recorded by the harness with results.
constexpr const char* full_fence_name() noexcept {
#if defined(__x86_64__) && !RCULAB_TSAN
  return "lock or (x86)";
#else
  return "atomic_thread_fence(seq_cst)";
#endif
}

// One cache line; readers' per-thread records are aligned to it so that one
// reader's counter never shares a line with another's.
inline constexpr std::size_t kCacheLine = 64;

// An atomic alone on its cache line (global grace-period counters: every
// reader loads them, so no writer of anything else may share the line).
template <class T>
struct alignas(kCacheLine) cacheline_atomic {
  std::atomic<T> value;
};

}  // namespace rculab
