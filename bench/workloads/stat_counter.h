// stat_counter: per-thread statistical counters whose threads come and go.
// From perfbook "RCU Rescues: Per-Thread-Variable-Based Statistical
// Counters" (CodeSamples/count/count_end.c vs count_end_rcu.c).
//
// Each counting thread ("updater" role) increments a counter only it writes
// (perfbook's _Thread_local `counter`; here a heap object, so its end of life
// can be poisoned) and, after `life` increments, exits: it folds its count
// into the total of exited threads and drops its slot. Then it starts a new
// life (registers a fresh counter): threads exit and start throughout the run.
// Readers ("reader" role) sum the total plus every live thread's counter.
//   variant:rcu   read_count() is an RCU reader over a published countarray
//                 {total, slots}; an exit copies the array (lock held), folds
//                 its count, publishes the copy, releases the lock, waits a
//                 grace period and frees the old array and its counter.
//                 Registration fills a free slot of the current array in
//                 place (the book's Quick Quiz: a new counter starts at 0); a
//                 full array is copied into one twice as big (no thread limit).
//   variant:lock  count_end.c: read_count() sums under the global lock that
//                 registration and exit take; nothing is copied or deferred.
// Measured: reads (read_count calls) and their cost vs readers, increments
// (updater_ops: inc ns), exits in the window (`exits`) and the exit latency
// (lat_*: unregister including its grace period). The chart should show the
// lock variant's reads collapse as readers are added while RCU's stay flat,
// with exit latency (one grace period) as RCU's price.
// Invariant, checked while the run goes on: no reader reads a freed array or
// counter (poison marker), and each reader's successive sums never decrease;
// after the run (every life ended) read_count() equals the increments made,
// exactly. Any failure counts in `violations`; `count_error` is the final
// absolute difference.
#pragma once

#include <algorithm>
#include <mutex>
#include <vector>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"
#include "impls/core/barrier.h"

namespace rculab {

inline const workload_descriptor& describe_stat_counter() {
  static const workload_descriptor d{
      .name = "stat_counter",
      .summary = "per-thread counters summed under RCU vs a global lock, counting threads exiting throughout",
      .needs_updates = true,
      .params = {{"readers", {}, "threads calling read_count() (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {2}, "counting threads, each exiting and starting again (--updaters)"},
                 {"variant", {}, "how read_count() is synchronized with registration and exit"},
                 {"life", {1000, 100'000}, "increments per counting thread's life, then it exits"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"rcu", true, "RCU (count_end_rcu)"}, {"lock", false, "global lock (count_end)"}},
      .counters = {{"exits", "exits", "counting-thread exits inside the window"},
                   {"count_final", "increments", "read_count() after the run, every life ended"},
                   {"count_error", "increments", "|count_final - increments made|: must be 0"},
                   {"array_grows", "copies", "countarray copies into one twice as big (registration, full array)"},
                   {"life", "increments", "the life parameter"}},
      .checks = {"count_error"},
      .metrics = {{"exits_per_s", "thread exits", "exits/s", true, "rate", "exits"}},
      .headline = "reads_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace stat_counter_detail {

inline constexpr uint64_t kReadBatch = 64;
inline constexpr uint64_t kIncBatch = 1024;
inline constexpr size_t kInitialSlots = 4;

// perfbook's per-thread `counter`, on its own cache line.
struct alignas(kCacheLine) thread_counter {
  std::atomic<uint64_t> marker{kAlive};
  std::atomic<uint64_t> count{0};  // written by its thread only (WRITE_ONCE)
};

// perfbook's struct countarray, with as many slots as it needs.
struct countarray {
  explicit countarray(size_t n) : slots(n) {}
  std::atomic<uint64_t> marker{kAlive};
  uint64_t total = 0;  // counts of exited threads; immutable once published (rcu)
  std::vector<std::atomic<thread_counter*>> slots;
};

enum class variant { rcu, lock };

// A test-only backend may ask for the exit bug the final-sum check exists
// for: an exit that drops its thread's counter without folding its count
// into the total (count_end.c's unregister_thread() minus its
// `finalcount += counter`).
template <Backend B>
constexpr bool forgets_exit_count() {
  if constexpr (requires { B::kBreakCounterExit; }) return B::kBreakCounterExit;
  return false;
}

struct shared {
  variant v = variant::rcu;
  std::mutex final_mutex;               // perfbook's final_mutex
  std::atomic<countarray*> current{nullptr};
  retired_ring<countarray> arrays;
  retired_ring<thread_counter> counters;
  std::atomic<uint64_t> increments{0};  // added by each life at its exit
  std::atomic<uint64_t> exits_in_window{0};
  std::atomic<uint64_t> grows{0};
};

// New array of `n` slots with `from`'s total and slots (lock held).
inline countarray* copy_of(shared& s, const countarray& from, size_t n) {
  countarray* a = s.arrays.make(n);
  a->total = from.total;
  for (size_t i = 0; i < from.slots.size(); ++i)
    a->slots[i].store(from.slots[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
  return a;
}

// The sum; sets `freed_seen` when an array or counter it read was retired.
inline uint64_t sum_of(const countarray* a, bool& freed_seen) {
  uint64_t sum = a->total;
  for (const auto& slot : a->slots) {
    // Acquire pairs with the release store in register_counter: a counter
    // seen in a slot is seen initialized (marker, count 0).
    const thread_counter* c = slot.load(std::memory_order_acquire);
    if (!c) continue;
    sum += c->count.load(std::memory_order_relaxed);  // READ_ONCE
    freed_seen |= !live(c);                           // after the read it guards
  }
  freed_seen |= !live(a);  // last: the window spans the whole scan
  return sum;
}

template <Backend B>
uint64_t read_count(shared& s, bool& freed_seen) {
  if (s.v == variant::lock) {
    std::lock_guard lock(s.final_mutex);
    return sum_of(s.current.load(std::memory_order_relaxed), freed_seen);
  }
  read_guard<B> section;
  return sum_of(rcu_dereference(s.current), freed_seen);
}

// Replaces the published array with `fresh` (lock held); returns the old one.
inline countarray* publish(shared& s, countarray* fresh) {
  countarray* old = s.current.load(std::memory_order_relaxed);
  rcu_assign_pointer(s.current, fresh);  // pairs with rcu_dereference in read_count
  return old;
}

template <Backend B>
thread_counter* register_counter(shared& s) {
  thread_counter* c = s.counters.make();
  countarray* old = nullptr;
  {
    std::lock_guard lock(s.final_mutex);
    countarray* a = s.current.load(std::memory_order_relaxed);
    for (auto& slot : a->slots) {
      if (!slot.load(std::memory_order_relaxed)) {
        // Release pairs with the acquire in sum_of: readers of this array
        // see the counter's initialization. In place: it starts at 0.
        slot.store(c, std::memory_order_release);
        return c;
      }
    }
    countarray* bigger = copy_of(s, *a, a->slots.size() * 2);
    bigger->slots[a->slots.size()].store(c, std::memory_order_relaxed);  // published below
    s.grows.fetch_add(1, std::memory_order_relaxed);
    if (s.v == variant::lock) {
      s.current.store(bigger, std::memory_order_relaxed);  // readers hold the lock
      s.arrays.retire(a);
      return c;
    }
    old = publish(s, bigger);
  }
  B::synchronize();  // readers of the old array are done with it
  s.arrays.retire(old);
  return c;
}

template <Backend B>
void unregister_counter(shared& s, thread_counter* c, uint64_t made) {
  s.increments.fetch_add(made, std::memory_order_relaxed);
  std::unique_lock lock(s.final_mutex);
  countarray* a = s.current.load(std::memory_order_relaxed);
  countarray* fresh = s.v == variant::lock ? a : copy_of(s, *a, a->slots.size());
  if constexpr (!forgets_exit_count<B>())
    fresh->total += c->count.load(std::memory_order_relaxed);  // our own count: exact
  for (auto& slot : fresh->slots)
    if (slot.load(std::memory_order_relaxed) == c) slot.store(nullptr, std::memory_order_relaxed);
  if (s.v == variant::lock) {
    lock.unlock();
    s.counters.retire(c);  // no reader holds it: they read under the lock
    return;
  }
  countarray* old = publish(s, fresh);
  lock.unlock();
  B::synchronize();  // no reader still sums the old array or our counter
  s.arrays.retire(old);
  s.counters.retire(c);  // the thread's variable goes away with it
}

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  ctx.start();
  uint64_t last = 0;
  do {
    for (uint64_t i = 0; i < kReadBatch; ++i) {
      bool freed_seen = false;
      const uint64_t sum = read_count<B>(s, freed_seen);
      if (freed_seen || sum < last) ctx.violation();
      last = sum;
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kReadBatch));
}

// Lives of `life` increments each, back to back, until the run ends.
template <Backend B>
void counting_thread(thread_ctx& ctx, shared& s, uint64_t life) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // reads nothing under RCU; its exit waits for grace periods
  ctx.start();
  bool running = true;
  while (running) {
    thread_counter* c = register_counter<B>(s);
    uint64_t made = 0;
    while (made < life && running) {
      const uint64_t n = std::min(kIncBatch, life - made);
      for (uint64_t i = 0; i < n; ++i)  // inc_count(): WRITE_ONCE(counter, counter + 1)
        c->count.store(c->count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      made += n;
      running = ctx.next_batch(n);
    }
    const bool in_window = ctx.measuring();
    const uint64_t t0 = now_ns();
    unregister_counter<B>(s, c, made);
    ctx.record_latency(now_ns() - t0);
    if (in_window) s.exits_in_window.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace stat_counter_detail

template <Backend B>
void register_stat_counter(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace stat_counter_detail;
  const workload_descriptor& d = describe_stat_counter();
  for (const rescue_point& p : rescue_points(o, d, B::kName)) {
    register_point(p.name, [o, &d, readers = p.readers, updaters = p.updaters, v = variant(p.variant),
                            life = p.size](benchmark::State& state) {
      shared s;
      s.v = v;
      s.current.store(s.arrays.make(kInitialSlots));
      auto [run, stats] = run_rescue<B>(o, readers, updaters, [&](thread_ctx& c) { reader<B>(c, s); },
                                        [&](thread_ctx& c) { counting_thread<B>(c, s, life); });
      // Every life has ended: the sum must be exactly the increments made.
      uint64_t final_sum;
      bool freed_seen = false;
      {
        thread_scope<B> registered;
        final_sum = read_count<B>(s, freed_seen);
      }
      const uint64_t expected = s.increments.load();
      const uint64_t error = final_sum > expected ? final_sum - expected : expected - final_sum;
      run.violations += (error != 0) + freed_seen;
      const uint64_t unreclaimed = s.arrays.outstanding() - 1 + s.counters.outstanding();
      report_run(state, run, stats, unreclaimed);
      report_counters(state, d,
                      {{"exits", s.exits_in_window}, {"count_final", final_sum}, {"count_error", error},
                       {"array_grows", s.grows}, {"life", life}});
      s.arrays.retire(s.current.load());
    });
  }
}

}  // namespace rculab
