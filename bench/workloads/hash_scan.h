// hash_scan: update-friendly traversal (perfbook "RCU Rescues",
// "Update-Friendly Traversal"): a hash table whose updaters take per-bucket
// locks and whose lookups are RCU readers, plus one scanner that walks the
// whole table for statistics while inserts and deletes go on. Three ways to
// scan (`scan`):
//   one     the whole scan is one read-side section: updaters never wait for
//           it, but every grace period (and so every deleted element's
//           memory) waits for the whole scan;
//   bucket  one section per bucket (QSBR: a quiescent state after each):
//           grace periods wait for one bucket at most;
//   rwlock  the non-RCU way: a table-wide reader-writer lock (writer-
//           preferring); lookups and the scan read-lock it, updaters
//           write-lock it and free at once. The backend is not used.
// Lookup threads (`readers`) look up random keys; updaters (`updaters`)
// toggle volatile keys (insert if absent, delete if present) and retire
// deleted nodes with call_rcu; every 64 toggles each also times one
// synchronize() (the grace-period latency a long scan causes).
// The chart: scan time, lookups/s and updates/s per variant, the updaters'
// grace-period latency and the peak memory of deleted nodes not yet freed.
// Invariants, checked during the run (each failure counts in `violations`):
//   - every permanent key (even keys, inserted before the run, never
//     deleted) is found by every lookup of it (`lookup_misses`);
//   - no freed node is seen by a lookup or a scan (poison marker);
//   - each scan counts exactly kPermanent permanent nodes and at most
//     kPermanent + kVolatile nodes in all (`scan_count_errors`).
#pragma once

#include <pthread.h>

#include <mutex>
#include <random>
#include <thread>

#include "bench/structures/rcu_hash_chain.h"
#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"  // updater_levels
#include "impls/core/barrier.h"

namespace rculab {

inline const workload_descriptor& describe_hash_scan() {
  static const workload_descriptor d{
      .name = "hash_scan",
      .summary = "full-table scans of an RCU hash table during inserts/deletes: one section, per bucket, rwlock",
      .needs_updates = true,
      .params = {{"readers", {1}, "lookup threads (the first of --readers; default 1)"},
                 {"updaters", {1}, "threads toggling volatile keys (the first of --updaters; default 1)"},
                 {"scan", {}, "how the one scanner's full-table walk is protected"},
                 {"placement", {}, "reader and scanner placement (--placement)"}},
      .variant_key = "scan",
      .variants = {{"one", true, "RCU: the whole scan in one read-side section"},
                   {"bucket", true, "RCU: one read-side section per bucket"},
                   {"rwlock", false, "table-wide rwlock (no RCU)"}},
      .counters = {{"scans", "scans", "full-table scans completed inside the window"},
                   {"scan_ns_sum", "ns", "the time those scans took, summed"},
                   {"lookup_misses", "lookups", "permanent keys not found (never deleted: a violation)"},
                   {"scan_count_errors", "scans", "scans that missed a permanent node or counted too many"},
                   {"poisoned_seen", "nodes", "freed nodes a lookup or a scan saw"},
                   {"pending_peak", "nodes", "peak deleted nodes waiting for reclamation"},
                   {"pending_bytes_peak", "bytes", "pending_peak in bytes (nodes x node size)"},
                   {"throttled", "waits", "updater waits for reclamation to catch up"}},
      .checks = {"lookup_misses", "scan_count_errors", "poisoned_seen"},
      .metrics = {{"scan_ns", "full-table scan time", "ns", false, "share", "scan_ns_sum", "scans"},
                  {"pending_bytes_peak", "retired, unfreed memory peak", "bytes", false, "raw", "pending_bytes_peak"}},
      .headline = "reads_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace hash_scan_detail {

using namespace rcu_hash_chain;

// Large enough that a full scan (~100 000 nodes) lasts far longer than a
// lookup; chains stay short (4 permanent + up to 4 volatile nodes).
inline constexpr uint64_t kBuckets = 16384;
inline constexpr uint64_t kPermanent = 65536;  // even keys 0, 2, ..., 2*(kPermanent-1)
inline constexpr uint64_t kVolatile = 65536;   // odd keys 1, 3, ..., toggled by the updaters
inline constexpr uint64_t kLookupBatch = 256;
inline constexpr uint64_t kUpdateBatch = 16;
inline constexpr uint64_t kSyncEvery = 64;    // toggles between timed synchronize() calls
inline constexpr uint64_t kMaxPending = uint64_t{1} << 20;

enum class scan_kind { one, bucket, rwlock };  // the descriptor's variants, in order

struct shared {
  basic_reclaim_ledger<node> ledger;
  std::vector<bucket> buckets = std::vector<bucket>(kBuckets);
  pthread_rwlock_t table_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;  // scan:rwlock
  std::atomic<uint64_t> live_volatile{0};
  std::atomic<uint64_t> lookup_misses{0};
  std::atomic<uint64_t> scan_count_errors{0};
  std::atomic<uint64_t> poisoned_seen{0};
  std::atomic<uint64_t> scans{0};      // completed inside the window
  std::atomic<uint64_t> scan_ns_sum{0};
  std::atomic<uint64_t> pending_peak{0};
  std::atomic<uint64_t> throttled{0};
  ~shared() { delete_chains(buckets); }
};

inline uint64_t bucket_of(uint64_t key) { return (key * 0x9e3779b97f4a7c15ULL) >> 50; }  // top 14 bits
static_assert(kBuckets == 16384);

template <class Tag>
using run_state = active_run<shared, Tag>;

template <Backend B>
void lookup_reader(thread_ctx& ctx, shared& s, scan_kind kind) {
  thread_scope<B> registered;
  std::minstd_rand rng(1000 + ctx.index_in_role());
  ctx.start();
  do {
    uint64_t poisoned = 0, misses = 0;
    for (uint64_t i = 0; i < kLookupBatch; ++i) {
      const uint64_t key = rng() % (2 * kPermanent);  // half of them permanent
      const bucket& b = s.buckets[bucket_of(key)];
      bool found;
      if (kind == scan_kind::rwlock) {
        pthread_rwlock_rdlock(&s.table_lock);
        found = find(b, key, poisoned) != nullptr;
        pthread_rwlock_unlock(&s.table_lock);
      } else {
        B::read_lock();
        found = find_in_section<B>(b, key, poisoned);
        B::read_unlock();
      }
      misses += (key % 2 == 0) && !found;
    }
    if (poisoned || misses) {
      ctx.violation();
      s.poisoned_seen.fetch_add(poisoned, std::memory_order_relaxed);
      s.lookup_misses.fetch_add(misses, std::memory_order_relaxed);
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kLookupBatch));
}

// Counts the nodes of one bucket (inside the caller's section or lock).
inline void count_bucket(const bucket& b, uint64_t& permanent, uint64_t& total, uint64_t& poisoned) {
  for (const node* n = rcu_dereference(b.first); n; n = rcu_dereference(n->next)) {
    poisoned += !n->alive();
    permanent += n->key % 2 == 0;
    ++total;
  }
}

template <Backend B>
void scanner(thread_ctx& ctx, shared& s, scan_kind kind) {
  thread_scope<B> registered;
  ctx.start();
  bool running = true;
  while (running) {
    const uint64_t t0 = now_ns();
    uint64_t permanent = 0, total = 0, poisoned = 0;
    if (kind == scan_kind::one) B::read_lock();
    if (kind == scan_kind::rwlock) pthread_rwlock_rdlock(&s.table_lock);
    for (const bucket& b : s.buckets) {
      if (kind == scan_kind::bucket) B::read_lock();
      count_bucket(b, permanent, total, poisoned);
      if (kind == scan_kind::bucket) {
        B::read_unlock();
        if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
      }
    }
    if (kind == scan_kind::rwlock) pthread_rwlock_unlock(&s.table_lock);
    if (kind == scan_kind::one) B::read_unlock();
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
    const uint64_t took = now_ns() - t0;
    const bool bad_count = permanent != kPermanent || total > kPermanent + kVolatile;
    if (poisoned || bad_count) {
      ctx.violation();
      s.poisoned_seen.fetch_add(poisoned, std::memory_order_relaxed);
      s.scan_count_errors.fetch_add(bad_count, std::memory_order_relaxed);
    }
    if (ctx.measuring()) {
      s.scans.fetch_add(1, std::memory_order_relaxed);
      s.scan_ns_sum.fetch_add(took, std::memory_order_relaxed);
    }
    running = ctx.next_batch(1);
  }
}

// Toggles the volatile keys it owns (key/2 % updaters == its index).
template <Backend B>
void updater(thread_ctx& ctx, shared& s, scan_kind kind, unsigned updaters) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // it blocks in locks and synchronize()
  std::minstd_rand rng(2000 + ctx.index_in_role());
  const uint64_t owned = kVolatile / updaters;
  uint64_t toggles = 0;
  ctx.start();
  do {
    for (uint64_t i = 0; i < kUpdateBatch; ++i) {
      const uint64_t key = 2 * ((rng() % owned) * updaters + ctx.index_in_role()) + 1;
      bucket& b = s.buckets[bucket_of(key)];
      node* removed;
      if (kind == scan_kind::rwlock) {
        pthread_rwlock_wrlock(&s.table_lock);
        removed = unlink_locked(b, key);
        if (!removed) {
          node* n = s.ledger.make();
          n->key = key;
          insert_locked<B>(b, n);
        }
        pthread_rwlock_unlock(&s.table_lock);
        if (removed) s.ledger.poison_and_free(removed);  // no reader can hold it
      } else {
        {
          std::lock_guard lock(b.lock);
          removed = unlink_locked(b, key);
          if (!removed) {
            node* n = s.ledger.make();
            n->key = key;
            insert_locked<B>(b, n);
          }
        }
        if (removed) B::call(&removed->head, &free_node<shared, B>);
      }
      if (removed) s.live_volatile.fetch_sub(1, std::memory_order_relaxed);
      else s.live_volatile.fetch_add(1, std::memory_order_relaxed);
      if (kind != scan_kind::rwlock && ++toggles % kSyncEvery == 0) {
        const uint64_t t0 = now_ns();
        B::synchronize();
        ctx.record_latency(now_ns() - t0);
      }
    }
    const uint64_t linked = kPermanent + s.live_volatile.load(std::memory_order_relaxed);
    const uint64_t pending = s.ledger.outstanding() > linked ? s.ledger.outstanding() - linked : 0;
    if (pending > s.pending_peak.load(std::memory_order_relaxed))
      s.pending_peak.store(pending, std::memory_order_relaxed);
    while (s.ledger.outstanding() > kMaxPending) {
      s.throttled.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::yield();
    }
  } while (ctx.next_batch(kUpdateBatch));
}

}  // namespace hash_scan_detail

template <Backend B>
void register_hash_scan(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace hash_scan_detail;
  const workload_descriptor& d = describe_hash_scan();
  // One point per scan: the first reader and updater counts given (or the
  // descriptor's); --smoke: the first scan only.
  const unsigned readers = o.readers.empty() ? unsigned(d.param("readers").levels.front()) : o.readers.front();
  const unsigned updaters = updater_levels(o, d).front();
  const size_t scans = o.smoke ? 1 : d.variants.size();
  for (size_t k = 0; k < scans; ++k) {
    const scan_kind kind = scan_kind(k);
    const std::string name = benchmark_name(std::string(d.name), B::kName,
        {{"readers", std::to_string(readers)}, {"updaters", std::to_string(updaters)},
         {std::string(d.variant_key), std::string(d.variants[k].name)}, {"placement", policy_name(o.reader_policy)}});
    register_point(name, [o, &d, readers, updaters, kind](benchmark::State& state) {
      shared s;
      for (uint64_t i = 0; i < kPermanent; ++i) {
        node* n = s.ledger.make();
        n->key = 2 * i;
        insert_locked<B>(s.buckets[bucket_of(n->key)], n);
      }
      run_state<B>::current = &s;
      const backend_stats before = B::stats();
      const run_report run = run_roles(*o.topo, run_options_for(o),
          {{"reader", readers, o.reader_policy, [&](thread_ctx& c) { lookup_reader<B>(c, s, kind); }},
           {"updater", updaters, o.updater_policy, [&](thread_ctx& c) { updater<B>(c, s, kind, updaters); }},
           {"scanner", 1, o.reader_policy, [&](thread_ctx& c) { scanner<B>(c, s, kind); }}},
          helper_handles<B>);
      const backend_stats stats = stats_since(before, B::stats());
      const uint64_t linked = kPermanent + s.live_volatile.load();
      const uint64_t unreclaimed = s.ledger.outstanding() - linked;
      registered_barrier<B>();  // deleted nodes' callbacks, before the ledger goes away
      report_run(state, run, stats, unreclaimed);
      report_counters(state, d,
                      {{"scans", s.scans}, {"scan_ns_sum", s.scan_ns_sum}, {"lookup_misses", s.lookup_misses},
                       {"scan_count_errors", s.scan_count_errors}, {"poisoned_seen", s.poisoned_seen},
                       {"pending_peak", s.pending_peak}, {"pending_bytes_peak", s.pending_peak.load() * sizeof(node)},
                       {"throttled", s.throttled}});
    });
  }
}

}  // namespace rculab
