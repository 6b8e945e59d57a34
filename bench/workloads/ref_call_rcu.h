// ref_call_rcu: QEMU's "RCU plus a real reference count" (the commit that
// added call_rcu to QEMU, docs/rcu.txt "RCU PATTERNS"). A reader that must
// keep the object past its read-side section takes a reference inside it:
//   rcu_read_lock(); p = rcu_dereference(foo); foo_ref(p); rcu_read_unlock();
//   ... use p ...; foo_unref(p);
// and the last foo_unref hands the object to call_rcu(foo_destroy): a reader
// that loaded the pointer before it was replaced may still be about to take
// its reference, so destroy waits a grace period after the count reaches 0.
// The updater holds its big lock (QEMU's BQL) across the whole update: it
// replaces the object, then drops the published reference after a grace
// period, either by waiting in synchronize() under that lock (variant:sync,
// what the commit says the BQL makes hard) or by call_rcu(foo_unref)
// (variant:call, the commit's answer). variant:rwlock is the non-RCU idiom
// the same document gives: readers take the reference under read_lock and
// drop it under read_lock again, the writer swaps and unrefs under
// write_lock, and the last unref destroys at once.
//
// Measured: read ns (one reader op = section + ref + use + unref), updates/s,
// destroy latency (last unref -> destroy; the core latency histogram), and
// how long the updater holds its lock (hold_* counters). The chart should
// show the lock hold of variant:sync at grace-period scale (tens of µs to
// ms) and variant:call at a few hundred ns, update throughput following it,
// and readers paying for the shared reference count on every backend, with
// the rwlock idiom losing once readers contend for its lock.
//
// Invariant, checked in the run: destroy exactly once, after the last
// reference and a grace period. A reference taken on a count that was
// already 0 (ref_from_zero), a poisoned object seen by a reader or by destroy
// (destroyed twice, or freed under a reader), a destroy that finds the count
// non-zero, or (after the final barrier) an object never destroyed are each
// a violation.
#pragma once

#include <pthread.h>

#include <mutex>
#include <thread>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "impls/core/barrier.h"

namespace rculab {

inline const workload_descriptor& describe_ref_call_rcu() {
  static const workload_descriptor d{
      .name = "ref_call_rcu",
      .summary = "QEMU's RCU + real refcount: ref in the section, last unref -> call_rcu(destroy); "
                 "updater under its big lock reclaims by synchronize or call_rcu, vs the rwlock idiom",
      .needs_updates = true,
      .params = {{"readers", {}, "reader threads (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {1}, "threads replacing the object under the big lock (--updaters)"},
                 {"variant", {}, "how the updater drops the replaced object's reference"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"sync", true, "RCU: synchronize under the big lock, then unref"},
                   {"call", true, "RCU: call_rcu(unref) under the big lock"},
                   {"rwlock", false, "rwlock idiom: ref and unref under read_lock"}},
      .counters = {{"destroyed", "objects", "objects destroyed inside the window"},
                   {"ref_from_zero", "refs", "references taken on a count already 0"},
                   {"bad_destroy", "objects",
                    "destroys of a poisoned object or of a non-zero count; the last object not at count 1"},
                   {"never_destroyed", "objects", "replaced objects not destroyed after the final barriers"},
                   {"hold_samples", "holds", "big-lock holds timed inside the window"},
                   {"hold_p50_ns", "ns", "big-lock hold p50"},
                   {"hold_p99_ns", "ns", "big-lock hold p99"},
                   {"hold_max_ns", "ns", "big-lock hold max"},
                   {"throttled", "waits", "updater yields while too many objects awaited destroy"}},
      .checks = {"ref_from_zero", "bad_destroy", "never_destroyed"},
      .metrics = {{"hold_p50_ns", "big-lock hold p50", "ns", false, "sampled", "hold_p50_ns", "hold_samples"}},
      .headline = "reads_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace ref_call_rcu_detail {

inline constexpr uint64_t kReadBatch = 256;
inline constexpr uint64_t kCallBatch = 8;
inline constexpr uint64_t kMaxPending = uint64_t{1} << 20;

enum class variant { sync, call, rwlock };  // the descriptor's variants, in order

struct shared {
  std::atomic<bench_object*> foo{nullptr};
  reclaim_ledger ledger;
  std::mutex big_lock;  // the updaters' BQL
  pthread_rwlock_t rwlock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
  std::mutex histo_mu;  // destroy may run on readers, updaters and workers
  latency_histogram destroy_latency;
  latency_histogram hold;
  std::atomic<bool> measuring{false};
  std::atomic<uint64_t> destroyed{0};
  std::atomic<uint64_t> destroyed_in_window{0};
  std::atomic<uint64_t> ref_from_zero{0};
  std::atomic<uint64_t> bad_destroy{0};  // poisoned, or count not 0
  std::atomic<uint64_t> reader_violations_seen{0};
  std::atomic<uint64_t> throttled{0};
};

template <Backend B>
using run_state = active_run<shared, B>;

// The reference count lives in bench_object::value (published objects start
// at 1: the reference the pointer holds), reached through atomic_ref so the
// shared object type stays as it is.
inline std::atomic_ref<uint64_t> refcount(bench_object* o) noexcept { return std::atomic_ref<uint64_t>(o->value); }

inline void destroy(shared& s, bench_object* o) {
  // Acquire pairs with the acq_rel decrement that reached 0 (and, through
  // it, with every earlier unref's release): all uses of o happen before.
  const uint64_t count = refcount(o).load(std::memory_order_acquire);
  if (count != 0 || !o->alive()) s.bad_destroy.fetch_add(1, std::memory_order_relaxed);
  if (s.measuring.load(std::memory_order_relaxed)) {
    const uint64_t waited = now_ns() - o->enqueued_ns;
    std::lock_guard lock(s.histo_mu);
    s.destroy_latency.record(waited);
    s.destroyed_in_window.fetch_add(1, std::memory_order_relaxed);
  }
  s.destroyed.fetch_add(1, std::memory_order_relaxed);
  s.ledger.poison_and_free(o);
}

template <Backend B>
void destroy_cb(rcu_head* h) {
  destroy(*run_state<B>::current, bench_object::from_head(h));
}

// foo_unref. RCU variants: the last reference queues destroy behind a grace
// period (the object's one rcu_head is free again: the unref callback that
// may have used it has already been invoked). rwlock: destroys at once.
template <Backend B>
void unref(shared& s, bench_object* o, variant v) {
  // acq_rel: release publishes this holder's uses of o to whoever drops the
  // last reference; acquire (on the last one) sees every other holder's.
  if (refcount(o).fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  o->enqueued_ns = now_ns();
  if (v == variant::rwlock)
    destroy(s, o);
  else
    B::call(&o->head, &destroy_cb<B>);
}

template <Backend B>
void unref_cb(rcu_head* h) {
  unref<B>(*run_state<B>::current, bench_object::from_head(h), variant::call);
}

// foo_ref: a count that was 0 means destroy is (or will be) queued for an
// object this reader still reached: the grace period did not protect it.
inline bool ref(bench_object* o) noexcept {
  // Relaxed: the reference is taken on an object the reader already holds
  // (read-side section or rwlock), nothing is published by the increment.
  return refcount(o).fetch_add(1, std::memory_order_relaxed) != 0;
}

template <Backend B>
void reader(thread_ctx& ctx, shared& s, variant v) {
  thread_scope<B> registered;
  ctx.start();
  uint64_t sum = 0;
  do {
    uint64_t bad = 0, from_zero = 0;
    for (uint64_t i = 0; i < kReadBatch; ++i) {
      bench_object* p;
      bool counted;
      if (v == variant::rwlock) {
        pthread_rwlock_rdlock(&s.rwlock);
        p = s.foo.load(std::memory_order_relaxed);  // the lock orders it
        counted = ref(p);
        pthread_rwlock_unlock(&s.rwlock);
      } else {
        B::read_lock();
        p = rcu_dereference(s.foo);
        counted = ref(p);
        bad += !p->alive();  // last in the section
        B::read_unlock();
      }
      // Use p outside any section: the reference alone must keep it alive.
      sum += reinterpret_cast<uintptr_t>(p);
      bad += !p->alive();
      if (!counted) {
        // Taken from 0: destroy is already queued or done. Dropping this
        // reference would reach 0 again and destroy the object twice, so
        // it is kept (leaked): the violation is counted, the run goes on.
        ++from_zero;
      } else if (v == variant::rwlock) {
        pthread_rwlock_rdlock(&s.rwlock);
        unref<B>(s, p, v);
        pthread_rwlock_unlock(&s.rwlock);
      } else {
        unref<B>(s, p, v);
      }
    }
    if (bad || from_zero) ctx.violation();
    if (from_zero) s.ref_from_zero.fetch_add(from_zero, std::memory_order_relaxed);
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kReadBatch));
  keep(sum);
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s, variant v, latency_histogram& hold) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // holds no reference between updates; blocks in synchronize
  const uint64_t batch = v == variant::sync ? 1 : kCallBatch;
  ctx.start();
  do {
    for (uint64_t i = 0; i < batch; ++i) {
      bench_object* fresh = s.ledger.make();  // count 1: the published reference
      std::lock_guard bql(s.big_lock);
      const uint64_t t0 = now_ns();
      if (v == variant::rwlock) {
        pthread_rwlock_wrlock(&s.rwlock);
        bench_object* old = s.foo.exchange(fresh, std::memory_order_relaxed);  // the lock orders it
        unref<B>(s, old, v);
        pthread_rwlock_unlock(&s.rwlock);
      } else {
        // Release (rcu_assign_pointer) pairs with the readers' rcu_dereference.
        bench_object* old = s.foo.exchange(fresh, std::memory_order_acq_rel);
        if (v == variant::sync) {
          B::synchronize();
          unref<B>(s, old, v);
        } else {
          B::call(&old->head, &unref_cb<B>);
        }
      }
      if (ctx.measuring()) hold.record(now_ns() - t0);
    }
    while (s.ledger.outstanding() > kMaxPending) {
      s.throttled.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::yield();
    }
  } while (ctx.next_batch(batch));
}

}  // namespace ref_call_rcu_detail

template <Backend B>
void register_ref_call_rcu(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace ref_call_rcu_detail;
  const workload_descriptor& d = describe_ref_call_rcu();
  const std::vector<uint64_t>& updater_defaults = d.param("updaters").levels;
  const std::vector<unsigned> writer_counts =
      o.smoke ? std::vector<unsigned>{1}
              : (o.updaters.empty() ? std::vector<unsigned>(updater_defaults.begin(), updater_defaults.end())
                                    : o.updaters);
  for (unsigned readers : o.smoke ? std::vector<unsigned>{2} : reader_sweep(o))
  for (unsigned updaters : writer_counts)
  for (size_t i = 0; i < d.variants.size(); ++i) {
    const variant v = variant(i);
    const std::string name = benchmark_name(std::string(d.name), B::kName,
        {{"readers", std::to_string(readers)}, {"updaters", std::to_string(updaters)},
         {"variant", std::string(d.variants[i].name)}, {"placement", policy_name(o.reader_policy)}});
    register_point(name, [o, &d, readers, updaters, v](benchmark::State& state) {
      shared s;
      s.foo.store(s.ledger.make());
      run_state<B>::current = &s;
      std::vector<latency_histogram> holds(updaters);
      const backend_stats before = B::stats();
      run_options ro = run_options_for(o);
      ro.on_window_open = [&] { s.measuring.store(true); };
      ro.on_window_close = [&] { s.measuring.store(false); };
      const run_report run = run_roles(*o.topo, ro,
          {{"reader", readers, o.reader_policy, [&](thread_ctx& c) { reader<B>(c, s, v); }},
           {"updater", updaters, o.updater_policy,
            [&](thread_ctx& c) { updater<B>(c, s, v, holds[c.index_in_role()]); }}},
          helper_handles<B>);
      const uint64_t unreclaimed = s.ledger.outstanding() - 1;  // less the published one
      {
        // Twice: the first runs the unref callbacks, which queue destroys.
        thread_scope<B> registered;
        B::barrier();
        B::barrier();
      }
      const backend_stats stats = stats_since(before, B::stats());
      // Every replaced object destroyed, none twice: only the published one is left.
      const uint64_t never_destroyed = s.ledger.outstanding() - 1;
      bench_object* last = s.foo.load();
      if (refcount(last).load() != 1) s.bad_destroy.fetch_add(1);
      s.ledger.poison_and_free(last);
      latency_histogram hold;
      for (const latency_histogram& h : holds) hold.merge(h);
      run_report with_latency = run;
      with_latency.latency.merge(s.destroy_latency);
      with_latency.violations += s.bad_destroy.load() + never_destroyed;
      report_run(state, with_latency, stats, unreclaimed);
      report_counters(state, d,
                      {{"destroyed", s.destroyed_in_window}, {"ref_from_zero", s.ref_from_zero},
                       {"bad_destroy", s.bad_destroy}, {"never_destroyed", never_destroyed},
                       {"hold_samples", hold.count()}, {"hold_p50_ns", hold.percentile(0.50)},
                       {"hold_p99_ns", hold.percentile(0.99)}, {"hold_max_ns", hold.max()},
                       {"throttled", s.throttled}});
    });
  }
}

}  // namespace rculab
