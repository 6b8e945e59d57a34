// hash_lookup: perfbook's hash-table zoo (datastruct/hash/hash_bkt_rcu.c vs
// hash_bkt.c and hash_global.c, hashtorture.h; "Read-Mostly Data
// Structures", with the --schroedinger hot spot: readers that all look up
// "cat"). A 1024-bucket chained hash table (hashtorture's default) of 2048
// permanent keys and up to 2048 volatile ones. Readers look up keys: a share
// `hot_pct` (percent) of lookups goes to one hot key, the rest to random
// keys; updaters pick a random volatile key and toggle it (insert if absent,
// delete if present). Three ways:
//   variant:rcu     hash_bkt_rcu.c: lookups are read-side sections; updaters
//                   take the bucket's lock and hand deleted elements to
//                   call_rcu.
//   variant:bucket  hash_bkt.c: lookups and updates take the bucket's lock; a
//                   deleted element is freed at once. Every hot-key lookup
//                   takes the same lock.
//   variant:rwlock  one table-wide reader-writer lock (writer-preferring):
//                   lookups read-lock it, updates write-lock it.
// The backend is used by variant:rcu only. Updaters (`--updaters`, default
// 1) run flat out; every point also runs with none (updaters:0), the book's
// read-only zoo.
// Measured: lookups (reader_ops) vs readers, hits and misses, updates
// (updater_ops: toggles), peak elements waiting for reclamation. The chart
// should show RCU's lookups scaling with readers, hot key or not; bucket
// locking scaling without the hot key and collapsing with it (the book's
// cats); the rwlock's shared line capping everything.
// Invariants, checked on every lookup (each failure counts in `violations`):
// every permanent key (even keys, never deleted) is found
// (`permanent_misses`); no freed element is seen (poison, `poisoned_seen`).
#pragma once

#include <pthread.h>

#include <mutex>
#include <thread>

#include "bench/structures/rcu_hash_chain.h"
#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"

namespace rculab {

inline const workload_descriptor& describe_hash_lookup() {
  static const workload_descriptor d{
      .name = "hash_lookup",
      .summary = "perfbook's hash-table zoo: lookups with a hot key share, RCU vs per-bucket locks vs a table "
                 "rwlock, updaters inserting and deleting volatile keys",
      .needs_updates = true,
      .params = {{"readers", {}, "lookup threads (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {1}, "threads toggling volatile keys flat out (--updaters)", {0}},
                 {"variant", {}, "how lookups and updates are synchronized"},
                 {"hot_pct", {0, 90}, "percent of lookups that go to the one hot key"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"rcu", true, "RCU: lookups in read-side sections (hash_bkt_rcu)"},
                   {"bucket", false, "per-bucket locks (hash_bkt)"},
                   {"rwlock", false, "table rwlock"}},
      .counters = {{"hits", "lookups", "lookups in the window that found their key"},
                   {"misses", "lookups", "lookups in the window that did not"},
                   {"permanent_misses", "lookups", "permanent keys not found (never deleted: a violation)"},
                   {"poisoned_seen", "elements", "freed elements a lookup saw"},
                   {"pending_peak", "elements", "peak deleted elements waiting for reclamation"},
                   {"throttled", "waits", "updater waits for reclamation to catch up"},
                   {"hot_pct", "%", "the hot_pct parameter"}},
      .checks = {"permanent_misses", "poisoned_seen"},
      .headline = "reads_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace hash_lookup_detail {

using namespace rcu_hash_chain;

inline constexpr uint64_t kBuckets = 1024;
inline constexpr uint64_t kPermanent = 2048;  // even keys 0, 2, ..., 2*(kPermanent-1)
inline constexpr uint64_t kVolatile = 2048;   // odd keys 1, 3, ..., toggled by the updaters
inline constexpr uint64_t kHotKey = 0;        // permanent: every hot lookup must hit
inline constexpr uint64_t kLookupBatch = 256;
// One toggle per batch: under an oversubscribed lock a toggle can wait for
// many preempted readers, and each window must still see the updaters' progress.
inline constexpr uint64_t kUpdateBatch = 1;
inline constexpr uint64_t kMaxPending = uint64_t{1} << 16;
static_assert(kPermanent == kVolatile, "a random key below 2*kPermanent is either kind");

enum class variant { rcu, bucket, rwlock };

inline uint64_t bucket_of(uint64_t key) { return (key * 0x9e3779b97f4a7c15ULL) >> 54; }  // top 10 bits
static_assert(kBuckets == 1024);

struct shared {
  variant v = variant::rcu;
  unsigned hot_pct = 0;
  basic_reclaim_ledger<node> ledger;
  std::vector<bucket> buckets = std::vector<bucket>(kBuckets);
  pthread_rwlock_t table_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;  // variant:rwlock
  std::atomic<uint64_t> live_volatile{0};
  std::atomic<uint64_t> hits{0}, misses{0}, permanent_misses{0}, poisoned_seen{0};
  std::atomic<uint64_t> pending_peak{0}, throttled{0};

  ~shared() { delete_chains(buckets); }
  // Deleted elements not yet freed (variant:rcu).
  uint64_t pending() const noexcept {
    // Read apart from a concurrent insert (made, then counted): never below 0.
    const uint64_t made = ledger.outstanding();
    const uint64_t linked = kPermanent + live_volatile.load(std::memory_order_relaxed);
    return made > linked ? made - linked : 0;
  }
};

template <class Tag>
using run_state = active_run<shared, Tag>;

// One lookup: found?; counts freed elements seen into `poisoned`.
template <Backend B>
bool lookup(shared& s, uint64_t key, uint64_t& poisoned) {
  bucket& b = s.buckets[bucket_of(key)];
  switch (s.v) {
    case variant::bucket: {
      std::lock_guard guard(b.lock);
      return find(b, key, poisoned) != nullptr;
    }
    case variant::rwlock: {
      pthread_rwlock_rdlock(&s.table_lock);
      const bool found = find(b, key, poisoned) != nullptr;
      pthread_rwlock_unlock(&s.table_lock);
      return found;
    }
    case variant::rcu:
      break;
  }
  read_guard<B> section;
  return find_in_section<B>(b, key, poisoned);
}

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  key_picker rng(5000 + ctx.index_in_role());
  ctx.start();
  uint64_t hits = 0, misses = 0;  // inside the window: hits + misses == reader_ops
  do {
    uint64_t poisoned = 0, permanent_misses = 0, found_in_batch = 0;
    for (uint64_t k = 0; k < kLookupBatch; ++k) {
      const uint64_t key = rng.below(100) < s.hot_pct ? kHotKey : rng.below(2 * kPermanent);
      const bool found = lookup<B>(s, key, poisoned);
      found_in_batch += found;
      permanent_misses += !found && key % 2 == 0;
    }
    if (ctx.measuring()) {  // a batch begun inside the window is one of its reader_ops
      hits += found_in_batch;
      misses += kLookupBatch - found_in_batch;
    }
    if (poisoned || permanent_misses) {
      ctx.violation();
      s.poisoned_seen.fetch_add(poisoned, std::memory_order_relaxed);
      s.permanent_misses.fetch_add(permanent_misses, std::memory_order_relaxed);
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kLookupBatch));
  s.hits.fetch_add(hits, std::memory_order_relaxed);
  s.misses.fetch_add(misses, std::memory_order_relaxed);
}

// Deletes key if present, inserts it if absent, under the bucket's lock (or
// the table's write lock); returns the deleted element, nullptr after an insert.
template <Backend B>
node* toggle_locked(shared& s, bucket& b, uint64_t key) {
  if (node* removed = unlink_locked(b, key)) {
    s.live_volatile.fetch_sub(1, std::memory_order_relaxed);
    return removed;
  }
  node* n = s.ledger.make();
  n->key = key;
  insert_locked<B>(b, n);
  s.live_volatile.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

template <Backend B>
void toggle(shared& s, uint64_t key) {
  bucket& b = s.buckets[bucket_of(key)];
  node* removed;
  if (s.v == variant::rwlock) {
    pthread_rwlock_wrlock(&s.table_lock);
    removed = toggle_locked<B>(s, b, key);
    pthread_rwlock_unlock(&s.table_lock);
  } else {
    std::lock_guard guard(b.lock);
    removed = toggle_locked<B>(s, b, key);
  }
  if (!removed) return;
  if (s.v == variant::rcu)
    B::call(&removed->head, &free_node<shared, B>);
  else
    s.ledger.poison_and_free(removed);  // lookups hold the lock: none can still reach it
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // it blocks in locks and when throttled
  key_picker rng(6000 + ctx.index_in_role());
  ctx.start();
  do {
    for (uint64_t k = 0; k < kUpdateBatch; ++k) toggle<B>(s, 2 * rng.below(kVolatile) + 1);
    note_peak_and_throttle([&s] { return s.pending(); }, kMaxPending, s.pending_peak, s.throttled);
  } while (ctx.next_batch(kUpdateBatch));
}

// The permanent keys, and every other volatile key (half of them present),
// linked before any reader or updater starts.
inline void fill(shared& s) {
  for (uint64_t key = 0; key < 2 * kPermanent; ++key) {
    if (key % 4 == 3) continue;  // absent volatile keys
    node* n = s.ledger.make();
    n->key = key;
    bucket& b = s.buckets[bucket_of(key)];
    n->next.store(b.first.load(std::memory_order_relaxed), std::memory_order_relaxed);
    b.first.store(n, std::memory_order_relaxed);  // the threads start after this (run_roles)
  }
  s.live_volatile.store(kVolatile / 2);
}

}  // namespace hash_lookup_detail

template <Backend B>
void register_hash_lookup(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace hash_lookup_detail;
  const workload_descriptor& d = describe_hash_lookup();
  for (const rescue_point& p : rescue_points(o, d, B::kName)) {
    register_point(p.name, [o, &d, readers = p.readers, updaters = p.updaters, v = variant(p.variant),
                            hot_pct = unsigned(p.size)](benchmark::State& state) {
      shared s;
      s.v = v;
      s.hot_pct = hot_pct;
      fill(s);
      run_state<B>::current = &s;
      auto [run, stats] = run_rescue<B>(o, readers, updaters, [&](thread_ctx& c) { reader<B>(c, s); },
                                        [&](thread_ctx& c) { updater<B>(c, s); });
      const uint64_t unreclaimed = s.pending();
      registered_barrier<B>();  // deleted elements' callbacks, before the ledger goes away
      report_run(state, run, stats, unreclaimed);
      report_counters(state, d,
                      {{"hits", s.hits}, {"misses", s.misses}, {"permanent_misses", s.permanent_misses},
                       {"poisoned_seen", s.poisoned_seen}, {"pending_peak", s.pending_peak},
                       {"throttled", s.throttled}, {"hot_pct", hot_pct}});
    });
  }
}

}  // namespace rculab
