// retrigger_gp: perfbook "Retriggered Grace Periods" (together/applyrcu.tex,
// CodeSamples/together/retrigger-gp.c, retriggergp.dot). There is no
// call_rcu_cancel(): once close() has queued the one rcu_head, an open() and
// further close()s before its callback runs must be remembered in the state,
// and the callback decides: CLOSING -> cleanup, CLOSED; REOPENING -> OPEN
// (the cleanup is cancelled); RECLOSING -> CLOSING and queue the head again
// (a fresh grace period after the latest close).
//
// The listing, fixed: close_cb's `if (rtrg_status = RTRG_CLOSING)` is an
// assignment (every callback would clean up); open() and close() fall off
// their end on success (here they say ok / busy / noent); and close() queues
// the head before do_close(), so a grace period may start before readers are
// cut off and a reader that starts in between is not waited for: here
// do_close() comes first and the head is queued after the lock is dropped
// (the state, CLOSING, already reserves the head for us; a callback run at
// once, as on the test-only broken backend, must not find the lock held).
//
// The resource: do_open() allocates it (from CLOSED) and publishes it,
// do_close() unpublishes it, close_cleanup() frees it. Readers ("reader"
// role) read the published pointer in a read-side section and use the object
// while open. Updaters storm open()/close() chosen at random, `gap_us`
// apart (0: back to back).
//   variant:retrigger  the state machine above, one rcu_head, call_rcu;
//   variant:sync       close() waits in synchronize() under the lock, then
//                      cleans up: opens and closes queue behind each grace
//                      period (the obvious way, no cancelling);
//   variant:rwlock     no RCU: readers use the object under a read lock,
//                      close() unpublishes and frees it under the write lock.
// Measured: opens + closes attempted (updater_ops) and their outcomes
// (`opens_ok`, `closes_ok`, `busy`, `noent`), grace periods waited for per
// successful close (`close_gps` / `closes_ok`: callbacks for retrigger,
// synchronize calls for sync), the callback's branches (`reopens`,
// `requeues`, `cleanups`), last close -> cleanup latency (the core latency
// histogram), reads (reader_ops; `usable_reads` found it open). The chart
// should show retrigger's operations/s far above sync's (whose closes each
// wait a grace period holding the lock) with well under one grace period per
// close in a storm, and the rwlock's reads collapsing.
//
// Invariants, checked in the run: the rcu_head is never queued while queued
// (a flag set on queueing, cleared by the callback: `double_queue`; the
// second queueing is refused, it would corrupt the backend's list); the
// callback never finds CLOSED or OPEN (`bad_callback`); cleanup frees an
// unpublished, live object (`bad_cleanup`); no reader uses a freed object
// (`freed_reads`). After barriers the state has settled (`unsettled`) and
// equals a sequential model's: opens and closes alternate, so the successful
// opens less the successful closes, summed over the updaters, is 1 if the
// final state is OPEN (its object published and live) and 0 if CLOSED
// (nothing published) (`model_mismatch`); and every object opened was
// cleaned up exactly once, except an open one (`lost_cleanups`). All count
// in `violations`.
#pragma once

#include <pthread.h>

#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"

namespace rculab {

inline const workload_descriptor& describe_retrigger_gp() {
  static const workload_descriptor d{
      .name = "retrigger_gp",
      .summary = "open/close storms on one rcu_head: the CLOSED/OPEN/CLOSING/REOPENING/RECLOSING machine "
                 "vs close waiting in synchronize vs an rwlock",
      .needs_updates = true,
      .params = {{"readers", {}, "threads using the object while open (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {2}, "threads storming open()/close() at random (--updaters)"},
                 {"variant", {}, "how close() waits for readers before the cleanup"},
                 {"gap_us", {0, 100}, "us between an updater's calls (0: back to back)"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"retrigger", true, "retrigger state machine (call_rcu)"},
                   {"sync", true, "close() waits in synchronize()"},
                   {"rwlock", false, "rwlock (no RCU)"}},
      .counters = {{"opens_ok", "calls", "open() calls that opened"},
                   {"closes_ok", "calls", "close() calls that closed"},
                   {"busy", "calls", "open() calls on an object already open (busy)"},
                   {"noent", "calls", "close() calls on an object not open (noent)"},
                   {"callbacks", "callbacks", "close callbacks run"},
                   {"close_gps", "GPs", "grace periods closes waited for (callbacks, or synchronize calls)"},
                   {"reopens", "callbacks", "callbacks that found REOPENING (cleanup cancelled)"},
                   {"requeues", "callbacks", "callbacks that found RECLOSING (head queued again)"},
                   {"cleanups", "cleanups", "close_cleanup() runs"},
                   {"usable_reads", "reads", "reads that found the object open"},
                   {"closed_reads", "reads", "reads that found it closed"},
                   {"freed_reads", "reads", "reads of a freed object"},
                   {"double_queue", "queueings", "queueings of the head while queued (refused)"},
                   {"bad_callback", "callbacks", "callbacks that found CLOSED or OPEN"},
                   {"bad_cleanup", "cleanups", "cleanups of a published, freed or missing object"},
                   {"unsettled", "0/1", "the machine had not settled after the barriers"},
                   {"model_mismatch", "0/1", "the final state differs from the sequential model's"},
                   {"lost_cleanups", "objects", "objects not cleaned up exactly once (the open one aside)"},
                   {"gap_us", "us", "the gap_us parameter"}},
      .checks = {"freed_reads", "double_queue", "bad_callback", "bad_cleanup", "unsettled", "model_mismatch",
                 "lost_cleanups"},
      .metrics = {{"gps_per_close", "grace periods per close", "GPs/close", false, "share", "close_gps",
                   "closes_ok"}},
      .headline = "updates_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace retrigger_gp_detail {

inline constexpr uint64_t kReadBatch = 256;
inline constexpr int kMaxSettleBarriers = 8;

enum class status { closed, open, closing, reopening, reclosing };  // RTRG_*
enum class variant { retrigger, sync, rwlock };
enum class result { ok, busy, noent };

// Test-only: a backend may ask for a broken state machine, so the
// self-tests can show the checks fire. requeue_while_queued: close() in
// REOPENING queues the head again (CLOSING) instead of RECLOSING;
// assign_in_condition: the listing's `if (rtrg_status = RTRG_CLOSING)`.
enum class machine_bug { none, requeue_while_queued, assign_in_condition };

template <Backend B>
constexpr machine_bug injected_bug() {
  if constexpr (requires { B::kRetriggerBug; }) return B::kRetriggerBug;
  return machine_bug::none;
}

// Test-only: a backend may ask readers to use the object longer (busy work
// between loading it and checking it), widening the window a grace period
// protects so that a broken one is seen in one short run.
template <Backend B>
constexpr uint64_t use_spins() {
  if constexpr (requires { B::kRetriggerUseSpins; }) return B::kRetriggerUseSpins;
  return 0;
}

struct shared {
  explicit shared(variant kind) : v(kind) { rtrg_rh.owner = this; }
  const variant v;
  std::mutex lock;  // rtrg_lock: status, resource, last_close_ns, the histogram
  status state = status::closed;
  bench_object* resource = nullptr;  // allocated from CLOSED to the cleanup
  uint64_t last_close_ns = 0;
  latency_histogram cleanup_latency;
  // What readers load, alone on its line (the updaters' stores to the
  // fields around would otherwise cost every read a miss).
  alignas(kCacheLine) std::atomic<bench_object*> published{nullptr};
  alignas(kCacheLine) pthread_rwlock_t rwlock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;  // variant:rwlock
  // The only rcu_head; its owner pointer leads a callback to this run's state
  // (a callback of an earlier run must never reach a later run's).
  alignas(kCacheLine) owned_head<shared> rtrg_rh;
  std::atomic<bool> head_queued{false};   // the double-queue detector
  reclaim_ledger ledger;
  std::atomic<bool> measuring{false};
  alignas(kCacheLine) std::atomic<uint64_t> opens_ok{0}, closes_ok{0}, busy{0}, noent{0};
  std::atomic<uint64_t> callbacks{0}, reopens{0}, requeues{0}, cleanups{0}, sync_gps{0};
  std::atomic<uint64_t> usable_reads{0}, closed_reads{0}, freed_reads{0};
  std::atomic<uint64_t> double_queue{0}, bad_callback{0}, bad_cleanup{0};
};

// do_open (lock held): a fresh object from CLOSED; from CLOSING or RECLOSING
// the one whose cleanup is now cancelled. Published for readers.
inline void do_open(shared& s) {
  if (!s.resource) s.resource = s.ledger.make();
  rcu_assign_pointer(s.published, s.resource);  // release: pairs with the readers' rcu_dereference
}

// do_close (lock held): later readers find it closed.
inline void do_close(shared& s) {
  // Relaxed: nothing is published with a null pointer; what orders readers
  // that still hold the object before its cleanup is the grace period
  // queued (or waited for) after this store.
  s.published.store(nullptr, std::memory_order_relaxed);
  s.last_close_ns = now_ns();
}

// close_cleanup (lock held), on the way to CLOSED.
inline void close_cleanup(shared& s) {
  bench_object* r = s.resource;
  if (!r || !r->alive() || s.published.load(std::memory_order_relaxed) != nullptr)
    s.bad_cleanup.fetch_add(1, std::memory_order_relaxed);
  if (r) {
    s.ledger.poison_and_free(r);
    s.resource = nullptr;
    s.cleanups.fetch_add(1, std::memory_order_relaxed);
  }
  if (s.measuring.load(std::memory_order_relaxed)) s.cleanup_latency.record(now_ns() - s.last_close_ns);
}

template <Backend B>
void close_cb(rcu_head*);

template <Backend B>
void queue_head(shared& s) {
  // acq_rel: pairs with close_cb's release store of false (the callback
  // that handed the head back is done with it before we queue it again).
  if (s.head_queued.exchange(true, std::memory_order_acq_rel)) {
    s.double_queue.fetch_add(1, std::memory_order_relaxed);  // refused: it would corrupt the queue
    return;
  }
  B::call(&s.rtrg_rh.head, &close_cb<B>);
}

// close_cb: the three CB transitions.
template <Backend B>
void close_cb(rcu_head* h) {
  shared& s = owned_head<shared>::owner_of(h);
  // Release: pairs with queue_head's exchange. The backend is done with
  // the head; from here the state decides who queues it next.
  s.head_queued.store(false, std::memory_order_release);
  s.callbacks.fetch_add(1, std::memory_order_relaxed);
  bool requeue = false;
  {
    std::lock_guard held(s.lock);
    status now = s.state;
    if constexpr (injected_bug<B>() == machine_bug::assign_in_condition) now = s.state = status::closing;
    switch (now) {
      case status::closing:
        close_cleanup(s);
        s.state = status::closed;
        break;
      case status::reopening:
        s.state = status::open;  // the cleanup is cancelled; the object stays
        s.reopens.fetch_add(1, std::memory_order_relaxed);
        break;
      case status::reclosing:
        s.state = status::closing;  // closed again since: a fresh grace period
        requeue = true;
        s.requeues.fetch_add(1, std::memory_order_relaxed);
        break;
      default:  // CLOSED or OPEN: no callback should be pending (WARN_ON_ONCE)
        s.bad_callback.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (requeue) queue_head<B>(s);
}

template <Backend B>
result open(shared& s) {
  std::lock_guard held(s.lock);
  if (s.v == variant::retrigger) {
    switch (s.state) {
      case status::closed: s.state = status::open; break;
      case status::closing:
      case status::reclosing: s.state = status::reopening; break;
      default: return result::busy;  // OPEN, REOPENING
    }
    do_open(s);
    return result::ok;
  }
  if (s.state == status::open) return result::busy;
  if (s.v == variant::rwlock) pthread_rwlock_wrlock(&s.rwlock);
  do_open(s);
  if (s.v == variant::rwlock) pthread_rwlock_unlock(&s.rwlock);
  s.state = status::open;
  return result::ok;
}

template <Backend B>
result close(shared& s) {
  if (s.v == variant::retrigger) {
    bool queue = false;
    {
      std::lock_guard held(s.lock);
      switch (s.state) {
        case status::open:
          s.state = status::closing;
          queue = true;
          break;
        case status::reopening:
          if constexpr (injected_bug<B>() == machine_bug::requeue_while_queued) {
            s.state = status::closing;  // the bug: the head is still queued
            queue = true;
          } else {
            s.state = status::reclosing;
          }
          break;
        default: return result::noent;  // CLOSED, CLOSING, RECLOSING
      }
      do_close(s);
    }
    if (queue) queue_head<B>(s);  // after do_close: the grace period covers every reader that saw it open
    return result::ok;
  }
  std::lock_guard held(s.lock);
  if (s.state != status::open) return result::noent;
  if (s.v == variant::rwlock) {
    pthread_rwlock_wrlock(&s.rwlock);  // no reader holds it past this
    do_close(s);
    close_cleanup(s);
    pthread_rwlock_unlock(&s.rwlock);
  } else {
    do_close(s);
    B::synchronize();  // under the lock: every open and close waits too
    s.sync_gps.fetch_add(1, std::memory_order_relaxed);
    close_cleanup(s);
  }
  s.state = status::closed;
  return result::ok;
}

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  ctx.start();
  uint64_t usable = 0, closed = 0, freed = 0, sum = 0;
  do {
    const uint64_t freed_before = freed;
    for (uint64_t i = 0; i < kReadBatch; ++i) {
      bench_object* p;
      if (s.v == variant::rwlock) {
        pthread_rwlock_rdlock(&s.rwlock);
        p = s.published.load(std::memory_order_relaxed);  // the lock orders it
      } else {
        B::read_lock();
        p = rcu_dereference(s.published);
      }
      if (p) {
        sum += p->value;  // use it
        if constexpr (use_spins<B>() > 0) sum += spin_iterations(use_spins<B>());
        freed += !p->alive();  // after the use: the window spans it
        ++usable;
      } else {
        ++closed;
      }
      if (s.v == variant::rwlock)
        pthread_rwlock_unlock(&s.rwlock);
      else
        B::read_unlock();
    }
    if (freed != freed_before) ctx.violation();
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kReadBatch));
  keep(sum);
  s.usable_reads.fetch_add(usable, std::memory_order_relaxed);
  s.closed_reads.fetch_add(closed, std::memory_order_relaxed);
  s.freed_reads.fetch_add(freed, std::memory_order_relaxed);
}

inline uint64_t next_random(uint64_t& x) noexcept {  // xorshift64
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s, uint64_t gap_us) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // reads nothing under RCU; sync's close waits for grace periods
  uint64_t rng = 0x9e3779b97f4a7c15ULL * (ctx.index_in_role() + 1);
  uint64_t opened = 0, closed = 0, busy = 0, noent = 0;
  ctx.start();
  // One operation per batch: an operation can wait for a grace period
  // (sync) or for readers preempted holding the read lock (rwlock).
  do {
    const bool opening = next_random(rng) & 1;
    const result r = opening ? open<B>(s) : close<B>(s);
    opened += opening && r == result::ok;
    closed += !opening && r == result::ok;
    busy += r == result::busy;
    noent += r == result::noent;
    if (gap_us) std::this_thread::sleep_for(std::chrono::microseconds(gap_us));
  } while (ctx.next_batch(1));
  s.opens_ok.fetch_add(opened, std::memory_order_relaxed);
  s.closes_ok.fetch_add(closed, std::memory_order_relaxed);
  s.busy.fetch_add(busy, std::memory_order_relaxed);
  s.noent.fetch_add(noent, std::memory_order_relaxed);
}

// The end-of-run checks, every updater and reader gone.
struct final_check {
  bool settled = false;
  uint64_t model_mismatch = 0;
  uint64_t lost_cleanups = 0;
};

// Retired but not yet freed, as the window closes. A close callback may still
// be running on a call_rcu worker and clearing `resource`: read under its lock.
inline uint64_t unreclaimed_at_window_end(shared& s) {
  std::lock_guard held(s.lock);
  return s.ledger.outstanding() - (s.resource ? 1 : 0);
}

template <Backend B>
final_check settle_and_check(shared& s) {
  final_check c;
  {
    // At least one barrier: a callback may be running (it clears the flag
    // first). One more per requeue by a callback in RECLOSING (two at most
    // once the updaters are gone).
    thread_scope<B> registered;
    int barriers = 0;
    do B::barrier();
    while (++barriers < kMaxSettleBarriers && s.head_queued.load());
  }
  std::lock_guard held(s.lock);
  c.settled = !s.head_queued.load() && (s.state == status::closed || s.state == status::open);
  const int64_t open_minus_closed = int64_t(s.opens_ok.load()) - int64_t(s.closes_ok.load());
  bench_object* published = s.published.load();
  const bool model_open = open_minus_closed == 1 && s.state == status::open && s.resource &&
                          s.resource->alive() && published == s.resource;
  const bool model_closed = open_minus_closed == 0 && s.state == status::closed && !s.resource && !published;
  c.model_mismatch = !(model_open || model_closed);
  const uint64_t live_now = s.ledger.outstanding();
  const uint64_t should_be = s.state == status::open ? 1 : 0;
  c.lost_cleanups = live_now > should_be ? live_now - should_be : should_be - live_now;
  return c;
}

}  // namespace retrigger_gp_detail

template <Backend B>
void register_retrigger_gp(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace retrigger_gp_detail;
  const workload_descriptor& d = describe_retrigger_gp();
  for (const rescue_point& p : rescue_points(o, d, B::kName)) {
    register_point(p.name, [o, &d, readers = p.readers, updaters = p.updaters, v = variant(p.variant),
                            gap_us = p.size](benchmark::State& state) {
      auto owned = std::make_unique<shared>(v);
      shared& s = *owned;
      const backend_stats before = B::stats();
      run_options ro = run_options_for(o);
      ro.on_window_open = [&] { s.measuring.store(true); };
      ro.on_window_close = [&] { s.measuring.store(false); };
      run_report run = run_roles(*o.topo, ro,
          {{"reader", readers, o.reader_policy, [&](thread_ctx& c) { reader<B>(c, s); }},
           {"updater", updaters, o.updater_policy, [&](thread_ctx& c) { updater<B>(c, s, gap_us); }}},
          helper_handles<B>);
      const uint64_t unreclaimed = unreclaimed_at_window_end(s);
      const final_check c = settle_and_check<B>(s);
      const backend_stats stats = stats_since(before, B::stats());
      {
        std::lock_guard held(s.lock);  // an unsettled run may still have a callback recording
        run.latency.merge(s.cleanup_latency);
      }
      run.violations += s.double_queue.load() + s.bad_callback.load() + s.bad_cleanup.load() + !c.settled +
                        c.model_mismatch + c.lost_cleanups;  // freed_reads: counted by the readers' batches
      report_run(state, run, stats, unreclaimed);
      report_counters(state, d,
                      {{"opens_ok", s.opens_ok}, {"closes_ok", s.closes_ok}, {"busy", s.busy}, {"noent", s.noent},
                       {"callbacks", s.callbacks},
                       {"close_gps", v == variant::sync ? s.sync_gps.load() : s.callbacks.load()},
                       {"reopens", s.reopens}, {"requeues", s.requeues}, {"cleanups", s.cleanups},
                       {"usable_reads", s.usable_reads}, {"closed_reads", s.closed_reads},
                       {"freed_reads", s.freed_reads}, {"double_queue", s.double_queue},
                       {"bad_callback", s.bad_callback}, {"bad_cleanup", s.bad_cleanup},
                       {"unsettled", !c.settled}, {"model_mismatch", c.model_mismatch},
                       {"lost_cleanups", c.lost_cleanups}, {"gap_us", gap_us}});
      if (!c.settled) {
        (void)owned.release();  // a callback may still come for it: leaked, not freed under it
        return;
      }
      if (s.resource) s.ledger.poison_and_free(s.resource);
    });
  }
}

}  // namespace rculab
