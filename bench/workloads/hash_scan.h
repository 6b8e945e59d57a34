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
#include <string_view>
#include <thread>

#include "bench/workloads/common.h"
#include "impls/core/barrier.h"

namespace rculab {
namespace hash_scan_detail {

// Large enough that a full scan (~100 000 nodes) lasts far longer than a
// lookup; chains stay short (4 permanent + up to 4 volatile nodes).
inline constexpr uint64_t kBuckets = 16384;
inline constexpr uint64_t kPermanent = 65536;  // even keys 0, 2, ..., 2*(kPermanent-1)
inline constexpr uint64_t kVolatile = 65536;   // odd keys 1, 3, ..., toggled by the updaters
inline constexpr uint64_t kLookupBatch = 256;
inline constexpr uint64_t kUpdateBatch = 16;
inline constexpr uint64_t kSyncEvery = 64;    // toggles between timed synchronize() calls
inline constexpr uint64_t kMaxPending = uint64_t{1} << 20;

enum class scan_kind { one, bucket, rwlock };
inline constexpr std::string_view scan_name(scan_kind k) {
  return k == scan_kind::one ? "one" : k == scan_kind::bucket ? "bucket" : "rwlock";
}

// A test-only backend may ask for the insert bug the lookup and scan-count
// checks exist for: publishing a node before linking it to the chain.
template <Backend B>
constexpr bool broken_insert() {
  if constexpr (requires { B::kBreakHashInsert; }) return B::kBreakHashInsert;
  return false;
}

struct node {
  std::atomic<uint64_t> marker{kAlive};
  uint64_t key = 0;
  std::atomic<node*> next{nullptr};
  rcu_head head;
  bool alive() const noexcept { return marker.load(std::memory_order_relaxed) == kAlive; }
  static node* from_head(rcu_head* h) {
    return reinterpret_cast<node*>(reinterpret_cast<char*>(h) - offsetof(node, head));
  }
};

struct alignas(kCacheLine) bucket {
  std::mutex lock;  // updaters of this bucket (RCU variants)
  std::atomic<node*> first{nullptr};
};

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
  ~shared() {
    for (bucket& b : buckets)
      for (node* n = b.first.load(); n;) {
        node* next = n->next.load();
        delete n;
        n = next;
      }
  }
};

inline uint64_t bucket_of(uint64_t key) { return (key * 0x9e3779b97f4a7c15ULL) >> 50; }  // top 14 bits
static_assert(kBuckets == 16384);

template <class Tag>
using run_state = active_run<shared, Tag>;

// call_rcu callback: the node goes to its run's ledger (Shared: hash_scan's or
// hash_lookup's state, both keep their nodes in `ledger`).
template <class Shared, class Tag>
void free_node(rcu_head* h) {
  active_run<Shared, Tag>::current->ledger.poison_and_free(node::from_head(h));
}

// Links n at the head of its bucket (bucket lock or table write lock held).
template <Backend B>
void insert_locked(bucket& b, node* n) {
  node* first = b.first.load(std::memory_order_relaxed);
  if constexpr (broken_insert<B>()) {
    // The bug: published before its link is set; a reader in between sees
    // a one-node chain and misses everything behind it. The pause (~10 us)
    // widens the window so the self-test sees it within seconds.
    rcu_assign_pointer(b.first, n);
    keep(spin_iterations(10'000));
    n->next.store(first, std::memory_order_relaxed);
  } else {
    n->next.store(first, std::memory_order_relaxed);
    rcu_assign_pointer(b.first, n);  // release: the node's key and link before it
  }
}

// Unlinks the node holding key (lock held); nullptr if absent.
inline node* unlink_locked(bucket& b, uint64_t key) {
  std::atomic<node*>* link = &b.first;
  for (node* n = link->load(std::memory_order_relaxed); n; n = link->load(std::memory_order_relaxed)) {
    if (n->key == key) {
      // Readers at n still follow n->next, which stays intact until n is freed.
      link->store(n->next.load(std::memory_order_relaxed), std::memory_order_release);
      return n;
    }
    link = &n->next;
  }
  return nullptr;
}

// A lookup inside the caller's section: the node found (nullptr if none);
// counts the freed nodes it saw into `poisoned`.
inline const node* find(const bucket& b, uint64_t key, uint64_t& poisoned) {
  for (const node* n = rcu_dereference(b.first); n; n = rcu_dereference(n->next)) {
    poisoned += !n->alive();
    if (n->key == key) return n;
  }
  return nullptr;
}

// A test-only backend may ask RCU lookups to linger over the node they found
// (~1 us inside the section, as a reader using it would, then its marker is
// read again): long enough for a grace period that does not wait to free it
// under the reader, so that the poison check sees it in one run.
template <Backend B>
constexpr bool lingers_on_found() {
  if constexpr (requires { B::kLingerOnFound; }) return B::kLingerOnFound;
  return false;
}

// find(), then the linger above where the backend asks for it.
template <Backend B>
bool find_in_section(const bucket& b, uint64_t key, uint64_t& poisoned) {
  const node* found = find(b, key, poisoned);
  if constexpr (lingers_on_found<B>()) {
    if (found) {
      keep(spin_iterations(1000));
      poisoned += !found->alive();
    }
  }
  return found != nullptr;
}

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
  const unsigned readers = o.readers.empty() ? 1 : o.readers.front();
  const unsigned updaters = o.updaters.empty() ? 1 : o.updaters.front();
  const std::vector<scan_kind> kinds = o.smoke ? std::vector<scan_kind>{scan_kind::one}
                                               : std::vector<scan_kind>{scan_kind::one, scan_kind::bucket,
                                                                        scan_kind::rwlock};
  for (scan_kind kind : kinds) {
    const std::string name = benchmark_name("hash_scan", B::kName,
        {{"readers", std::to_string(readers)}, {"updaters", std::to_string(updaters)},
         {"scan", std::string(scan_name(kind))}, {"placement", policy_name(o.reader_policy)}});
    register_point(name, [o, readers, updaters, kind](benchmark::State& state) {
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
      state.counters["scans"] = double(s.scans.load());
      state.counters["scan_ns_sum"] = double(s.scan_ns_sum.load());
      state.counters["lookup_misses"] = double(s.lookup_misses.load());
      state.counters["scan_count_errors"] = double(s.scan_count_errors.load());
      state.counters["poisoned_seen"] = double(s.poisoned_seen.load());
      state.counters["pending_peak"] = double(s.pending_peak.load());
      state.counters["pending_bytes_peak"] = double(s.pending_peak.load() * sizeof(node));
      state.counters["throttled"] = double(s.throttled.load());
    });
  }
}

}  // namespace rculab
