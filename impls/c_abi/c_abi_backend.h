// c_abi_backend: the one adapter from a C ABI backend (rculab_backend.h) to
// the lab's Backend concept. The build generates a binding per backend
// (binding.h.in: the descriptor's name and prefix) and instantiates
// c_abi_backend<binding> in that backend's own translation unit.
//
// What it costs: every read_lock()/read_unlock() is a call into the
// backend's library, not inlined code: a call and return (a few cycles), and
// the compiler must assume the call reads and writes any memory, so a
// measured loop reloads what it had in registers. Where the descriptor gives
// sources instead of a prebuilt library, the lab compiles them with its own
// flags and LTO, and the calls can inline like a C++ backend's (the listing's
// mode says which). No barrier here: ordering is the backend's own.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "impls/c_abi/rculab_backend.h"
#include "impls/core/backend.h"

namespace rculab {

// Our heads pass through unchanged: same layout as struct rculab_head.
static_assert(sizeof(rcu_head) == sizeof(::rculab_head));
static_assert(alignof(rcu_head) == alignof(::rculab_head));
static_assert(offsetof(rcu_head, next) == offsetof(::rculab_head, next));
static_assert(offsetof(rcu_head, func) == offsetof(::rculab_head, func));

template <class C>
class c_abi_backend {
 public:
  static constexpr const char* kName = C::kName;
  // ours/external/instrumented are set by the build (external_instance.cpp.in).
  // The descriptor's quiescent_states and readers_block_updaters; the rest
  // are the C ABI's contract (impls/c_abi/rculab_backend.h).
  static constexpr backend_traits kTraits{.needs_quiescent_states = C::kQuiescentStates,
                                          .readers_block_updaters = C::kReadersBlockUpdaters,
                                          .ours = false};

  static std::string mode() { return C::kMode; }
  static std::string unavailable_reason() { return {}; }

  static void register_thread() { C::register_thread(); }
  static void unregister_thread() { C::unregister_thread(); }
  static void read_lock() noexcept { C::read_lock(); }
  static void read_unlock() noexcept { C::read_unlock(); }
  static void quiescent_state() noexcept { C::quiescent_state(); }
  static void thread_offline() noexcept { C::thread_offline(); }
  static void thread_online() noexcept { C::thread_online(); }

  static void synchronize() {
    sync_calls_.fetch_add(1, std::memory_order_relaxed);
    C::synchronize();
  }
  static void call(rcu_head* head, void (*func)(rcu_head*)) {
    queued_.fetch_add(1, std::memory_order_relaxed);
    C::call(reinterpret_cast<::rculab_head*>(head), reinterpret_cast<::rculab_callback*>(func));
  }
  static void barrier() { C::barrier(); }

  // The C ABI reports no grace periods, invocations or helper threads:
  // the lab counts what passes through it.
  static backend_stats stats() {
    backend_stats s;
    s.synchronize_calls = sync_calls_.load(std::memory_order_relaxed);
    s.callbacks_queued = queued_.load(std::memory_order_relaxed);
    return s;
  }
  static std::vector<helper_thread> helper_threads() { return {}; }

 private:
  static inline std::atomic<uint64_t> sync_calls_{0};
  static inline std::atomic<uint64_t> queued_{0};
};

}  // namespace rculab
