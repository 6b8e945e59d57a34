// route_table: perfbook's "Pre-BSD routing table" (defer/route_rcu.c and its
// siblings, routetorture.h; "Deferred Processing" chapter): a short linked
// list of routes, address -> interface, searched from the head by readers.
// Readers look up random addresses of the table (`routes` of them); updaters
// pick a random volatile route and toggle it: delete it if present, insert a
// fresh entry at the head if absent (route_del / route_add). Three ways:
//   variant:rcu   route_rcu.c: lookups traverse the list in a read-side
//                 section; updaters add and delete under the update lock and
//                 hand deleted entries to call_rcu (reclaimed after a grace
//                 period).
//   variant:lock  the lock curve: one global mutex around every lookup and
//                 every update; a deleted entry is freed at once. The backend
//                 is not used.
//   variant:copy  the table is small, so copy it whole: readers search the
//                 current array in a read-side section; an update copies the
//                 array with the route added or removed, publishes the copy
//                 and hands the old one to call_rcu. No per-hop pointer chase.
//   variant:refcnt  route_refcnt.c: readers take a reference on each entry
//                 hand over hand (a compare-and-swap that fails on a count
//                 of 0, then a restart from the head); the last reference
//                 retires the entry. Unlike the book's, the previous entry is
//                 released only once the next is held, and retired entries
//                 stay allocated (poisoned) until the run ends, so a reader
//                 that loses the race reads a count of 0, never freed memory.
//                 The backend is not used.
//   variant:hazptr  route_hazptr.c: two hazard pointers per reader, hand
//                 over hand: publish, full fence, re-read the link, restart
//                 if it changed; a deleted entry's link is poisoned so a
//                 reader standing on it restarts; updaters free retired
//                 entries no hazard pointer holds. The backend is not used.
// Updaters (`--updaters`, default 1) run flat out; every point also runs
// with none (updaters:0), the book's read-only perftest (its figures use 10
// routes; reference counting "indistinguishable from the x-axis" beyond one
// CPU, hazard pointers far short of ideal, RCU QSBR very nearly ideal).
// Measured: lookups (reader_ops) vs readers, updates (updater_ops: toggles),
// peak entries/arrays waiting for reclamation. The chart should show RCU's
// lookups growing with readers (near the book's "ideal"), the lock's flat or
// falling, and copy ahead of the list on lookups but paying a copy per update.
// Invariants, checked on every lookup (each failure counts in `violations`):
//   - a permanent route (even index, never deleted) is always found
//     (`permanent_misses`), and every route found has its own interface
//     (`wrong_iface`);
//   - no freed entry or array is read (poison marker, `poisoned_seen`): the
//     book's `if (READ_ONCE(rep->re_freed)) abort();`.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"

namespace rculab {

inline const workload_descriptor& describe_route_table() {
  static const workload_descriptor d{
      .name = "route_table",
      .summary = "perfbook's Pre-BSD routing table: lookups in a short route list under RCU vs a global lock "
                 "vs a whole-table copy, updaters deleting and re-adding routes",
      .needs_updates = true,
      .params = {{"readers", {}, "lookup threads (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {1}, "threads deleting and re-adding routes flat out (--updaters)", {0}},
                 {"variant", {}, "how lookups and updates are synchronized"},
                 {"routes", {10, 100}, "routes in the table (even indexes permanent, odd ones toggled)"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"rcu", true, "RCU: linked list (route_rcu)"},
                   {"lock", false, "global lock (lookups and updates)"},
                   {"copy", true, "RCU: whole table copied per update"},
                   {"refcnt", false, "reference count per entry, hand over hand (route_refcnt)"},
                   {"hazptr", false, "hazard pointers, hand over hand (route_hazptr)"}},
      .counters = {{"permanent_misses", "lookups", "permanent routes not found (never deleted: a violation)"},
                   {"wrong_iface", "lookups", "routes found with an interface not their own"},
                   {"poisoned_seen", "entries", "freed entries or table copies a lookup read"},
                   {"pending_peak", "entries", "peak deleted entries (or table copies) waiting for reclamation"},
                   {"throttled", "waits", "updater waits for reclamation to catch up"},
                   {"routes", "routes", "the routes parameter"}},
      .checks = {"permanent_misses", "wrong_iface", "poisoned_seen"},
      .headline = "reads_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace route_table_detail {

inline constexpr uint64_t kLookupBatch = 256;
// One toggle per batch: under an oversubscribed lock a toggle can wait for
// many preempted readers, and each window must still see the updaters' progress.
inline constexpr uint64_t kUpdateBatch = 1;
inline constexpr size_t kMaxRoutes = 100;           // the largest `routes` level
inline constexpr uint64_t kMaxPending = 1u << 14;  // retired, not yet freed (entries or arrays)

enum class variant { rcu, lock, copy, refcnt, hazptr };

// Route i: 10.(i/256).(i%256).0 -> an interface derived from the address
// (never 0, so an entry read before its fields were set shows).
inline uint32_t address_of(uint32_t i) { return 0x0a00'0000u | (i << 8); }
inline uint32_t iface_of(uint32_t addr) { return 1 + ((addr >> 8) * 2654435761u >> 27); }
inline bool permanent(uint32_t i) { return i % 2 == 0; }

// A test-only backend may ask for the insert bug the miss and interface
// checks exist for: publishing an entry before its interface and link are set.
template <Backend B>
constexpr bool broken_insert() {
  if constexpr (requires { B::kBreakRouteInsert; }) return B::kBreakRouteInsert;
  return false;
}

// Test-only: a backend may ask for broken reclamation in the variants that
// do not use it, to show their poison check fires: refcnt retires a deleted
// entry at once, whoever holds it; hazptr's scan frees what readers hold.
template <Backend B>
constexpr bool broken_reclaim() {
  if constexpr (requires { B::kBreakRouteReclaim; }) return B::kBreakRouteReclaim;
  return false;
}

// route_rcu.c's struct route_entry (the freed flag is the poison marker).
struct route {
  std::atomic<uint64_t> marker{kAlive};
  uint32_t addr = 0;
  // Atomic (relaxed: a plain load on x86) only because the broken insert
  // sets it after publication; correct inserts set it before.
  std::atomic<uint32_t> iface{0};
  std::atomic<route*> next{nullptr};
  // variant:refcnt: the list's reference plus one per reader holding it; 0
  // once retired (never raised again).
  std::atomic<int64_t> refs{1};
  rcu_head head;
  bool alive() const noexcept { return marker.load(std::memory_order_relaxed) == kAlive; }
  static route* from_head(rcu_head* h) {
    return reinterpret_cast<route*>(reinterpret_cast<char*>(h) - offsetof(route, head));
  }
};

// variant:hazptr: a deleted entry's link points here, so a reader standing on
// it restarts from the head instead of following a link that no longer
// proves its successor is in the list (route_hazptr.c's HAZPTR_POISON).
inline route unlinked_mark;

// variant:hazptr: one reader's two hazard pointers (the entry it stands on
// and the next), a cache line of their own.
struct alignas(64) hazard_pair {
  std::atomic<route*> slot[2] = {nullptr, nullptr};
};

// variant:copy: the whole table, immutable once published.
struct route_array {
  struct entry {
    uint32_t addr, iface;
  };
  std::atomic<uint64_t> marker{kAlive};
  size_t count = 0;
  entry entries[kMaxRoutes];
  rcu_head head;
  bool alive() const noexcept { return marker.load(std::memory_order_relaxed) == kAlive; }
  static route_array* from_head(rcu_head* h) {
    return reinterpret_cast<route_array*>(reinterpret_cast<char*>(h) - offsetof(route_array, head));
  }
};

struct shared {
  variant v = variant::rcu;
  uint32_t routes = 0;
  basic_reclaim_ledger<route> entries;
  basic_reclaim_ledger<route_array> arrays;
  // perfbook's routelock: updaters of every variant; variant:lock's readers too.
  std::mutex lock;
  std::atomic<route*> first{nullptr};       // rcu, lock
  std::atomic<route_array*> table{nullptr};  // copy
  std::atomic<uint64_t> linked{0};           // entries in the list
  std::atomic<uint64_t> permanent_misses{0}, wrong_iface{0}, poisoned_seen{0};
  std::atomic<uint64_t> pending_peak{0}, throttled{0};
  // variant:refcnt: retired entries, kept (poisoned) until the run ends;
  // variant:hazptr: what the updaters still held when they stopped.
  std::mutex parked_mu;
  std::vector<route*> parked;  // guarded by parked_mu
  std::atomic<uint64_t> parked_count{0};
  // variant:hazptr: a pair per reader.
  std::unique_ptr<hazard_pair[]> hazards;
  unsigned hazard_readers = 0;

  ~shared() {
    for (route* r = first.load(); r;) {
      route* next = r->next.load();
      delete r;
      r = next;
    }
    for (route* r : parked) delete r;
    delete table.load();
  }
  // Retired entries or arrays not yet freed.
  uint64_t pending() const noexcept {
    if (v == variant::copy) return arrays.outstanding() - 1;  // less the published one
    // Read apart from a concurrent add (made, then linked): never below 0.
    const uint64_t made = entries.outstanding(), gone = linked.load(std::memory_order_relaxed) +
                                                      (v == variant::refcnt ? parked_count.load() : 0);
    return made > gone ? made - gone : 0;
  }
  void park(route* r) {
    r->marker.store(kPoisoned, std::memory_order_relaxed);
    std::lock_guard guard(parked_mu);
    parked.push_back(r);
    parked_count.fetch_add(1, std::memory_order_relaxed);
  }
};

template <class Tag>
using run_state = active_run<shared, Tag>;

template <class Tag>
void free_route(rcu_head* h) {
  run_state<Tag>::current->entries.poison_and_free(route::from_head(h));
}

template <class Tag>
void free_array(rcu_head* h) {
  run_state<Tag>::current->arrays.poison_and_free(route_array::from_head(h));
}

// route_add: links a fresh entry for addr at the head (lock held).
template <Backend B>
void add_locked(shared& s, uint32_t addr) {
  route* r = s.entries.make();
  r->addr = addr;
  route* first = s.first.load(std::memory_order_relaxed);
  if constexpr (broken_insert<B>()) {
    // The bug: published before its interface and link are set. A lookup in
    // between sees a one-entry table with no interface. The pause (~10 us)
    // widens the window so that the self-test sees it in its first run.
    rcu_assign_pointer(s.first, r);
    keep(spin_iterations(10'000));
    r->iface.store(iface_of(addr), std::memory_order_relaxed);
    r->next.store(first, std::memory_order_relaxed);
  } else {
    r->iface.store(iface_of(addr), std::memory_order_relaxed);
    r->next.store(first, std::memory_order_relaxed);
    rcu_assign_pointer(s.first, r);  // release: the entry's fields before it
  }
  s.linked.fetch_add(1, std::memory_order_relaxed);
}

// route_del: unlinks addr's entry (lock held); nullptr if absent.
inline route* del_locked(shared& s, uint32_t addr) {
  std::atomic<route*>* link = &s.first;
  for (route* r = link->load(std::memory_order_relaxed); r; r = link->load(std::memory_order_relaxed)) {
    if (r->addr == addr) {
      if (s.v == variant::hazptr) {
        // seq_cst, both: ordered before the scan's fence (scan_and_free),
        // against the reader's hazard store and re-read (find_hazard).
        link->store(r->next.load(std::memory_order_relaxed), std::memory_order_seq_cst);
        r->next.store(&unlinked_mark, std::memory_order_seq_cst);
      } else {
        // Readers at r still follow r->next, which stays intact until r is
        // freed. Release: a reader that reaches the successor through this
        // link sees its fields (pairs with rcu_dereference in find_in_list).
        link->store(r->next.load(std::memory_order_relaxed), std::memory_order_release);
      }
      s.linked.fetch_sub(1, std::memory_order_relaxed);
      return r;
    }
    link = &r->next;
  }
  return nullptr;
}

// variant:refcnt: a reference on r unless its count already reached 0.
inline bool try_get(route* r) {
  int64_t count = r->refs.load(std::memory_order_relaxed);
  do {
    if (count <= 0) return false;  // retired: the reader restarts from the head
  } while (!r->refs.compare_exchange_weak(count, count + 1, std::memory_order_acquire,
                                          std::memory_order_relaxed));
  return true;
}

// variant:refcnt: drops a reference; the last one retires the entry.
// acq_rel: every holder's reads of r happen before the retirement.
inline void put(shared& s, route* r) {
  if (r->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) s.park(r);
}

// What one lookup saw, checked after the section.
struct lookup {
  bool found = false;
  uint32_t iface = 0;
};

// route_lookup on the list, inside the caller's section or lock.
inline lookup find_in_list(const shared& s, uint32_t addr, uint64_t& poisoned) {
  for (const route* r = rcu_dereference(s.first); r; r = rcu_dereference(r->next)) {
    if (r->addr == addr) {
      const lookup found{true, r->iface.load(std::memory_order_relaxed)};
      poisoned += !r->alive();  // after the reads it guards
      return found;
    }
    poisoned += !r->alive();
  }
  return {};
}

// The lookup on the published copy, inside the caller's section.
inline lookup find_in_copy(const shared& s, uint32_t addr, uint64_t& poisoned) {
  const route_array* a = rcu_dereference(s.table);  // pairs with rcu_assign_pointer in toggle_copy
  lookup result;
  for (size_t k = 0; k < a->count; ++k) {
    if (a->entries[k].addr == addr) {
      result = {true, a->entries[k].iface};
      break;
    }
  }
  poisoned += !a->alive();  // last: the window spans the whole search
  return result;
}

// variant:refcnt: route_lookup with a reference on each entry it reads, the
// previous one held until the next is (so its link stays readable).
inline lookup find_counted(shared& s, uint32_t addr, uint64_t& poisoned) {
  for (;;) {  // one pass from the head; a retired entry on the way restarts it
    route* held = nullptr;
    std::atomic<route*>* link = &s.first;
    bool restart = false;
    while (!restart) {
      // acquire: pairs with the release in add_locked/del_locked (the fields).
      route* r = link->load(std::memory_order_acquire);
      if (r == nullptr || !try_get(r)) {
        if (held) put(s, held);
        if (r == nullptr) return {};
        restart = true;
        continue;
      }
      if (held) put(s, held);
      held = r;
      poisoned += !r->alive();
      if (r->addr == addr) {
        const lookup found{true, r->iface.load(std::memory_order_relaxed)};
        put(s, r);
        return found;
      }
      link = &r->next;
    }
  }
}

// variant:hazptr: route_lookup protecting each entry before reading it.
inline lookup find_hazard(shared& s, hazard_pair& hp, uint32_t addr, uint64_t& poisoned) {
  lookup result;
  for (bool restart = true; restart;) {
    restart = false;
    std::atomic<route*>* link = &s.first;
    for (unsigned hop = 0;; ++hop) {
      route* r = link->load(std::memory_order_acquire);
      if (r == &unlinked_mark) {  // standing on a deleted entry
        restart = true;
        break;
      }
      if (r == nullptr) break;
      std::atomic<route*>& mine = hp.slot[hop % 2];  // the other slot still holds the entry of `link`
      // seq_cst store, then seq_cst re-read: the full fence of route_hazptr.c.
      // Pairs with del_locked's seq_cst stores and scan_and_free's fence:
      // either the re-read sees r unlinked, or the scan sees this hazard.
      mine.store(r, std::memory_order_seq_cst);
      if (link->load(std::memory_order_seq_cst) != r) {
        restart = true;
        break;
      }
      poisoned += !r->alive();
      if (r->addr == addr) {
        result = {true, r->iface.load(std::memory_order_relaxed)};
        break;
      }
      link = &r->next;
    }
  }
  hp.slot[0].store(nullptr, std::memory_order_release);  // release: our reads before the scan frees it
  hp.slot[1].store(nullptr, std::memory_order_release);
  return result;
}

// variant:hazptr: frees the retired entries no reader's hazard pointer holds;
// keeps the rest for the next scan.
inline void scan_and_free(shared& s, std::vector<route*>& retired, bool ignore_hazards = false) {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // after del_locked's unlink: pairs with find_hazard
  std::vector<route*> held;
  if (ignore_hazards) {  // test-only (broken_reclaim)
    for (route* r : retired) s.entries.poison_and_free(r);
    retired.clear();
    return;
  }
  for (unsigned i = 0; i < s.hazard_readers; ++i)
    for (std::atomic<route*>& slot : s.hazards[i].slot)
      if (route* r = slot.load(std::memory_order_acquire)) held.push_back(r);  // acquire: pairs with the clear
  std::sort(held.begin(), held.end());
  std::vector<route*> kept;
  for (route* r : retired) {
    if (std::binary_search(held.begin(), held.end(), r)) kept.push_back(r);
    else s.entries.poison_and_free(r);
  }
  retired.swap(kept);
}

template <Backend B>
lookup find(shared& s, unsigned reader_index, uint32_t addr, uint64_t& poisoned) {
  switch (s.v) {
    case variant::lock: {
      std::lock_guard guard(s.lock);
      return find_in_list(s, addr, poisoned);
    }
    case variant::copy: {
      read_guard<B> section;
      return find_in_copy(s, addr, poisoned);
    }
    case variant::refcnt:
      return find_counted(s, addr, poisoned);
    case variant::hazptr:
      return find_hazard(s, s.hazards[reader_index], addr, poisoned);
    case variant::rcu:
      break;
  }
  read_guard<B> section;
  return find_in_list(s, addr, poisoned);
}

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  key_picker rng(3000 + ctx.index_in_role());
  ctx.start();
  do {
    uint64_t poisoned = 0, misses = 0, wrong = 0;
    for (uint64_t k = 0; k < kLookupBatch; ++k) {
      const uint32_t i = rng.below(s.routes);
      const uint32_t addr = address_of(i);
      const lookup l = find<B>(s, ctx.index_in_role(), addr, poisoned);
      misses += !l.found && permanent(i);
      wrong += l.found && l.iface != iface_of(addr);
    }
    if (poisoned || misses || wrong) {
      ctx.violation();
      s.poisoned_seen.fetch_add(poisoned, std::memory_order_relaxed);
      s.permanent_misses.fetch_add(misses, std::memory_order_relaxed);
      s.wrong_iface.fetch_add(wrong, std::memory_order_relaxed);
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kLookupBatch));
}

// variant:copy: publishes a copy of the table with addr removed if present,
// added if absent (lock held); returns the replaced array.
inline route_array* toggle_copy_locked(shared& s, uint32_t addr) {
  route_array* old = s.table.load(std::memory_order_relaxed);
  route_array* fresh = s.arrays.make();
  bool removed = false;
  for (size_t k = 0; k < old->count; ++k) {
    if (old->entries[k].addr == addr) removed = true;
    else fresh->entries[fresh->count++] = old->entries[k];
  }
  if (!removed) fresh->entries[fresh->count++] = {addr, iface_of(addr)};
  rcu_assign_pointer(s.table, fresh);  // release: the copy's entries before it
  return old;
}

// Deletes addr's route if present, adds it if absent; variant:hazptr's
// deleted entries go to the updater's `retired`.
template <Backend B>
void toggle(shared& s, uint32_t addr, std::vector<route*>& retired) {
  if (s.v == variant::copy) {
    route_array* old;
    {
      std::lock_guard guard(s.lock);
      old = toggle_copy_locked(s, addr);
    }
    B::call(&old->head, &free_array<B>);
    return;
  }
  route* removed;
  {
    std::lock_guard guard(s.lock);
    removed = del_locked(s, addr);
    if (!removed) add_locked<B>(s, addr);
  }
  if (!removed) return;
  switch (s.v) {
    case variant::lock:
      s.entries.poison_and_free(removed);  // readers hold the lock: none can still reach it
      return;
    case variant::refcnt:
      if constexpr (broken_reclaim<B>()) s.park(removed);  // the bug: retired under its readers
      else put(s, removed);                                 // the list's reference
      return;
    case variant::hazptr:
      retired.push_back(removed);
      if (broken_reclaim<B>() || retired.size() >= 2 * 2 * s.hazard_readers + 64)
        scan_and_free(s, retired, broken_reclaim<B>());
      return;
    default:
      B::call(&removed->head, &free_route<B>);
  }
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // it blocks on the lock and when throttled
  key_picker rng(4000 + ctx.index_in_role());
  const uint32_t volatile_routes = s.routes / 2;  // odd indexes
  std::vector<route*> retired;  // variant:hazptr
  ctx.start();
  do {
    for (uint64_t k = 0; k < kUpdateBatch; ++k)
      toggle<B>(s, address_of(2 * rng.below(volatile_routes) + 1), retired);
    note_peak_and_throttle([&s] { return s.pending(); }, kMaxPending, s.pending_peak, s.throttled);
  } while (ctx.next_batch(kUpdateBatch));
  std::lock_guard guard(s.parked_mu);  // still held by a reader perhaps: freed with the run
  s.parked.insert(s.parked.end(), retired.begin(), retired.end());
}

// Every route present: the list holds 0, 1, ..., routes-1 in that order.
template <Backend B>
void fill(shared& s) {
  if (s.v == variant::copy) {
    route_array* a = s.arrays.make();
    for (uint32_t i = 0; i < s.routes; ++i) a->entries[a->count++] = {address_of(i), iface_of(address_of(i))};
    s.table.store(a);
    return;
  }
  for (uint32_t i = s.routes; i-- > 0;) add_locked<B>(s, address_of(i));
}

}  // namespace route_table_detail

template <Backend B>
void register_route_table(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace route_table_detail;
  // The user's updater counts (default 1), then 0: the book's read-only run.
  const workload_descriptor& d = describe_route_table();
  for (const rescue_point& p : rescue_points(o, d, B::kName)) {
    register_point(p.name, [o, &d, readers = p.readers, updaters = p.updaters, v = variant(p.variant),
                            routes = uint32_t(p.size)](benchmark::State& state) {
      static_assert(kMaxRoutes >= 100);
      shared s;
      s.v = v;
      s.routes = routes;
      s.hazard_readers = readers;
      s.hazards = std::make_unique<hazard_pair[]>(readers);
      fill<B>(s);
      run_state<B>::current = &s;
      auto [run, stats] = run_rescue<B>(o, readers, updaters, [&](thread_ctx& c) { reader<B>(c, s); },
                                        [&](thread_ctx& c) { updater<B>(c, s); });
      const uint64_t unreclaimed = s.pending();
      registered_barrier<B>();  // deleted entries' callbacks, before the ledgers go away
      report_run(state, run, stats, unreclaimed);
      report_counters(state, d,
                      {{"permanent_misses", s.permanent_misses}, {"wrong_iface", s.wrong_iface},
                       {"poisoned_seen", s.poisoned_seen}, {"pending_peak", s.pending_peak},
                       {"throttled", s.throttled}, {"routes", routes}});
    });
  }
}

}  // namespace rculab
