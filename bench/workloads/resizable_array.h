// resizable_array: readers index an array that an updater keeps resizing.
// From perfbook "RCU Rescues: Array and Length" and QEMU docs/devel/rcu.rst
// "RCU resizable arrays" (struct arr { size; data[] }, grow by 2x, memcpy,
// publish, synchronize_rcu, free).
//
// Readers pick a random index below the length they see and read that
// element, one read-side section per access. One updater resizes back to
// back, doubling from len/8 up to `len` and halving back down, copying the
// elements it keeps.
//   variant:rcu     length and elements in one published structure (the
//                   book's fix): a reader's bound and elements come from the
//                   same snapshot; the old one is freed after a grace period.
//   variant:split   length and pointer published separately with release/
//                   acquire (the book's fragile alternative), kept correct by
//                   ordering and two grace periods: growing publishes the
//                   pointer, waits, then the length; shrinking publishes the
//                   length, waits, then the pointer, and waits again before
//                   freeing. Without those waits a reader pairs a length
//                   with an array it does not fit.
//   variant:rwlock  length and pointer under the workload's reader-writer
//                   lock; the old array is freed at once.
// Measured: reads (reader_ops) vs readers, resizes (updater_ops), and bytes
// unpublished but not yet freed integrated over time (`pending_byte_ns`;
// divided by wall_ns: the average bytes waiting for reclamation). The chart should show
// RCU's reads flat in the updater's presence and the rwlock's falling; the
// split variant pays a second grace period per resize.
// Invariant, checked on every access: the index is within the array it is
// applied to (every array has room for `len` elements, and the ones past its
// length hold kBeyond, so a stale bound reads that marker instead of another
// allocation: counted in `oob_reads`), the element holds what its index says,
// and the array was not freed (poison, `freed_reads`). Both count in
// `violations`.
#pragma once

#include <pthread.h>

#include <algorithm>
#include <vector>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"

namespace rculab {

inline const workload_descriptor& describe_resizable_array() {
  static const workload_descriptor d{
      .name = "resizable_array",
      .summary = "random indexed reads while resized: length inside the RCU array vs apart vs rwlock",
      .needs_updates = true,
      .params = {{"readers", {}, "reading threads (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {}, "one thread resizing back to back, whatever --updaters says", {1}},
                 {"variant", {}, "where the length lives and how reads are synchronized with resizes"},
                 {"len", {64, 4096}, "elements the array grows to (it resizes between len/8 and len)"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"rcu", true, "RCU: length inside the array (the fix)"},
                   {"split", true, "RCU: length and pointer apart, 2 GPs"},
                   {"rwlock", false, "rwlock around length and pointer"}},
      .counters = {{"oob_reads", "reads", "reads past the length of the array they indexed"},
                   {"freed_reads", "reads", "reads of a freed array"},
                   {"pending_byte_ns", "byte-ns", "bytes unpublished but not yet freed, integrated over time"},
                   {"len", "elements", "the len parameter"}},
      .checks = {"oob_reads", "freed_reads"},
      .metrics = {{"pending_bytes_avg", "bytes awaiting reclamation (time average)", "bytes", false, "share",
                   "pending_byte_ns", "wall_ns"}},
      .headline = "reads_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace resizable_array_detail {

inline constexpr uint64_t kReadBatch = 1024;
inline constexpr uint64_t kBeyond = 0xbe70'0d00'0000'0000ULL;

enum class variant { rcu, split, rwlock };

// QEMU's struct arr, with room for `capacity` elements whatever its size.
struct array_block {
  array_block(size_t size, size_t capacity) : size(size), data(capacity, kBeyond) {}
  std::atomic<uint64_t> marker{kAlive};
  size_t size;
  std::vector<uint64_t> data;  // data[i] = i + 1 below size, kBeyond past it
  size_t bytes() const noexcept { return sizeof(*this) + data.size() * sizeof(uint64_t); }
};

struct shared {
  variant v = variant::rcu;
  size_t capacity = 0;
  std::atomic<array_block*> arr{nullptr};  // rcu and rwlock: the array with its length
  std::atomic<size_t> len{0};              // split: the length alone
  pthread_rwlock_t rwlock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
  retired_ring<array_block> ring;
  std::atomic<uint64_t> oob_reads{0}, freed_reads{0}, pending_byte_ns{0};
};

// An index below n from a xorshift state (multiply-shift, no division).
inline size_t pick(uint64_t& x, size_t n) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return size_t((uint64_t(uint32_t(x)) * n) >> 32);
}

struct access_check {
  uint64_t oob = 0, freed = 0;
  // Element i of a, read under a bound of n: within bounds, intact, live.
  void element(const array_block* a, size_t i) {
    const uint64_t v = a->data[i];
    oob += v != i + 1;  // kBeyond: past the array's length
    freed += !live(a);  // last: the window spans the whole access
  }
};

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  ctx.start();
  uint64_t x = 0x9e3779b97f4a7c15ULL ^ (uint64_t(ctx.index_in_role()) << 32);
  access_check check;
  do {
    for (uint64_t k = 0; k < kReadBatch; ++k) {
      if (s.v == variant::rwlock) {
        pthread_rwlock_rdlock(&s.rwlock);
        const array_block* a = s.arr.load(std::memory_order_relaxed);  // written under the write lock
        check.element(a, pick(x, a->size));
        pthread_rwlock_unlock(&s.rwlock);
      } else if (s.v == variant::split) {
        read_guard<B> section;
        // Acquire loads pair with the updater's release stores; the order
        // of the two is what the grace periods in resize() rely on.
        const size_t n = s.len.load(std::memory_order_acquire);
        const array_block* a = rcu_dereference(s.arr);
        check.element(a, pick(x, n));
      } else {
        read_guard<B> section;
        const array_block* a = rcu_dereference(s.arr);  // bound and data: one snapshot
        check.element(a, pick(x, a->size));
      }
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kReadBatch));
  if (check.oob || check.freed) ctx.violation();
  s.oob_reads.fetch_add(check.oob);
  s.freed_reads.fetch_add(check.freed);
}

// A copy of `from` resized to n (QEMU: allocate, memcpy, fill the rest).
inline array_block* resized(shared& s, const array_block& from, size_t n) {
  array_block* a = s.ring.make(n, s.capacity);
  const size_t kept = std::min(n, from.size);
  std::copy(from.data.begin(), from.data.begin() + kept, a->data.begin());
  for (size_t i = kept; i < n; ++i) a->data[i] = i + 1;
  return a;
}

template <Backend B>
void resize(shared& s, size_t n) {
  array_block* old = s.arr.load(std::memory_order_relaxed);  // one updater
  array_block* fresh = resized(s, *old, n);
  uint64_t unpublished_at = 0;  // when `old` stopped being reachable for new readers
  switch (s.v) {
    case variant::rwlock:
      pthread_rwlock_wrlock(&s.rwlock);
      s.arr.store(fresh, std::memory_order_relaxed);
      pthread_rwlock_unlock(&s.rwlock);  // no reader holds `old` past this
      unpublished_at = now_ns();
      break;
    case variant::rcu:
      rcu_assign_pointer(s.arr, fresh);  // pairs with rcu_dereference in reader
      unpublished_at = now_ns();
      B::synchronize();
      break;
    case variant::split:
      if (n > old->size) {  // grow: the room first, then the bound
        rcu_assign_pointer(s.arr, fresh);
        unpublished_at = now_ns();
        B::synchronize();  // every reader that can see the new length sees the new array
        s.len.store(n, std::memory_order_release);
      } else {  // shrink: the bound first, then the array
        s.len.store(n, std::memory_order_release);
        B::synchronize();  // every reader that can see the new array sees the new length
        rcu_assign_pointer(s.arr, fresh);
        unpublished_at = now_ns();
        B::synchronize();  // no reader still uses `old`
      }
      break;
  }
  s.pending_byte_ns.fetch_add(old->bytes() * (now_ns() - unpublished_at), std::memory_order_relaxed);
  s.ring.retire(old);
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  offline_scope<B> offline;
  const size_t smallest = std::max<size_t>(1, s.capacity / 8);
  size_t n = s.arr.load()->size;
  bool growing = true;
  ctx.start();
  do {
    if (growing && n * 2 > s.capacity) growing = false;
    if (!growing && n / 2 < smallest) growing = true;
    n = growing ? n * 2 : n / 2;
    resize<B>(s, n);
  } while (ctx.next_batch(1));
}

}  // namespace resizable_array_detail

template <Backend B>
void register_resizable_array(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace resizable_array_detail;
  const workload_descriptor& d = describe_resizable_array();
  // One updater whatever --updaters says: the descriptor's `always` level alone.
  for (const rescue_point& p : rescue_points(o, d, B::kName)) {
    register_point(p.name, [o, &d, readers = p.readers, v = variant(p.variant),
                            len = size_t(p.size)](benchmark::State& state) {
      shared s;
      s.v = v;
      s.capacity = len;
      array_block* first = s.ring.make(len / 8 ? len / 8 : 1, len);
      for (size_t i = 0; i < first->size; ++i) first->data[i] = i + 1;
      s.arr.store(first);
      s.len.store(first->size);
      const auto [run, stats] = run_rescue<B>(o, readers, 1, [&](thread_ctx& c) { reader<B>(c, s); },
                                              [&](thread_ctx& c) { updater<B>(c, s); });
      report_run(state, run, stats, s.ring.outstanding() - 1);  // less the published one
      report_counters(state, d,
                      {{"oob_reads", s.oob_reads}, {"freed_reads", s.freed_reads},
                       {"pending_byte_ns", s.pending_byte_ns}, {"len", len}});
      s.ring.retire(s.arr.load());
    });
  }
}

}  // namespace rculab
