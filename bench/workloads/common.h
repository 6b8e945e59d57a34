// What the workloads share: the published object, reclamation bookkeeping,
// calibrated busy work, and registration of one Google Benchmark point.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench/harness/bench_options.h"
#include "bench/harness/gb_report.h"
#include "bench/harness/run_loop.h"
#include "impls/core/backend.h"

namespace rculab {

inline constexpr uint64_t kAlive = 0xa11'5afe'a11'5afeULL;
inline constexpr uint64_t kPoisoned = 0xdead'dead'dead'deadULL;

// What readers dereference and updaters replace. A reader that finds the
// poison marker saw a freed object: an invariant violation.
struct bench_object {
  // Atomic: with a broken backend a reader reads it while the updater
  // poisons it, and that must be a counted violation, not undefined behaviour.
  std::atomic<uint64_t> marker{kAlive};
  uint64_t value = 1;
  uint64_t enqueued_ns = 0;  // call_rcu latency
  rcu_head head;

  bool alive() const noexcept { return marker.load(std::memory_order_relaxed) == kAlive; }

  static bench_object* from_head(rcu_head* h) {
    return reinterpret_cast<bench_object*>(reinterpret_cast<char*>(h) - offsetof(bench_object, head));
  }
};

// Objects allocated and freed during one run; their difference at the end,
// less the one still published, is memory a backend held back.
//
// "Freeing" poisons the object and parks it in a quarantine ring; the real
// delete happens kQuarantine frees later (or when the ledger goes away). A
// poison store directly followed by delete is a dead store the compiler
// removes (nothing may read a deleted object), and even a kept one would be
// overwritten by the allocator at once; parked, the object stays mapped and
// poisoned, so a reader that a broken grace period left holding it reads
// kPoisoned. The ring is indexed by the freed count, so it costs no shared
// atomic beyond the one the ledger always had.
template <class T>
class basic_reclaim_ledger {
 public:
  static constexpr uint64_t kQuarantine = 1024;

  basic_reclaim_ledger() : quarantine_(new std::atomic<T*>[kQuarantine]) {
    for (uint64_t i = 0; i < kQuarantine; ++i) quarantine_[i].store(nullptr, std::memory_order_relaxed);
  }
  ~basic_reclaim_ledger() {
    for (uint64_t i = 0; i < kQuarantine; ++i) delete quarantine_[i].load(std::memory_order_acquire);
  }
  basic_reclaim_ledger(const basic_reclaim_ledger&) = delete;
  basic_reclaim_ledger& operator=(const basic_reclaim_ledger&) = delete;

  T* make() {
    allocated_.fetch_add(1, std::memory_order_relaxed);
    return new T;
  }
  void poison_and_free(T* o) {
    o->marker.store(kPoisoned, std::memory_order_relaxed);
    const uint64_t ticket = freed_.fetch_add(1, std::memory_order_relaxed);
    // acq_rel: whoever later takes this object out of the slot (and deletes
    // it) sees our poison store and every earlier access of ours.
    delete quarantine_[ticket % kQuarantine].exchange(o, std::memory_order_acq_rel);
  }
  uint64_t allocated() const noexcept { return allocated_.load(std::memory_order_relaxed); }
  uint64_t freed() const noexcept { return freed_.load(std::memory_order_relaxed); }
  uint64_t outstanding() const noexcept { return allocated() - freed(); }

 private:
  std::atomic<uint64_t> allocated_{0};
  std::atomic<uint64_t> freed_{0};
  std::unique_ptr<std::atomic<T*>[]> quarantine_;
};

// The ledger of the workloads' published object. Any T with an atomic
// `marker` (kAlive / kPoisoned) can have its own (hash_scan's list nodes).
using reclaim_ledger = basic_reclaim_ledger<bench_object>;

// The run a call_rcu callback belongs to: a callback gets only its rcu_head.
// One point runs at a time; Shared (the workload's state) and Tag (the
// backend, or a test's broken one) keep workloads and backends apart.
template <class Shared, class Tag>
struct active_run {
  static inline Shared* current = nullptr;
};

// barrier() from a thread registered for it (liburcu's barrier enters
// read-side sections): every callback queued before it, on any thread, has run.
template <Backend B>
void registered_barrier() {
  thread_scope<B> registered;
  B::barrier();
}

// An rcu_head that knows the workload state it belongs to, for callbacks
// that act on that state rather than on an object around the head.
template <class Owner>
struct owned_head {
  rcu_head head;  // first: the callback's pointer converts back to the box
  Owner* owner = nullptr;

  static Owner& owner_of(rcu_head* h) {
    static_assert(std::is_standard_layout_v<owned_head>);
    return *reinterpret_cast<owned_head*>(h)->owner;
  }
};

inline uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Busy work of a calibrated duration, the same instructions on every backend.
// The loop carries a dependency the compiler cannot fold.
inline uint64_t spin_iterations(uint64_t n, uint64_t x = 1) {
  for (uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    asm volatile("" : "+r"(x));
  }
  return x;
}
// Iterations of spin_iterations per nanosecond on this host (measured once).
double spin_iterations_per_ns();
// Time-stamp counter ticks per nanosecond (measured once against the
// steady clock); 0 where there is no TSC to read.
double tsc_ticks_per_ns();

// Picks keys on a read path: one xorshift64 step and a multiply-shift range
// reduction (Lemire), a few cycles. std::minstd_rand and `% n` cost about as
// much as a short lookup and would hide the differences being measured.
class key_picker {
 public:
  explicit key_picker(uint64_t seed) noexcept : x_(seed * 0x9e37'79b9'7f4a'7c15ULL | 1) {}
  uint64_t next() noexcept {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return x_;
  }
  // Uniform in [0, n): the high half of (top 32 bits) x n.
  uint32_t below(uint32_t n) noexcept { return uint32_t(((next() >> 32) * n) >> 32); }

 private:
  uint64_t x_;  // never 0
};

// An updater's back-pressure after an update: notes the peak of retired,
// not yet freed objects (pending()), then yields while there are more than
// `cap` (each wait counted in `throttled`), so reclamation that falls behind
// shows as a backlog and throttled waits instead of exhausting memory.
template <class Pending>
void note_peak_and_throttle(Pending pending, uint64_t cap, std::atomic<uint64_t>& peak,
                            std::atomic<uint64_t>& throttled) {
  const uint64_t now = pending();
  if (now > peak.load(std::memory_order_relaxed)) peak.store(now, std::memory_order_relaxed);
  while (pending() > cap) {
    throttled.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::yield();
  }
}

// Keeps a value alive without a memory access (the loop must not be deleted).
template <class T>
inline void keep(const T& v) {
  asm volatile("" ::"r"(v));
}

// Registers one point: Iterations(1) + manual time; repetitions come from
// --benchmark_repetitions. `run` performs one measured run.
template <class Run>
void register_point(const std::string& name, Run run) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [run](benchmark::State& state) {
                                 for (auto _ : state) {
                                   try {
                                     run(state);
                                   } catch (const std::exception& e) {
                                     state.SkipWithError(e.what());
                                   }
                                 }
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

// The harness options of one run, from the lab's flags.
inline run_options run_options_for(const bench_options& o) {
  run_options ro;
  ro.warmup_seconds = o.warmup_seconds;
  ro.measure_seconds = o.measure_seconds;
  ro.tolerate_bind_failure = o.tolerate_bind_failure;
  ro.helper_policy = o.worker_policy;
  return ro;
}

// Reader counts to sweep: the user's list, or 1..PUs plus 2x and 4x PUs
// (oversubscription: preempted readers are a real RCU case).
std::vector<unsigned> reader_sweep(const bench_options& o);

inline const char* policy_name(placement_policy p) { return to_string(p).data(); }

}  // namespace rculab

namespace rculab {
// The backend's own threads (call_rcu workers) for the harness to time and
// to pin (those the backend binds to a CPU itself stay where they are).
template <Backend B>
std::vector<helper_thread> helper_handles() {
  return B::helper_threads();
}
}  // namespace rculab
