// long_reader: long-duration accesses (perfbook "RCU Rescues", "Long-Duration
// Accesses Two": use SRCU, acquire a reference, or split the traversal into
// per-chunk critical sections; Linux's cond_resched_rcu() pattern).
// One long reader traverses a large structure (`elements` slots, ~100 ns of
// work per element) again and again while, unrelated to it, short readers
// read one object and updaters replace it and time their synchronize() on the
// process-wide backend B. A replacer thread keeps replacing random elements
// of the large structure (one per 10 us at most, sleeping between) and
// retires them with call_rcu in the domain that protects the long reader.
// Four ways to protect the long reader (`mode`):
//   global  one B read-side section around the whole traversal: every
//           grace period of B (the unrelated updaters') waits for it;
//   srcu    the traversal is one section of its own srcu_domain
//           (impls/srcu): B's grace periods ignore it; only the structure's
//           retired elements wait for it, in that domain;
//   ref     per chunk of 64 elements: one short B section takes a
//           reference on each (increment unless zero), then the work runs
//           outside any section and the references are dropped; the last
//           reference drop hands the element to B::call;
//   chunk   one B section per 64 elements (QSBR: a quiescent state between
//           chunks), the traversal resumes by index.
// On rwlock/ptmutex, global is the lock version: updaters wait for the whole
// traversal. The chart: the unrelated updaters' grace-period latency (p50,
// p99) per mode (global grows with the traversal, srcu/ref/chunk do not), the
// peak memory of retired-but-unfreed elements, and the long reader's
// elements/s (what each way costs it).
// Invariant, checked during the run: nothing is freed under any reader. Every
// element visited is checked for the poison marker after its work (inside
// the section, or while the reference is held), the short readers check
// theirs; a poisoned element seen is a violation (`long_violations` counts
// the long reader's own).
#pragma once

#include <optional>
#include <random>
#include <time.h>
#include <string_view>
#include <thread>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/gp_latency.h"
#include "bench/workloads/read_scalability.h"
#include "impls/srcu/srcu.h"

namespace rculab {

inline const workload_descriptor& describe_long_reader() {
  static const workload_descriptor d{
      .name = "long_reader",
      .summary = "a long traversal vs unrelated updaters' grace periods: global, srcu domain, ref, chunks",
      .needs_updates = true,
      .params = {{"readers", {1}, "short reader threads (--readers, the first)"},
                 {"updaters", {1}, "unrelated threads timing synchronize (--updaters, the first)"},
                 {"mode", {}, "how the long reader is protected"},
                 {"elements", {4096, 65536}, "slots in the structure the long reader traverses"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "mode",
      // Every mode runs the unrelated readers and updaters on the backend.
      .variants = {{"global", true, "one read-side section around the traversal"},
                   {"srcu", true, "its own SRCU domain"},
                   {"ref", true, "references taken per chunk"},
                   {"chunk", true, "one read-side section per chunk"}},
      .counters = {{"long_ops", "elements", "elements the long reader visited inside the window"},
                   {"long_cpu_ns", "ns", "the long reader's CPU time inside the window"},
                   {"traversals", "traversals", "whole traversals completed inside the window"},
                   {"long_violations", "elements", "poisoned elements the long reader saw"},
                   {"replaced", "elements", "elements the replacer replaced"},
                   {"pending_peak", "elements", "peak retired elements not yet freed"},
                   {"pending_bytes_peak", "bytes", "pending_peak in bytes"},
                   {"ref_misses", "elements", "ref mode: elements found at zero references (retried)"},
                   {"srcu_gps", "grace periods", "grace periods of the long reader's SRCU domain"},
                   {"throttled", "waits", "replacer yields while too many elements awaited reclamation"},
                   {"elements", "elements", "the elements parameter"}},
      .checks = {"long_violations"},
      .metrics = {{"long_elements_per_s", "long reader throughput", "elements/s", true, "rate", "long_ops"},
                  {"pending_bytes_peak", "retired, unfreed memory peak", "bytes", false, "raw",
                   "pending_bytes_peak"}},
      .headline = "lat_p50_ns",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace long_reader_detail {

inline constexpr uint64_t kChunk = 64;           // elements per batch / per chunk section
inline constexpr uint64_t kElementWorkNs = 100;  // busy work per element visited
inline constexpr uint64_t kReplaceIntervalNs = 10'000;
inline constexpr uint64_t kMaxPending = uint64_t{1} << 20;

enum class mode { global, srcu, ref, chunk };  // the descriptor's variants, in order

// A test-only backend may ask for the long reader's own protection to be
// broken (its srcu_domain does not wait; ref mode drops a reference twice),
// so the self-tests can show those checks fire.
template <Backend B>
constexpr bool broken_long_reader() {
  if constexpr (requires { B::kBreakLongReader; }) return B::kBreakLongReader;
  return false;
}

struct shared {
  reclaim_ledger ledger;  // the large structure's elements
  std::vector<std::atomic<bench_object*>> slots;
  srcu_domain* domain = nullptr;
  std::atomic<uint64_t> long_violations{0};
  std::atomic<uint64_t> traversals{0};  // completed inside the window
  std::atomic<uint64_t> ref_misses{0};  // ref mode: element already at zero references
  std::atomic<uint64_t> replaced{0};
  std::atomic<uint64_t> pending_peak{0};
  std::atomic<uint64_t> throttled{0};
};

template <class Tag>
using run_state = active_run<shared, Tag>;

template <class Tag>
void free_element(rcu_head* h) {
  run_state<Tag>::current->ledger.poison_and_free(bench_object::from_head(h));
}

// ref mode: `value` holds the element's reference count (the structure's own
// reference plus one per reader holding it), accessed only through atomic_ref.
inline bool get_unless_zero(bench_object* o) {
  std::atomic_ref<uint64_t> refs(o->value);
  uint64_t n = refs.load(std::memory_order_relaxed);
  while (n != 0)
    // Relaxed: the section that found the element keeps it from being freed
    // while we take the reference; the reference then keeps it.
    if (refs.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return true;
  return false;
}
template <Backend B>
void put(bench_object* o) {
  std::atomic_ref<uint64_t> refs(o->value);
  // acq_rel: the last put sees every holder's accesses before it retires the
  // element (the release of each earlier put pairs with this acquire).
  if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
    // A grace period still: a reader may have dereferenced the element and
    // not yet tried its get_unless_zero.
    B::call(&o->head, &free_element<B>);
}

// The element's work: a calibrated spin seeded with the previous element's
// result, so that the chains of successive elements cannot overlap in the
// out-of-order core (independent chains ran in about half the time).
inline uint64_t work(const bench_object* o, uint64_t spins, uint64_t carry) {
  return spin_iterations(spins, carry + uintptr_t(o));
}

template <Backend B>
void long_reader(thread_ctx& ctx, shared& s, mode m, uint64_t spins) {
  thread_scope<B> registered;
  // srcu: the long reader takes no part in B. A QSBR thread that is online
  // and never reports would hold every grace period of B, so it goes offline.
  std::optional<offline_scope<B>> offline;
  std::optional<srcu_domain::reader> sr;
  if (m == mode::srcu) {
    offline.emplace();
    sr.emplace(*s.domain);
  }
  ctx.start();
  const size_t n = s.slots.size();
  uint64_t sum = 0;
  bool running = true;
  while (running) {
    unsigned srcu_idx = 0;
    if (m == mode::global) B::read_lock();
    if (m == mode::srcu) srcu_idx = sr->lock();
    for (size_t base = 0; base < n && running; base += kChunk) {
      const size_t end = std::min(n, base + kChunk);
      uint64_t poisoned = 0;
      if (m == mode::ref) {
        // One short section takes a reference on each element of the chunk;
        // the work is done outside any section, holding only the references.
        bench_object* held[kChunk];
        size_t k = 0;
        B::read_lock();
        for (size_t i = base; i < end; ++i) {
          for (;;) {
            bench_object* o = rcu_dereference(s.slots[i]);
            const bool got = get_unless_zero(o);
            poisoned += !o->alive();
            if (got) {
              held[k++] = o;
              break;
            }
            // Its last reference went while we looked: the slot already
            // holds its replacement (published before the old one's put).
            s.ref_misses.fetch_add(1, std::memory_order_relaxed);
          }
        }
        B::read_unlock();
        if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
        for (size_t j = 0; j < k; ++j) sum = work(held[j], spins, sum);
        for (size_t j = 0; j < k; ++j) {
          poisoned += !held[j]->alive();  // still referenced: must not have been freed
          put<B>(held[j]);
        }
      } else {
        if (m == mode::chunk) B::read_lock();
        for (size_t i = base; i < end; ++i) {
          const bench_object* o = rcu_dereference(s.slots[i]);
          sum = work(o, spins, sum);
          poisoned += !o->alive();  // after the work: the window spans it
        }
        if (m == mode::chunk) {
          B::read_unlock();
          if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
        }
      }
      if (poisoned) {
        ctx.violation();
        s.long_violations.fetch_add(poisoned, std::memory_order_relaxed);
      }
      running = ctx.next_batch(end - base);
    }
    if (m == mode::srcu) sr->unlock(srcu_idx);
    if (m == mode::global) {
      B::read_unlock();
      if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
    }
    if (running && ctx.measuring()) s.traversals.fetch_add(1, std::memory_order_relaxed);
  }
  keep(sum);
}

// Replaces one random element, then sleeps kReplaceIntervalNs (a rate of at
// most one per interval; `replaced` counts them) and retires the old
// one in the long reader's domain.
template <Backend B>
void replacer(thread_ctx& ctx, shared& s, mode m) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // it only publishes and queues callbacks
  std::minstd_rand rng(12345);
  const size_t n = s.slots.size();
  ctx.start();
  do {
    // Sleeps, not spins: on a small host a spinning replacer would take a
    // CPU from the readers whose protection this workload compares.
    const timespec interval{0, long(kReplaceIntervalNs)};
    nanosleep(&interval, nullptr);
    bench_object* fresh = s.ledger.make();
    if (m == mode::ref) fresh->value = 1;  // the structure's reference
    bench_object* old = s.slots[rng() % n].exchange(fresh, std::memory_order_acq_rel);  // publish
    switch (m) {
      case mode::global:
      case mode::chunk: B::call(&old->head, &free_element<B>); break;
      case mode::srcu: s.domain->call(&old->head, &free_element<B>); break;
      case mode::ref:
        put<B>(old);  // the structure's reference
        if constexpr (broken_long_reader<B>()) put<B>(old);  // released twice: the bug
        break;
    }
    s.replaced.fetch_add(1, std::memory_order_relaxed);
    note_peak_and_throttle([&s, n] { return s.ledger.outstanding() - n; }, kMaxPending, s.pending_peak, s.throttled);
  } while (ctx.next_batch(1));
}

}  // namespace long_reader_detail

template <Backend B>
void register_long_reader(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace long_reader_detail;
  const workload_descriptor& d = describe_long_reader();
  const unsigned readers =  // short readers
      o.readers.empty() ? unsigned(d.param("readers").levels.front()) : o.readers.front();
  const unsigned updaters = o.updaters.empty() ? unsigned(d.param("updaters").levels.front()) : o.updaters.front();
  const std::vector<uint64_t> sizes = o.smoke ? std::vector<uint64_t>{1024} : d.param("elements").levels;
  for (uint64_t elements : sizes)
  for (size_t i = 0; i < d.variants.size(); ++i) {
    const mode m = mode(i);
    if (o.smoke && m != mode::srcu) continue;  // smoke: srcu only
    const std::string name = benchmark_name(std::string(d.name), B::kName,
        {{"readers", std::to_string(readers)}, {"updaters", std::to_string(updaters)},
         {"mode", std::string(d.variants[i].name)}, {"elements", std::to_string(elements)},
         {"placement", policy_name(o.reader_policy)}});
    register_point(name, [o, &d, readers, updaters, m, elements](benchmark::State& state) {
      srcu_domain domain({.wait_for_readers = !broken_long_reader<B>()});
      shared s;
      s.domain = &domain;
      s.slots = std::vector<std::atomic<bench_object*>>(elements);
      for (auto& slot : s.slots) {
        bench_object* e = s.ledger.make();
        if (m == mode::ref) e->value = 1;
        slot.store(e, std::memory_order_relaxed);
      }
      run_state<B>::current = &s;
      read_scalability_detail::shared unrelated;  // the short readers' object
      unrelated.ptr.store(unrelated.ledger.make());
      const uint64_t spins = uint64_t(double(kElementWorkNs) * spin_iterations_per_ns() + 0.5);
      const backend_stats before = B::stats();
      const srcu_domain::counters dom_before = domain.stats();
      const run_report run = run_roles(*o.topo, run_options_for(o),
          {{"reader", readers, o.reader_policy,
            [&](thread_ctx& c) { read_scalability_detail::reader<B>(c, unrelated); }},
           {"updater", updaters, o.updater_policy,
            [&](thread_ctx& c) { gp_latency_detail::updater<B>(c, unrelated); }},
           {"long", 1, o.reader_policy, [&](thread_ctx& c) { long_reader<B>(c, s, m, spins); }},
           {"replacer", 1, o.updater_policy, [&](thread_ctx& c) { replacer<B>(c, s, m); }}},
          helper_handles<B>);
      const backend_stats stats = stats_since(before, B::stats());
      const srcu_domain::counters dom = domain.stats();
      const uint64_t unreclaimed = s.ledger.outstanding() - elements + unrelated.ledger.outstanding() - 1;
      registered_barrier<B>();  // ref mode's last puts, global/chunk's retired elements
      domain.barrier();
      for (auto& slot : s.slots) s.ledger.poison_and_free(slot.load());
      unrelated.ledger.poison_and_free(unrelated.ptr.load());
      report_run(state, run, stats, unreclaimed);
      const role_totals lr = run.totals("long");
      report_counters(state, d,
                      {{"long_ops", lr.ops}, {"long_cpu_ns", lr.cpu_ns}, {"traversals", s.traversals},
                       {"long_violations", s.long_violations}, {"replaced", s.replaced},
                       {"pending_peak", s.pending_peak},
                       {"pending_bytes_peak", s.pending_peak.load() * sizeof(bench_object)},
                       {"ref_misses", s.ref_misses}, {"srcu_gps", dom.grace_periods - dom_before.grace_periods},
                       {"throttled", s.throttled}, {"elements", elements}});
    });
  }
}

}  // namespace rculab
