// liburcu reference backends: liburcu's flavors behind our Backend concept,
// so "ours vs the established library" is one run in one binary.
//
// Each flavor header (urcu_qsbr.h, ...) includes liburcu with _LGPL_SOURCE so
// its read-side fast paths inline into the workload exactly as in an LGPL
// application: the read cost measured is liburcu's, not a call's. A flavor
// header may only be included by that backend's own translation unit (the
// build generates one per backend), because liburcu's static headers map
// generic names onto one flavor.
//
// Flavor supplies static functions named after liburcu's API (read_lock,
// synchronize_rcu, call_rcu, ...) plus grace_periods().
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "impls/core/backend.h"

#ifndef RCULAB_LIBURCU_VERSION
#define RCULAB_LIBURCU_VERSION "unknown"
#endif

// The flavor operations that differ only by liburcu's API prefix
// (urcu_mb, urcu_memb, ...); token pasting keeps the five adapters to the
// parts where the flavors really differ.
#define RCULAB_URCU_COMMON_OPS(prefix)                                       \
  static void read_lock() noexcept { prefix##_read_lock(); }                \
  static void read_unlock() noexcept { prefix##_read_unlock(); }            \
  static void synchronize_rcu() { prefix##_synchronize_rcu(); }             \
  /* The default worker, explicitly: per-CPU workers, once some backend   \
     (urcu-memb-percpu) created them, would otherwise take every call of   \
     the flavor in the process (liburcu picks the thread's, then the       \
     CPU's, then the default call_rcu data). */                            \
  static void call_rcu(rcu_head* h, void (*f)(rcu_head*)) {                 \
    prefix##_set_thread_call_rcu_data(prefix##_get_default_call_rcu_data()); \
    prefix##_call_rcu(to_urcu(h), to_urcu(f));                              \
  }                                                                         \
  static void rcu_barrier() { prefix##_barrier(); }                         \
  static pthread_t call_rcu_thread() {                                      \
    return prefix##_get_call_rcu_thread(prefix##_get_default_call_rcu_data()); \
  }                                                                         \
  static void call_rcu_before_fork() { prefix##_call_rcu_before_fork(); }   \
  static void call_rcu_after_fork_parent() { prefix##_call_rcu_after_fork_parent(); } \
  static void call_rcu_after_fork_child() { prefix##_call_rcu_after_fork_child(); }

// A whole reference backend for a flavor whose grace periods flip a phase
// (mb, memb, signal): readers register explicitly, no quiescent states, and
// liburcu exposes no grace-period count. Use inside namespace rculab.
// Anything after `detail` is added to the flavor's members.
#define RCULAB_URCU_FLIPPING_FLAVOR(prefix, name, detail, ...)               \
  struct prefix##_flavor : urcu_no_quiescent_states {                       \
    static constexpr const char* kDetail = detail;                          \
    __VA_ARGS__                                                             \
    RCULAB_URCU_COMMON_OPS(prefix)                                          \
    static void register_thread() { prefix##_register_thread(); }           \
    static void unregister_thread() { prefix##_unregister_thread(); }       \
    static std::optional<uint64_t> grace_periods() { return std::nullopt; } \
  };                                                                        \
  struct prefix##_backend : urcu_reference<prefix##_flavor> {               \
    static constexpr const char kName[] = name;                             \
  };

namespace rculab {

// Flavors without quiescent states inherit these no-ops.
struct urcu_no_quiescent_states {
  static constexpr bool kNeedsQuiescentStates = false;
  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}
};

inline constexpr const char* kLiburcuVersion = RCULAB_LIBURCU_VERSION;

// A flavor whose callbacks go to per-CPU queues says so (urcu-memb-percpu).
template <class Flavor>
constexpr bool flavor_callbacks_fifo_per_thread() {
  if constexpr (requires { Flavor::kCallbacksFifoPerThread; }) return Flavor::kCallbacksFifoPerThread;
  else return true;
}

template <class Flavor>
class urcu_reference {
 public:
  static constexpr backend_traits kTraits{
      .needs_quiescent_states = Flavor::kNeedsQuiescentStates,
      .callbacks_fifo_per_thread = flavor_callbacks_fifo_per_thread<Flavor>(),
      .ours = false,
      .instrumented = false};

  static std::string mode() { return std::string("liburcu ") + kLiburcuVersion + " " + Flavor::kDetail; }
  // A flavor that can be broken by its environment says so (urcu-signal).
  static std::string unavailable_reason() {
    if constexpr (requires { Flavor::unavailable_reason(); }) return Flavor::unavailable_reason();
    else return {};
  }

  static void register_thread() { Flavor::register_thread(); }
  static void unregister_thread() { Flavor::unregister_thread(); }
  static void read_lock() noexcept { Flavor::read_lock(); }
  static void read_unlock() noexcept { Flavor::read_unlock(); }
  static void quiescent_state() noexcept { Flavor::quiescent_state(); }
  static void thread_offline() noexcept { Flavor::thread_offline(); }
  static void thread_online() noexcept { Flavor::thread_online(); }

  static void synchronize() {
    sync_calls_.fetch_add(1, std::memory_order_relaxed);
    Flavor::synchronize_rcu();
  }
  static void call(rcu_head* head, void (*func)(rcu_head*)) {
    queued_.fetch_add(1, std::memory_order_relaxed);
    Flavor::call_rcu(head, func);
  }
  static void barrier() { Flavor::rcu_barrier(); }

  // liburcu's fork protocol (its README, "Interaction with fork()"): the
  // parent calls before_fork() right before fork() and after_fork_parent()
  // after it, the child after_fork_child(); liburcu installs no atfork
  // handlers itself. Besides, every flavor but bp requires each reader
  // thread to unregister before fork() (the child's grace periods would wait
  // for, or signal, the parent's threads); bp prunes them in the child.
  static void before_fork() {
    Flavor::call_rcu_before_fork();  // first: pausing the workers may take grace periods
    if constexpr (requires { Flavor::readers_before_fork(); }) Flavor::readers_before_fork();
  }
  static void after_fork_parent() {
    if constexpr (requires { Flavor::readers_after_fork_parent(); }) Flavor::readers_after_fork_parent();
    Flavor::call_rcu_after_fork_parent();
  }
  static void after_fork_child() {
    if constexpr (requires { Flavor::readers_after_fork_child(); }) Flavor::readers_after_fork_child();
    Flavor::call_rcu_after_fork_child();
  }

  static backend_stats stats() {
    backend_stats s;
    s.synchronize_calls = sync_calls_.load(std::memory_order_relaxed);
    s.grace_periods = Flavor::grace_periods();
    s.callbacks_queued = queued_.load(std::memory_order_relaxed);
    return s;  // liburcu does not expose its worker's invocation count
  }

  static std::vector<helper_thread> helper_threads() {
    // Asking for the default worker creates it: only once callbacks exist.
    if (queued_.load(std::memory_order_relaxed) == 0) return {};
    if constexpr (requires { Flavor::call_rcu_threads(); }) {
      return Flavor::call_rcu_threads();
    } else {
      // liburcu may hand out its call_rcu data before the worker's id is
      // stored (seen as 0 here): report no thread rather than a bogus one.
      const pthread_t worker = Flavor::call_rcu_thread();
      if (worker == pthread_t{}) return {};
      return {helper_thread{"call_rcu_worker", worker, 0}};
    }
  }

 private:
  static inline std::atomic<uint64_t> sync_calls_{0};
  static inline std::atomic<uint64_t> queued_{0};
};

}  // namespace rculab
