// The torture gate: rcutorture's grace-period pipeline, our own code.
//
// Ten slots; one is current. The updater takes the next slot, initializes
// it (age 0, live payload), publishes it, ages every other slot by one, waits
// for a grace period (alternating synchronize and call_rcu + rcu_barrier) and
// then retires the replaced slot: poisons its payload and marks it freed.
// Readers dereference the current slot inside a nested read-side section,
// do some work, then record the slot's age and whether it was freed.
//
// A slot reaches age 1 when it is replaced and age 2 only after the grace
// period that follows, which must have waited for every reader that could
// still see it. So a correct backend shows ages 0 and 1 only and never a
// freed slot; PASS requires exactly that (and at least one completed update,
// so a gate that exercised nothing cannot pass).
// Pressure: extra updaters hammer synchronize() (grace-period sharing under
// contention), QSBR readers go offline/online periodically, readers may
// outnumber the CPUs (preempted readers).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "impls/core/backend.h"

namespace rculab {

struct torture_config {
  unsigned readers = 4;
  double seconds = 3.0;
  uint64_t seed = 1;
  unsigned extra_updaters = 5;
};

inline constexpr unsigned kTortureSlots = 10;
inline constexpr unsigned kAgeBuckets = kTortureSlots + 1;  // last bucket: >= 10

struct torture_result {
  std::string backend;
  torture_config config;
  double measured_seconds = 0;
  uint64_t reads = 0;
  uint64_t updates = 0;
  uint64_t updates_by_synchronize = 0;
  uint64_t updates_by_call_rcu = 0;
  uint64_t extra_synchronize_calls = 0;
  uint64_t freed_seen = 0;
  std::array<uint64_t, kAgeBuckets> age_histogram{};
  backend_stats stats;

  unsigned max_age() const {
    for (unsigned a = kAgeBuckets; a-- > 0;)
      if (age_histogram[a]) return a;
    return 0;
  }
  uint64_t too_old() const {
    uint64_t n = 0;
    for (unsigned a = 2; a < kAgeBuckets; ++a) n += age_histogram[a];
    return n;
  }
  bool passed() const { return freed_seen == 0 && too_old() == 0 && updates > 0; }
};

namespace torture_detail {

inline constexpr uint64_t kLive = 0x600d'600d'600d'600dULL;
inline constexpr uint64_t kPoison = 0xdead'beef'dead'beefULL;

struct slot {
  std::atomic<uint64_t> age{0};
  std::atomic<int> freed{1};
  // Plain on purpose: written only by the updater while no reader can hold
  // the slot, so a broken grace period is also a data race TSan can see.
  uint64_t payload = kPoison;
  rcu_head head;
};

inline void retire(slot* s) {
  s->payload = kPoison;
  s->freed.store(1, std::memory_order_release);
}

inline void retire_callback(rcu_head* h) {
  retire(reinterpret_cast<slot*>(reinterpret_cast<char*>(h) - offsetof(slot, head)));
}

struct shared_state {
  std::array<slot, kTortureSlots> slots;
  std::atomic<slot*> current{nullptr};
  std::atomic<bool> stop{false};
  std::atomic<unsigned> ready{0};
  std::atomic<bool> go{false};
  std::mutex merge_mu;
  torture_result result;
};

inline uint64_t xorshift(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

inline void start_line(shared_state& st) {
  st.ready.fetch_add(1);
  while (!st.go.load(std::memory_order_acquire)) std::this_thread::yield();
}

template <Backend B>
void reader(shared_state& st, uint64_t seed) {
  thread_scope<B> registered;
  uint64_t rng = seed | 1;
  std::array<uint64_t, kAgeBuckets> hist{};
  uint64_t reads = 0, freed_seen = 0, sink = 0;
  start_line(st);
  for (uint64_t batch = 0; !st.stop.load(std::memory_order_relaxed); ++batch) {
    for (int i = 0; i < 64; ++i) {
      B::read_lock();
      slot* p = rcu_dereference(st.current);
      B::read_lock();  // nested: only the outermost pair may matter
      for (uint64_t w = xorshift(rng) % 64; w > 0; --w) sink += p->payload ^ w;
      const uint64_t age = p->age.load(std::memory_order_relaxed);
      if (p->freed.load(std::memory_order_acquire) || p->payload != kLive) ++freed_seen;
      B::read_unlock();
      B::read_unlock();
      ++hist[age < kAgeBuckets ? age : kAgeBuckets - 1];
      ++reads;
      if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
    }
    if (B::kTraits.needs_quiescent_states && batch % 64 == 63) {
      offline_scope<B> offline;  // an extended quiescent state
      std::this_thread::yield();
    }
  }
  std::lock_guard lock(st.merge_mu);
  for (unsigned a = 0; a < kAgeBuckets; ++a) st.result.age_histogram[a] += hist[a];
  st.result.reads += reads;
  st.result.freed_seen += freed_seen;
  asm volatile("" ::"r"(sink));  // keep the in-section work
}

template <Backend B>
void updater(shared_state& st, uint64_t seed) {
  thread_scope<B> registered;  // liburcu's call_rcu needs a registered caller
  uint64_t rng = seed | 1;
  uint64_t by_sync = 0, by_call = 0;
  unsigned next_index = 1;
  start_line(st);
  while (!st.stop.load(std::memory_order_relaxed)) {
    slot* next = &st.slots[next_index];
    next_index = (next_index + 1) % kTortureSlots;
    next->age.store(0, std::memory_order_relaxed);
    next->freed.store(0, std::memory_order_relaxed);
    next->payload = kLive;
    slot* old = st.current.load(std::memory_order_relaxed);
    rcu_assign_pointer(st.current, next);  // release: initialization before publication
    for (slot& s : st.slots)
      if (&s != next) s.age.fetch_add(1, std::memory_order_relaxed);
    if (xorshift(rng) & 1) {
      B::synchronize();
      retire(old);
      ++by_sync;
    } else {
      B::call(&old->head, &retire_callback);
      offline_scope<B> offline;  // QSBR: do not hold up the grace period we wait for
      B::barrier();
      ++by_call;
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  }
  std::lock_guard lock(st.merge_mu);
  st.result.updates += by_sync + by_call;
  st.result.updates_by_synchronize += by_sync;
  st.result.updates_by_call_rcu += by_call;
}

template <Backend B>
void extra_updater(shared_state& st) {
  thread_scope<B> registered;
  uint64_t calls = 0;
  start_line(st);
  while (!st.stop.load(std::memory_order_relaxed)) {
    B::synchronize();
    ++calls;
  }
  std::lock_guard lock(st.merge_mu);
  st.result.extra_synchronize_calls += calls;
}

}  // namespace torture_detail

template <Backend B>
torture_result run_torture(const torture_config& config) {
  using namespace torture_detail;
  if (!B::kTraits.safe_for_updates)
    throw std::invalid_argument(std::string("backend '") + std::string(B::kName) +
                                "' is not safe for updates; the torture gate needs grace periods");
  if (const std::string why = B::unavailable_reason(); !why.empty())
    throw std::runtime_error(std::string("backend '") + std::string(B::kName) +
                             "' is unavailable here: " + why);

  auto st = std::make_unique<shared_state>();
  st->result.backend = B::kName;
  st->result.config = config;
  slot* first = &st->slots[0];
  first->age.store(0);
  first->freed.store(0);
  first->payload = kLive;
  st->current.store(first, std::memory_order_release);

  std::seed_seq seq{config.seed};
  std::vector<uint64_t> seeds(config.readers + 1);
  seq.generate(seeds.begin(), seeds.end());  // 32-bit values: enough to vary each thread

  const backend_stats before = B::stats();
  std::vector<std::thread> threads;
  for (unsigned r = 0; r < config.readers; ++r)
    threads.emplace_back([&, r] { reader<B>(*st, seeds[r] * 0x9e3779b97f4a7c15ULL + r); });
  threads.emplace_back([&] { updater<B>(*st, seeds[config.readers]); });
  for (unsigned u = 0; u < config.extra_updaters; ++u)
    threads.emplace_back([&] { extra_updater<B>(*st); });

  while (st->ready.load() < threads.size()) std::this_thread::yield();
  const auto start = std::chrono::steady_clock::now();
  st->go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(config.seconds));
  st->stop.store(true);
  for (auto& t : threads) t.join();
  st->result.measured_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  st->result.stats = stats_since(before, B::stats());
  return st->result;
}

}  // namespace rculab
