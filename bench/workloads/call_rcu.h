// call_rcu: callbacks per second, enqueue cost, enqueue-to-invocation latency
// (stamped at enqueue, read in the callback; only callbacks invoked inside
// the window are sampled), the pending backlog's peak, and rcu_barrier
// latency with that backlog. Each updater publishes the object it allocates
// in a slot of its own and hands the one it replaced to call_rcu, and one
// reader reads every slot in turn and checks the poison marker: a callback
// that runs before the grace period is a counted violation.
// Two regimes, because they answer different questions:
//   interval_ns:0      each updater enqueues as fast as it can: reclaim
//                      throughput; latency there is backlog / throughput;
//   interval_ns:N      each updater enqueues one callback every N ns: the
//                      latency a callback sees when the reclaimer keeps up.
// The backlog is capped at kMaxPending objects (updaters yield while above
// it) so a slow reclaimer cannot exhaust memory; `throttled` counts that.
#pragma once

#include <mutex>
#include <thread>

#include "bench/workloads/common.h"
#include "impls/core/barrier.h"

namespace rculab {
namespace call_rcu_detail {

inline constexpr uint64_t kBatch = 64;
inline constexpr uint64_t kReadBatch = 1024;
inline constexpr uint64_t kMaxPending = uint64_t{1} << 20;

// One published pointer per updater, each on its own cache line, so updaters
// do not bounce a line among themselves.
struct alignas(kCacheLine) published_slot {
  std::atomic<bench_object*> ptr{nullptr};
};

struct shared {
  reclaim_ledger ledger;
  std::vector<published_slot> slots;
  std::mutex latency_mu;  // callbacks may run on more than one worker
  latency_histogram latency;
  std::atomic<bool> measuring{false};
  std::atomic<uint64_t> pending_peak{0};
  std::atomic<uint64_t> throttled{0};
};

template <Backend B>
struct run_state {
  static inline shared* current = nullptr;  // one run at a time
};

template <Backend B>
void on_invoke(rcu_head* h) {
  shared& s = *run_state<B>::current;
  bench_object* o = bench_object::from_head(h);
  const uint64_t waited = now_ns() - o->enqueued_ns;
  if (s.measuring.load(std::memory_order_relaxed)) {
    std::lock_guard lock(s.latency_mu);
    s.latency.record(waited);
  }
  s.ledger.poison_and_free(o);
}

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  ctx.start();
  const size_t n = s.slots.size();
  uint64_t sum = 0;
  size_t next = 0;
  do {
    uint64_t poisoned = 0;
    for (uint64_t i = 0; i < kReadBatch; ++i) {
      B::read_lock();
      const bench_object* o = rcu_dereference(s.slots[next].ptr);
      sum += o->value;
      poisoned += !o->alive();  // last in the section, as in read_scalability
      B::read_unlock();
      next = next + 1 == n ? 0 : next + 1;
    }
    if (poisoned) ctx.violation();
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kReadBatch));
  keep(sum);
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s, uint64_t interval_ns) {
  thread_scope<B> registered;
  offline_scope<B> offline;
  const uint64_t batch = interval_ns ? 1 : kBatch;
  std::atomic<bench_object*>& mine = s.slots[ctx.index_in_role()].ptr;
  ctx.start();
  uint64_t next = now_ns();
  do {
    if (interval_ns) {
      while (now_ns() < next) cpu_relax();
      next += interval_ns;
    }
    for (uint64_t i = 0; i < batch; ++i) {
      bench_object* old = mine.exchange(s.ledger.make(), std::memory_order_acq_rel);  // publish
      old->enqueued_ns = now_ns();
      B::call(&old->head, &on_invoke<B>);
    }
    const uint64_t pending = s.ledger.outstanding();
    if (pending > s.pending_peak.load(std::memory_order_relaxed)) s.pending_peak.store(pending);
    while (s.ledger.outstanding() > kMaxPending) {
      s.throttled.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::yield();
    }
  } while (ctx.next_batch(batch));
}

}  // namespace call_rcu_detail

template <Backend B>
void register_call_rcu(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace call_rcu_detail;
  const std::vector<unsigned> writer_counts =
      o.smoke ? std::vector<unsigned>{1} : (o.updaters.empty() ? std::vector<unsigned>{1, 2} : o.updaters);
  const std::vector<uint64_t> intervals =
      o.smoke ? std::vector<uint64_t>{0} : std::vector<uint64_t>{0, 10'000};
  const unsigned readers = o.readers.empty() ? 1 : o.readers.front();  // background load
  for (uint64_t interval_ns : intervals)
  for (unsigned updaters : writer_counts) {
    const std::string name = benchmark_name("call_rcu", B::kName,
        {{"readers", std::to_string(readers)}, {"updaters", std::to_string(updaters)},
         {"interval_ns", std::to_string(interval_ns)}, {"placement", policy_name(o.updater_policy)}});
    register_point(name, [o, readers, updaters, interval_ns](benchmark::State& state) {
      shared s;
      s.slots = std::vector<published_slot>(updaters);
      for (published_slot& slot : s.slots) slot.ptr.store(s.ledger.make());
      run_state<B>::current = &s;
      uint64_t freed_at_open = 0, freed_at_close = 0;
      const backend_stats before = B::stats();
      run_options ro = run_options_for(o);
      ro.on_window_open = [&] {
        freed_at_open = s.ledger.freed();
        s.measuring.store(true);
      };
      ro.on_window_close = [&] {
        s.measuring.store(false);
        freed_at_close = s.ledger.freed();
      };
      const run_report run = run_roles(*o.topo, ro,
          {{"reader", readers, o.reader_policy, [&](thread_ctx& c) { reader<B>(c, s); }},
           {"updater", updaters, o.updater_policy, [&](thread_ctx& c) { updater<B>(c, s, interval_ns); }}},
          helper_handles<B>);
      const uint64_t unreclaimed = s.ledger.outstanding() - updaters;  // less the published ones
      const uint64_t t0 = now_ns();
      {
        thread_scope<B> registered;
        B::barrier();
      }
      const uint64_t barrier_ns = now_ns() - t0;
      const backend_stats stats = stats_since(before, B::stats());
      for (published_slot& slot : s.slots) s.ledger.poison_and_free(slot.ptr.load());
      run_report with_latency = run;
      with_latency.latency.merge(s.latency);
      report_run(state, with_latency, stats, unreclaimed);
      state.counters["cb_invoked_window"] = double(freed_at_close - freed_at_open);
      state.counters["cb_backlog_peak"] = double(s.pending_peak.load());
      state.counters["barrier_ns"] = double(barrier_ns);
      state.counters["throttled"] = double(s.throttled.load());
      state.counters["interval_ns"] = double(interval_ns);
    });
  }
}

}  // namespace rculab
