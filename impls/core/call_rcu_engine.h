// call_rcu / rcu_barrier for every backend of ours, over its synchronize().
//
// Enqueue is wait-free: an exchange on the queue's tail, then a store linking
// the previous tail to the new node (a multi-producer, single-consumer linked
// queue in enqueue order, the shape of liburcu's wfcqueue). One worker thread
// per backend takes the whole queue at once (one batch), waits for one grace
// period and invokes the batch in order, touching each node once. While that grace
// period runs, new callbacks pile up for the next batch, so under load each
// callback waits about one grace period plus the rest of the batch ahead of
// it; idle, the worker sleeps on a futex and the first enqueue wakes it (no
// timed sleep anywhere: liburcu's worker sleeps 10 ms per batch).
//
// rcu_barrier enqueues a marker callback and waits for it: batches run in
// order, so every callback queued before the marker has run when it runs.
//
// The worker is a registered reader of its backend (as liburcu's are), so a
// callback may enter a read-side section: it is online (QSBR) only while it
// invokes callbacks, and offline while it waits for a grace period or parks,
// so it never holds one up.
//
// The engine and its worker live until the process exits (never destroyed),
// so no callback can run into a destroyed backend during static destruction.
// Callbacks still pending at exit are not run (nor are liburcu's); the
// engine says how many on stderr, so that they are not lost silently.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

#include "impls/core/backend.h"
#include "impls/core/barrier.h"

namespace rculab {

// How a call_rcu worker takes part in its backend as a reader. All null: it
// does not (test-only: shows what registering buys).
struct call_rcu_reader_hooks {
  void (*register_thread)() = nullptr;
  void (*thread_online)() = nullptr;
  void (*thread_offline)() = nullptr;
};

class call_rcu_engine {
 public:
  using synchronize_fn = void (*)();

  using reader_hooks = call_rcu_reader_hooks;

  // `name` (<= 8 chars) names the worker thread "rcu-cb:<name>".
  call_rcu_engine(synchronize_fn synchronize, const char* name, reader_hooks hooks = {}) noexcept
      : synchronize_(synchronize), name_(name), hooks_(hooks) {}

  void call(rcu_head* head, void (*func)(rcu_head*));
  // Waits until every callback queued before it (by any thread) has run.
  void barrier();

  uint64_t queued() const noexcept { return queued_.load(std::memory_order_relaxed); }
  uint64_t invoked() const noexcept { return invoked_.load(std::memory_order_relaxed); }
  uint64_t pending_peak() const noexcept { return pending_peak_.load(std::memory_order_relaxed); }
  // Queued and not yet invoked (barrier markers excluded).
  uint64_t pending() const noexcept { return queued() - invoked(); }
  // One stderr line if callbacks are still pending (run at process exit).
  void report_pending_at_exit() const noexcept;
  // The worker, once the first callback started it.
  std::optional<helper_thread> worker() const;

  // Adds this engine's counters to a backend's stats.
  void add_to(backend_stats& s) const noexcept {
    s.callbacks_queued = queued();
    s.callbacks_invoked = invoked();
    s.callbacks_pending_peak = pending_peak();
  }

 private:
  struct barrier_marker;

  void push(rcu_head* head) noexcept;
  // Detaches every node pushed so far: [first, last], or nullptr if none.
  rcu_head* take_all(rcu_head*& last) noexcept;
  void start_worker_once();
  static void* worker_main(void* self);
  void worker_loop();
  void park_until_work() noexcept;
  void run_batch(rcu_head* first, rcu_head* last);
  static void barrier_reached(rcu_head* head);

  const synchronize_fn synchronize_;
  const char* const name_;
  const reader_hooks hooks_;

  // The queue: head_ is a stub node owned by the worker; producers exchange
  // tail_ and then link the node behind the previous tail. Written by every
  // caller: kept together on one line, apart from the worker's fields.
  alignas(kCacheLine) std::atomic<rcu_head*> tail_{&head_};
  std::atomic<uint64_t> queued_{0};
  alignas(kCacheLine) rcu_head head_;

  alignas(kCacheLine) std::atomic<uint64_t> invoked_{0};
  std::atomic<uint64_t> pending_peak_{0};
  std::atomic<int32_t> worker_parked_{0};
  std::atomic<int32_t> wake_seq_{0};     // futex the worker parks on
  std::atomic<int32_t> barrier_seq_{0};  // futex barrier() callers park on

  std::once_flag started_;
  pthread_t worker_{};
  std::atomic<pid_t> worker_tid_{0};
};

}  // namespace rculab
