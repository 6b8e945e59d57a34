// The concurrent scenarios the suite runs against a backend, written as
// functions that *observe* (return what happened) rather than assert, so the
// same scenario is run twice: against every real backend (the tests assert a
// correct outcome) and against deliberately broken backends in
// selftest_test.cpp (which assert that the scenario notices), so each check
// is shown to be able to fail.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "bench/registry/registry.h"
#include "tests/cpp/test_support.h"

namespace rculab::test {

// Where a registered reader thread sits while another thread calls synchronize().
enum class reader_pose {
  inside,          // read_lock(), held there
  nested_inner,    // read_lock(); read_lock(); read_unlock(): still in the outer section
  outside,         // read_lock(); read_unlock(): registered, no section (not for QSBR)
  offline,         // outside and thread_offline() (QSBR's extended quiescent state)
  reporting,       // short sections, quiescent_state() after each, until released
};
const char* pose_name(reader_pose p);
inline bool pose_is_inside(reader_pose p) {
  return p == reader_pose::inside || p == reader_pose::nested_inner;
}

struct sync_observation {
  bool reader_ready = false;         // the reader reached its pose in time
  bool sync_entered = false;         // stats().synchronize_calls moved: the call began
  bool returned_while_held = false;  // synchronize() returned while the reader held its pose
  bool returned_after_release = false;
};

// A reader takes `pose`; another (unregistered) thread calls synchronize().
// Inside poses: the reader is held for kHold, then leaves. Outside poses: it
// is held until synchronize returns or `outside_bound` passes. Afterwards the
// reader goes offline (QSBR) so the grace period can end either way.
sync_observation synchronize_against_reader(const backend_entry& b, reader_pose pose,
                                            std::chrono::milliseconds outside_bound = kDeadlockBound);

struct callback_observation {
  unsigned queued = 0;
  unsigned invoked_when_barrier_returned = 0;
  bool in_enqueue_order = false;
  std::string disorder;  // first out-of-order pair, for the message
  std::string setup_failure;
};

// One registered thread queues n callbacks (in bursts, so they span several
// batches), then calls barrier() (offline meanwhile, for QSBR). Where the
// backend queues per CPU (!traits.callbacks_fifo_per_thread) the thread stays
// on one CPU, the only case in which such a backend promises the order.
callback_observation call_rcu_in_order(const backend_entry& b, unsigned n);

struct exiting_threads_observation {
  unsigned threads = 0;
  unsigned per_thread = 0;
  bool check_order = true;
  unsigned wrong_count_threads = 0;  // threads whose callbacks did not run exactly once each
  std::string first_wrong;           // for the message
  std::string disorder;              // first thread whose callbacks ran out of order
};

// `waves` waves of `per_wave` registered threads each queue per_thread
// callbacks as fast as they can, unregister and exit at once; then another
// thread calls barrier(). Every callback must have run exactly once, and
// (where the backend promises it) in its thread's enqueue order.
exiting_threads_observation call_rcu_from_exiting_threads(const backend_entry& b, unsigned waves,
                                                          unsigned per_wave, unsigned per_thread);

struct barrier_observation {
  unsigned threads = 0;
  unsigned per_thread = 0;
  // Smallest count of its own callbacks any thread saw invoked when its barrier returned.
  unsigned min_invoked_when_barrier_returned = 0;
};

// `threads` registered threads each queue per_thread callbacks and call barrier().
barrier_observation barrier_from_threads(const backend_entry& b, unsigned threads,
                                         unsigned per_thread);

struct late_caller_observation {
  bool setup_ok = false;             // both readers and the first caller got in place
  std::string setup_failure;
  bool late_returned_early = false;  // returned while the late reader was still inside
  bool late_returned = false;        // returned after the late reader left
};

// Reader R1 is inside a section; caller A's grace period waits for it. Then
// reader R2 enters (after that grace period has passed it: phase flipped,
// QSBR count acknowledged), and caller B calls synchronize(). R1 leaves, A
// returns; B must still wait for R2: a grace period that was already running
// when B called cannot serve B.
late_caller_observation synchronize_called_during_grace_period(const backend_entry& b);

struct held_barrier_observation {
  bool reader_ready = false;
  unsigned queued = 0;
  bool all_queued = false;            // the caller reached barrier() during the hold
  unsigned invoked_while_held = 0;    // callbacks run while the reader was still inside
  bool barrier_returned_while_held = false;
  bool barrier_returned = false;      // after the reader left
  unsigned invoked_when_barrier_returned = 0;
};

// A reader sits inside a section; a registered thread queues n callbacks and
// calls barrier(). Neither the callbacks nor barrier() may finish before the
// reader leaves (deterministic, unlike racing barrier() against the worker).
held_barrier_observation barrier_behind_reader(const backend_entry& b, unsigned n);

struct callback_reader_observation {
  bool callback_inside = false;         // the callback entered its section in time
  bool returned_while_held = false;     // synchronize() returned while it was inside
  bool returned_after_release = false;
};

// A call_rcu callback enters a read-side section and stays there; another
// thread calls synchronize(), which must wait for it (the call_rcu worker is
// a registered reader, online while it runs callbacks).
callback_reader_observation synchronize_against_callback_reader(const backend_entry& b);

struct progress_observation {
  unsigned readers = 0;
  uint64_t wanted = 0;
  uint64_t completed = 0;   // synchronize calls that returned within the bound
  uint64_t read_sections = 0;
};

// `readers` registered threads run back-to-back read-side sections (the
// tightest loop a reader can run: a lock-based backend's reader re-takes its
// lock at once); one thread calls synchronize() `wanted` times, or until
// `bound` passes.
progress_observation updater_progress(const backend_entry& b, unsigned readers, uint64_t wanted,
                                      std::chrono::milliseconds bound);

struct batching_observation {
  unsigned updaters = 0;
  bool reader_ready = false;
  bool all_entered = false;           // every updater's call was counted before release
  unsigned returned_while_held = 0;   // updaters whose synchronize returned during the hold
  uint64_t synchronize_calls = 0;     // delta over the scenario
  std::optional<uint64_t> grace_periods;
};

// A reader sits inside a section; `updaters` threads call synchronize() once
// each, all queued behind it; then the reader leaves.
batching_observation synchronize_behind_reader(const backend_entry& b, unsigned updaters);

struct hammer_observation {
  uint64_t calls_made = 0;         // by the updaters
  uint64_t synchronize_calls = 0;  // counted by stats()
  std::optional<uint64_t> grace_periods;
  uint64_t reads = 0;
};

// `updaters` threads call synchronize() `calls_each` times (or until
// time_cap passes) while two readers run sections that sleep ~200 us inside,
// so grace periods last long enough for callers to overlap.
hammer_observation synchronize_hammer(const backend_entry& b, unsigned updaters,
                                      unsigned calls_each, std::chrono::milliseconds time_cap);

struct churn_observation {
  uint64_t register_cycles = 0;
  uint64_t read_sections = 0;
  uint64_t synchronize_calls = 0;  // by the updaters during the churn
  uint64_t callbacks = 0;          // call_rcu callbacks invoked during the churn
};

// waves x threads threads each run `cycles` register / read sections /
// unregister cycles while updaters loop synchronize and call+barrier. With
// exit_registered, every thread's last cycle leaves without unregister_thread
// (the thread-exit safety net must unlink it).
churn_observation register_churn(const backend_entry& b, unsigned waves, unsigned threads,
                                 unsigned cycles, bool exit_registered);

// ---- verdicts ---------------------------------------------------------------
// Each returns "" when the observation is what a correct backend produces,
// otherwise why not. The tests assert an empty verdict for the real backends;
// selftest_test.cpp asserts a non-empty one for the broken backends.

// pose_is_inside(pose): synchronize waited for the reader, then returned.
// Otherwise: synchronize returned while the reader stayed where it was.
std::string verdict(const sync_observation& o, reader_pose pose);
std::string verdict(const callback_observation& o);
std::string verdict(const barrier_observation& o);
std::string verdict(const exiting_threads_observation& o);
std::string verdict(const held_barrier_observation& o);
std::string verdict(const late_caller_observation& o);
std::string verdict(const callback_reader_observation& o);
// All updaters waited behind the reader and, if the backend counts grace
// periods and `expect_sharing`, were served by at most 3 of them.
std::string verdict(const batching_observation& o, bool expect_sharing);
inline constexpr uint64_t kMaxGracePeriodsForHeldBatch = 3;

}  // namespace rculab::test
