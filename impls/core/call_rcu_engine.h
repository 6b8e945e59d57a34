// call_rcu / rcu_barrier for every backend of ours, over its synchronize().
//
// Callbacks go to one of several queues, each with its own worker thread
// (a shard). A thread is given a shard at its first call() (threads take
// turns: the n-th calling thread gets shard n mod shards) and keeps it, so
// the callbacks of one thread stay in one queue and run in the order it
// queued them, while different updaters mostly feed different workers: no
// cache line is shared between updaters of different shards, and each
// worker invokes (and frees) only its own updaters' callbacks. The number
// of shards is RCULAB_CALL_RCU_WORKERS, or by default one per CPU the
// process may run on, up to kDefaultMaxShards; a shard's worker starts with
// its first callback, so a single updater costs a single worker.
//
// Enqueue is wait-free: an exchange on the shard's tail, then a store
// linking the previous tail to the new node (a multi-producer, single-
// consumer linked queue in enqueue order, the shape of liburcu's wfcqueue).
// A worker takes its whole queue at once (one batch), waits for one grace
// period and invokes the batch in order, touching each node once. The
// workers' grace periods go through the backend's synchronize(), which
// shares one grace period among concurrent callers (gp_batcher): several
// busy workers cost about one grace period at a time, not one each. While
// a grace period runs, new callbacks pile up for the next batch; idle, a
// worker sleeps on a futex and the first enqueue wakes it (no timed sleep
// anywhere: liburcu's worker sleeps 10 ms per batch).
//
// rcu_barrier puts a marker callback on every started shard and waits for
// all of them: batches run in order, so every callback queued (on any
// thread) before the barrier has run when its shard's marker runs.
//
// The backlog is not capped here: a caller that must bound it throttles
// itself (the call_rcu workload does); blocking in call() could deadlock a
// caller inside a read-side section (or an online QSBR thread), which the
// grace period the worker waits for is waiting for.
//
// Workers are registered readers of their backend (as liburcu's are), so a
// callback may enter a read-side section: a worker is online (QSBR) only
// while it invokes callbacks, and offline while it waits for a grace period
// or parks, so it never holds one up.
//
// The engine and its workers live until the process exits (never destroyed),
// so no callback can run into a destroyed backend during static destruction.
// Callbacks still pending at exit are not run (nor are liburcu's); the
// engine says how many on stderr, so that they are not lost silently.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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

// Shards when RCULAB_CALL_RCU_WORKERS is unset: one per allowed CPU, at most this.
inline constexpr unsigned kDefaultMaxShards = 64;
// Largest RCULAB_CALL_RCU_WORKERS accepted.
inline constexpr unsigned kMaxShards = 1024;

// The number of shards a new engine gets: RCULAB_CALL_RCU_WORKERS if set
// (1..kMaxShards; anything else is one error line on stderr and exit 2),
// else one per CPU in the process's affinity mask, at most kDefaultMaxShards.
unsigned configured_call_rcu_shards();
// What is wrong with RCULAB_CALL_RCU_WORKERS ("" if unset or valid): programs
// check it first, so that a bad value is refused before anything runs.
std::string call_rcu_workers_env_error();

class call_rcu_engine {
 public:
  using synchronize_fn = void (*)();
  using reader_hooks = call_rcu_reader_hooks;

  // `name` (<= 8 chars) names the workers "rcu-cb:<name>" (and the shard).
  call_rcu_engine(synchronize_fn synchronize, const char* name, reader_hooks hooks = {},
                  unsigned shards = configured_call_rcu_shards());

  void call(rcu_head* head, void (*func)(rcu_head*));
  // Waits until every callback queued before it (by any thread) has run.
  // From inside one of this engine's callbacks it would wait for itself:
  // that misuse aborts with one line. Exception-safe: it throws (bad_alloc)
  // only before it has queued anything.
  void barrier();

  unsigned shards() const noexcept { return shard_count_; }
  uint64_t queued() const noexcept;
  uint64_t invoked() const noexcept;
  // Largest backlog (queued, not yet invoked, all shards) a worker saw.
  uint64_t pending_peak() const noexcept { return pending_peak_.load(std::memory_order_relaxed); }
  // Queued and not yet invoked (barrier markers excluded); never wraps.
  uint64_t pending() const noexcept;
  // Per started shard, in shard order: its backlog now.
  std::vector<uint64_t> shard_backlogs() const;
  // One stderr line if callbacks are still pending (run at process exit).
  void report_pending_at_exit() const noexcept;
  // The workers started so far (one per shard that has had a callback).
  std::vector<helper_thread> workers() const;
  // "N call_rcu workers": for the backend's mode string.
  std::string describe() const;

  // In the child of fork() (registered by the owner, see fork_repair.h):
  // the workers are gone; each shard forgets its own, and the next call()
  // or barrier() that reaches the shard starts a fresh one. What the parent
  // had queued stays queued and runs in the child once its shard is used
  // (or at a barrier()), up to the first link a parent thread had not
  // written yet when fork() ran: nodes past it cannot be reached (they stay
  // pending), as do the callbacks of a batch a parent worker had taken. The
  // parent's barrier markers are dropped (their waiters are not here).
  static void restart_after_fork(void* self) noexcept;

  // Adds this engine's counters to a backend's stats.
  void add_to(backend_stats& s) const noexcept {
    s.callbacks_invoked = invoked();  // first: queued >= invoked (see pending())
    s.callbacks_queued = queued();
    s.callbacks_pending_peak = pending_peak();
  }

 private:
  struct shard;
  struct barrier_marker;

  shard& my_shard();
  shard& started_shard(unsigned index);
  static void barrier_reached(rcu_head* head);
  void note_backlog() noexcept;
  void register_for_exit_report();

  const synchronize_fn synchronize_;
  const char* const name_;
  const reader_hooks hooks_;
  const unsigned shard_count_;
  // Shards are created with their worker, on first use; the array of
  // pointers is fixed, entries go from null to a shard once (acquire/release).
  std::unique_ptr<std::atomic<shard*>[]> shards_;
  std::mutex start_mu_;  // serializes starting shards

  alignas(kCacheLine) std::atomic<uint64_t> pending_peak_{0};
  std::atomic<int32_t> barrier_seq_{0};  // futex barrier() callers park on
  std::once_flag exit_report_;
};

}  // namespace rculab
