// The backend concept: what every RCU implementation in the lab provides.
//
// A backend is a type with static members only, a process-wide RCU domain like
// a liburcu flavor, so its read side inlines into workload code that is
// templated on it. Workloads ask the traits what a backend needs (quiescent
// states?) and what it permits (updates at all?), never its name.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rculab {

// Callback node embedded in objects handed to call(). Layout-compatible with
// liburcu's struct rcu_head, so the reference backends can pass it through.
struct rcu_head {
  rcu_head* next = nullptr;
  void (*func)(rcu_head*) = nullptr;
};

struct backend_traits {
  // Readers must call quiescent_state() (or go offline) or grace periods never end.
  bool needs_quiescent_states = false;
  // A reader inside its section can delay an updater beyond a grace period's
  // worth: locks (rwlock, ptmutex), where updaters exclude readers.
  bool readers_block_updaters = false;
  // synchronize/call/barrier really wait for readers. `none` is not.
  bool safe_for_updates = true;
  // Callbacks queued by one thread run in the order it queued them. False
  // where callbacks go to the queue of the CPU the caller runs on (liburcu's
  // per-CPU workers): a thread that migrates between two call()s can see the
  // later callback first. Order then holds only while the thread stays on one CPU.
  bool callbacks_fifo_per_thread = true;
  // Our implementation (true) or a reference: a liburcu flavor or an
  // out-of-tree backend (false).
  bool ours = true;
  // Added from a folder outside impls/ (RCULAB_EXTRA_BACKENDS, docs/byob.md).
  // The build sets it for such backends; their own traits need not.
  bool external = false;
  // ThreadSanitizer sees all of its synchronization: every part is compiled by
  // the lab. False where it runs a prebuilt library (liburcu, libck); the
  // tests then skip it under TSan. For out-of-tree backends the build sets it
  // from the descriptor.
  bool instrumented = true;
};

// Raw counters the harness turns into rates and ratios.
struct backend_stats {
  uint64_t synchronize_calls = 0;
  // Grace periods actually run. Absent where the implementation hides them.
  std::optional<uint64_t> grace_periods;
  uint64_t callbacks_queued = 0;
  // Absent where the implementation does not expose them (liburcu's worker).
  std::optional<uint64_t> callbacks_invoked;
  // Largest number of queued-but-not-invoked callbacks seen (memory backlog).
  std::optional<uint64_t> callbacks_pending_peak;
  // Sleeps of a waiting updater that its safety-net timer ended, the reader
  // gone without waking it: a lost wake-up (should stay 0). Absent where the
  // backend has no such sleep (ours without one, liburcu's).
  std::optional<uint64_t> lost_wakeups;
};

// Counters accumulated between two stats() readings (peaks are as of `after`).
inline backend_stats stats_since(const backend_stats& before, const backend_stats& after) {
  backend_stats d;
  d.synchronize_calls = after.synchronize_calls - before.synchronize_calls;
  if (after.grace_periods && before.grace_periods)
    d.grace_periods = *after.grace_periods - *before.grace_periods;
  d.callbacks_queued = after.callbacks_queued - before.callbacks_queued;
  if (after.callbacks_invoked && before.callbacks_invoked)
    d.callbacks_invoked = *after.callbacks_invoked - *before.callbacks_invoked;
  d.callbacks_pending_peak = after.callbacks_pending_peak;
  if (after.lost_wakeups && before.lost_wakeups) d.lost_wakeups = *after.lost_wakeups - *before.lost_wakeups;
  return d;
}

// A thread the backend runs on its own (call_rcu worker), so the harness can
// pin it and read its CPU time.
struct helper_thread {
  std::string role;
  pthread_t handle;
  pid_t tid;
  // Bound to a CPU by the backend itself (liburcu's per-CPU call_rcu
  // workers): the harness must not move it.
  bool keeps_own_affinity = false;
};

template <class B>
concept Backend = requires(rcu_head* head, void (*func)(rcu_head*)) {
  { B::kName } -> std::convertible_to<std::string_view>;
  { B::kTraits } -> std::convertible_to<backend_traits>;
  B::register_thread();
  B::unregister_thread();
  B::read_lock();
  B::read_unlock();
  B::quiescent_state();
  B::thread_offline();
  B::thread_online();
  B::synchronize();
  B::call(head, func);
  B::barrier();
  { B::stats() } -> std::same_as<backend_stats>;
  // How the backend runs on this host ("membarrier private expedited", ...).
  { B::mode() } -> std::convertible_to<std::string>;
  // Empty when usable here; otherwise why not (the harness refuses to run it).
  { B::unavailable_reason() } -> std::convertible_to<std::string>;
  { B::helper_threads() } -> std::same_as<std::vector<helper_thread>>;
};

// ---- publication ---------------------------------------------------------
// Acquire pairs with the release in rcu_assign_pointer: a reader that sees the
// new pointer sees the object's initialization. (Acquire rather than consume:
// compilers promote consume to acquire anyway; on x86 both are a plain load.)
template <class T>
inline T* rcu_dereference(const std::atomic<T*>& p) noexcept {
  return p.load(std::memory_order_acquire);
}

template <class T>
inline void rcu_assign_pointer(std::atomic<T*>& p, T* v) noexcept {
  p.store(v, std::memory_order_release);
}

// ---- RAII ----------------------------------------------------------------
template <Backend B>
class read_guard {
 public:
  read_guard() noexcept { B::read_lock(); }
  ~read_guard() { B::read_unlock(); }
  read_guard(const read_guard&) = delete;
  read_guard& operator=(const read_guard&) = delete;
};

// Registers the current thread for its lifetime.
template <Backend B>
class thread_scope {
 public:
  thread_scope() { B::register_thread(); }
  ~thread_scope() { B::unregister_thread(); }
  thread_scope(const thread_scope&) = delete;
  thread_scope& operator=(const thread_scope&) = delete;
};

// Takes a QSBR thread offline for a scope (blocking call, long sleep); a
// no-op for backends without quiescent states.
template <Backend B>
class offline_scope {
 public:
  offline_scope() noexcept { B::thread_offline(); }
  ~offline_scope() { B::thread_online(); }
  offline_scope(const offline_scope&) = delete;
  offline_scope& operator=(const offline_scope&) = delete;
};

}  // namespace rculab
