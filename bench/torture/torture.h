// The torture gate: rcutorture's grace-period pipeline, our own code.
//
// Ten slots; one is current. The updater takes the next slot (waiting until
// it has been retired), initializes it (age 0, live payload), publishes it,
// marks the replaced slot removed (age 1), waits for a grace period and then
// retires the replaced slot: age 2, payload poisoned, marked freed. Each
// update also ages every already-retired slot by one, so a reader of a
// broken backend shows how stale its slot was. How the updater waits is the
// grace-period style:
//   synchronize  synchronize(), then retire;
//   call_rcu     call() with the retirement as the callback, no waiting: up
//                to nine slots are in flight, a slot is reused only after its
//                callback ran (the call_rcu backlog is exercised);
//   mixed        each update picks one of synchronize, call() + barrier(),
//                or call() alone.
// Readers dereference the current slot inside a nested read-side section,
// do some work, then record the slot's age and whether it was freed.
//
// A slot reaches age 2 only when it is retired, after the grace period that
// followed its removal, which must have waited for every reader that could
// still see it. So a correct backend shows ages 0 and 1 only and never a
// freed slot; PASS requires exactly that (and at least one completed update,
// so a gate that exercised nothing cannot pass).
// Pressure: extra updaters hammer the grace-period machinery in the same
// style (synchronize loops, batches of call() + barrier(), or both), QSBR
// readers go offline/online periodically, readers may outnumber the CPUs.
// Churn (optional): every reader, updater and extra updater is a succession
// of short-lived threads, each registering, working a few milliseconds,
// unregistering and exiting while the next one starts; registration and
// thread exit then happen throughout the grace periods.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "impls/core/backend.h"
#include "impls/core/wait.h"

namespace rculab {

enum class gp_style { synchronize, call_rcu, mixed };

inline constexpr std::array<gp_style, 3> kGpStyles{gp_style::synchronize, gp_style::call_rcu,
                                                   gp_style::mixed};

inline constexpr std::string_view gp_style_name(gp_style s) noexcept {
  switch (s) {
    case gp_style::synchronize: return "synchronize";
    case gp_style::call_rcu: return "call_rcu";
    case gp_style::mixed: return "mixed";
  }
  return "?";
}

inline std::optional<gp_style> parse_gp_style(std::string_view name) noexcept {
  for (gp_style s : kGpStyles)
    if (gp_style_name(s) == name) return s;
  return std::nullopt;
}

struct torture_config {
  unsigned readers = 4;
  double seconds = 3.0;
  uint64_t seed = 1;
  unsigned extra_updaters = 5;
  gp_style style = gp_style::mixed;
  // Threads are replaced throughout the run (see the top of this file).
  bool churn = false;
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
  uint64_t updates_by_call_rcu = 0;        // call() then barrier()
  uint64_t updates_by_async_call_rcu = 0;  // call() alone
  uint64_t extra_synchronize_calls = 0;
  uint64_t extra_callbacks = 0;  // queued by the extra updaters (and run: each batch ends in barrier())
  uint64_t reader_threads = 0;   // threads that took a reader's part (== readers without churn)
  uint64_t updater_threads = 0;  // the same for the updater and the extra updaters
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
using clock = std::chrono::steady_clock;

struct slot {
  std::atomic<uint64_t> age{0};
  std::atomic<int> freed{1};
  // Plain on purpose: written only by the updater and the retirement while
  // no reader can hold the slot, so a broken grace period is also a data
  // race TSan can see.
  uint64_t payload = kPoison;
  rcu_head head;
};

inline void retire(slot* s) {
  s->payload = kPoison;
  s->age.fetch_add(1, std::memory_order_relaxed);  // removed (1) -> retired (2)
  // Release: the updater that sees freed (acquire) before reusing the slot
  // sees the poisoning first; pairs with the acquire in wait_until_retired().
  s->freed.store(1, std::memory_order_release);
}

inline void retire_callback(rcu_head* h) {
  retire(reinterpret_cast<slot*>(reinterpret_cast<char*>(h) - offsetof(slot, head)));
}

// A callback queued by an extra updater: counts itself.
struct counted_head {
  rcu_head head;  // first member: the callback gets &head == this
  std::atomic<uint64_t>* invoked;
};

inline void count_callback(rcu_head* h) {
  reinterpret_cast<counted_head*>(h)->invoked->fetch_add(1, std::memory_order_relaxed);
}

struct shared_state {
  std::array<slot, kTortureSlots> slots;
  std::atomic<slot*> current{nullptr};
  unsigned next_index = 1;  // the main updater's; its lives run one after another
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

// One thread's part in the run. Without churn: the whole run, the thread
// registered before the start line. With churn: a few milliseconds after the
// start (at least one unit of work for updaters), then the next life takes over.
struct life {
  bool waits_at_start_line;
  std::optional<clock::time_point> until;
  uint64_t seed;

  bool over(const shared_state& st, uint64_t work_done) const {
    if (st.stop.load(std::memory_order_relaxed)) return true;
    return until && work_done > 0 && clock::now() >= *until;
  }
};

// Runs `live(life)` for one thread's part: once (no churn), or as a chain of
// short-lived threads until the run stops, each joined before the next starts.
// Returns the number of threads that took part.
template <class Live>
uint64_t run_lives(shared_state& st, bool churn, uint64_t seed, std::chrono::microseconds min_life,
                   Live&& live) {
  if (!churn) {
    live(life{true, std::nullopt, seed});
    return 1;
  }
  start_line(st);
  uint64_t rng = seed | 1, threads = 0;
  while (!st.stop.load(std::memory_order_relaxed)) {
    const auto length = min_life * (1 + xorshift(rng) % 8);
    const life l{false, clock::now() + length, seed + ++threads * 0x9e3779b97f4a7c15ULL};
    std::thread t([&] { live(l); });
    t.join();
  }
  return threads;
}

template <Backend B>
void reader_life(shared_state& st, const life& l) {
  thread_scope<B> registered;
  if (l.waits_at_start_line) start_line(st);
  uint64_t rng = l.seed | 1;
  std::array<uint64_t, kAgeBuckets> hist{};
  uint64_t reads = 0, freed_seen = 0, sink = 0;
  for (uint64_t batch = 0; !l.over(st, reads); ++batch) {
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

// Waits until `s` has been retired (its callback ran). False if the run
// stopped first. Offline meanwhile: a QSBR updater must not hold up the
// grace period that its callback waits for.
template <Backend B>
bool wait_until_retired(shared_state& st, slot* s) {
  if (s->freed.load(std::memory_order_acquire)) return true;  // pairs with retire()
  offline_scope<B> offline;
  for (backoff_waiter waiter; !s->freed.load(std::memory_order_acquire); waiter.wait())
    if (st.stop.load(std::memory_order_relaxed)) return false;
  return true;
}

enum class update_kind { synchronize, call_and_barrier, async_call };

inline update_kind pick_update(gp_style style, uint64_t& rng) {
  switch (style) {
    case gp_style::synchronize: return update_kind::synchronize;
    case gp_style::call_rcu: return update_kind::async_call;
    case gp_style::mixed: break;
  }
  return static_cast<update_kind>(xorshift(rng) % 3);
}

template <Backend B>
void updater_life(shared_state& st, gp_style style, const life& l) {
  thread_scope<B> registered;  // liburcu's call_rcu needs a registered caller
  if (l.waits_at_start_line) start_line(st);
  uint64_t rng = l.seed | 1;
  uint64_t by_sync = 0, by_call = 0, by_async = 0;
  while (!l.over(st, by_sync + by_call + by_async)) {
    slot* next = &st.slots[st.next_index];
    if (!wait_until_retired<B>(st, next)) break;
    st.next_index = (st.next_index + 1) % kTortureSlots;
    next->age.store(0, std::memory_order_relaxed);
    next->freed.store(0, std::memory_order_relaxed);
    next->payload = kLive;
    slot* old = st.current.load(std::memory_order_relaxed);
    rcu_assign_pointer(st.current, next);  // release: initialization before publication
    old->age.fetch_add(1, std::memory_order_relaxed);  // removed: 0 -> 1
    for (slot& s : st.slots)  // the retired ones grow staler
      if (s.freed.load(std::memory_order_relaxed)) s.age.fetch_add(1, std::memory_order_relaxed);
    switch (pick_update(style, rng)) {
      case update_kind::synchronize:
        B::synchronize();
        retire(old);
        ++by_sync;
        break;
      case update_kind::call_and_barrier: {
        B::call(&old->head, &retire_callback);
        offline_scope<B> offline;  // QSBR: do not hold up the grace period we wait for
        B::barrier();
        ++by_call;
        break;
      }
      case update_kind::async_call:
        B::call(&old->head, &retire_callback);
        ++by_async;
        break;
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  }
  {
    offline_scope<B> offline;
    B::barrier();  // this life's callbacks run before it ends (and before the state goes)
  }
  std::lock_guard lock(st.merge_mu);
  st.result.updates += by_sync + by_call + by_async;
  st.result.updates_by_synchronize += by_sync;
  st.result.updates_by_call_rcu += by_call;
  st.result.updates_by_async_call_rcu += by_async;
}

// Grace-period pressure beside the pipeline: synchronize() in a loop, or
// batches of call() ended by barrier(), or both alternately (mixed).
template <Backend B>
void extra_updater_life(shared_state& st, gp_style style, const life& l) {
  thread_scope<B> registered;
  if (l.waits_at_start_line) start_line(st);
  std::atomic<uint64_t> invoked{0};
  std::array<counted_head, 16> heads;
  uint64_t sync_calls = 0, callbacks = 0;
  for (uint64_t round = 0; !l.over(st, sync_calls + callbacks); ++round) {
    const bool use_call = style == gp_style::call_rcu || (style == gp_style::mixed && round % 2);
    if (!use_call) {
      B::synchronize();
      ++sync_calls;
    } else {
      for (counted_head& h : heads) {
        h.invoked = &invoked;
        B::call(&h.head, &count_callback);
      }
      callbacks += heads.size();
      offline_scope<B> offline;
      B::barrier();  // the heads are reused next round
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  }
  std::lock_guard lock(st.merge_mu);
  st.result.extra_synchronize_calls += sync_calls;
  st.result.extra_callbacks += invoked.load(std::memory_order_relaxed);
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
  std::vector<uint64_t> seeds(config.readers + 1 + config.extra_updaters);
  seq.generate(seeds.begin(), seeds.end());  // 32-bit values: enough to vary each thread

  // Reader lives are shorter than updater lives: readers come and go the
  // most, and an updater's life should span a few grace periods.
  using std::chrono::microseconds;
  constexpr microseconds kReaderLife{500}, kUpdaterLife{1000};
  const backend_stats before = B::stats();
  std::vector<std::thread> threads;
  std::atomic<uint64_t> reader_threads{0}, updater_threads{0};
  for (unsigned r = 0; r < config.readers; ++r)
    threads.emplace_back([&, r] {
      reader_threads += run_lives(*st, config.churn, seeds[r] * 0x9e3779b97f4a7c15ULL + r,
                                  kReaderLife, [&](const life& l) { reader_life<B>(*st, l); });
    });
  threads.emplace_back([&] {
    updater_threads += run_lives(*st, config.churn, seeds[config.readers], kUpdaterLife,
                                 [&](const life& l) { updater_life<B>(*st, config.style, l); });
  });
  for (unsigned u = 0; u < config.extra_updaters; ++u)
    threads.emplace_back([&, u] {
      updater_threads += run_lives(*st, config.churn, seeds[config.readers + 1 + u], kUpdaterLife,
                                   [&](const life& l) { extra_updater_life<B>(*st, config.style, l); });
    });

  while (st->ready.load() < threads.size()) std::this_thread::yield();
  const auto start = clock::now();
  st->go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(config.seconds));
  st->stop.store(true);
  for (auto& t : threads) t.join();
  st->result.measured_seconds = std::chrono::duration<double>(clock::now() - start).count();
  st->result.reader_threads = reader_threads.load();
  st->result.updater_threads = updater_threads.load();

  st->result.stats = stats_since(before, B::stats());
  return st->result;
}

}  // namespace rculab
