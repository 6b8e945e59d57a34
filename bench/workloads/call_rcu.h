// call_rcu: callbacks per second, enqueue cost, enqueue-to-invocation latency,
// the pending backlog, and rcu_barrier latency with that backlog. Each updater
// retires objects through call_rcu; one in kPublishEvery is the object it had
// published in a slot of its own (replaced by a fresh one), and readers read
// every slot in turn and check the poison marker, so a callback that runs
// before its grace period is a violation.
// Two regimes, because they answer different questions:
//   interval_ns:0      each updater enqueues as fast as it can: reclaim
//                      throughput; latency there is backlog / throughput;
//   interval_ns:N      each updater enqueues one callback every N ns: the
//                      latency a callback sees when the reclaimer keeps up
//                      (between callbacks the updater yields its CPU).
//
// The workload's own cost stays off the measurement: nothing on the
// per-callback path is shared. Updaters count what they allocate in their own
// slot; whichever thread invokes a callback counts, samples and frees into a
// tally of its own (per run, registered on its first callback); the lab sums
// the tallies. One callback in kSampleEvery carries an enqueue stamp, and its
// latency goes into the invoking thread's histogram. Before the window, each
// updater times the same per-callback work with the callback invoked
// directly (cb_calib_ns / cb_calib_ops): what the workload itself costs per
// callback, to hold against the reclaim rate.
// The backlog is capped at kMaxPending objects (updaters yield while above
// it) so a slow reclaimer cannot exhaust memory; `throttled` counts that.
// Through the window a sampler thread (asleep between samples) records the
// backlog every millisecond or so (backlog_ts<i>, at most kMaxSamples, every
// backlog_ts_period_ns): a reclaimer that falls behind shows as a ramp, one
// that keeps up as a flat line. Where the backend shows its workers' queues
// (ours), each worker's largest and mean backlog too (worker<i>_backlog_*,
// the same order as the harness's helper<i>_* counters).
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "impls/core/barrier.h"

namespace rculab {

namespace call_rcu_detail {

inline constexpr uint64_t kBatch = 64;  // callbacks an updater enqueues per batch, flat out
inline constexpr uint64_t kMaxPending = uint64_t{1} << 20;
// Batches between an updater's looks at the backlog: each look reads every
// updater's and every tally's line, so looking every batch cost O(updaters)
// misses per batch per updater; the cap is overshot by at most this many
// batches per updater.
inline constexpr uint64_t kBacklogCheckEvery = 16;

}  // namespace call_rcu_detail

inline const workload_descriptor& describe_call_rcu() {
  using call_rcu_detail::kBacklogCheckEvery, call_rcu_detail::kBatch, call_rcu_detail::kMaxPending;
  static const workload_descriptor d{
      .name = "call_rcu",
      .summary = "callbacks/s, enqueue->invocation latency, backlog, rcu_barrier latency",
      .needs_updates = true,
      .params = {{"readers", {1}, "reader threads as background load (--readers, the first)"},
                 {"updaters", {1, 2}, "threads enqueueing callbacks (--updaters)"},
                 {"interval_ns", {0, 10'000}, "each updater enqueues one callback per interval, ns (0: flat out)"},
                 {"placement", {}, "updater placement (--placement, --updater_placement)"}},
      // Besides these, the backlog sampler reports backlog_ts_period_ns,
      // backlog_ts<i> and worker<i>_backlog_max/_mean (see the comment above).
      .counters = {{"cb_invoked_window", "callbacks", "callbacks invoked inside the window"},
                   {"cb_backlog_peak", "callbacks", "peak backlog (enqueued, not yet invoked) the updaters saw",
                    kMaxPending, kBacklogCheckEvery * kBatch},
                   {"barrier_ns", "ns", "rcu_barrier after the run, with the backlog left"},
                   {"throttled", "waits", "updater yields while the backlog was over the cap"},
                   {"interval_ns", "ns", "the interval_ns parameter"},
                   {"cb_sample_every", "callbacks", "one callback in this many carries an enqueue stamp"},
                   {"cb_publish_every", "callbacks", "one callback in this many retires an object readers see"},
                   {"cb_calib_ns", "ns", "time of the calibration callbacks invoked directly, all updaters"},
                   {"cb_calib_ops", "callbacks", "calibration callbacks, all updaters"}},
      .metrics = {{"callbacks_per_s", "callbacks invoked", "callbacks/s", true, "rate", "cb_invoked_window"},
                  {"cb_backlog_peak", "call_rcu backlog peak", "callbacks", false, "raw", "cb_backlog_peak"},
                  {"barrier_ns", "rcu_barrier latency", "ns", false, "raw", "barrier_ns"}},
      .headline = "callbacks_per_s",
      .throughput = "callbacks_per_s",
      .paced_by = "interval_ns",
      .paced_headline = "lat_p50_ns",
  };
  return d;
}

namespace call_rcu_detail {

inline constexpr uint64_t kReadBatch = 1024;
inline constexpr uint64_t kSampleEvery = 16;
inline constexpr uint64_t kPublishEvery = 16;
inline constexpr uint64_t kCalibrationCallbacks = 20'000;
inline constexpr uint64_t kTallyQuarantine = 1024;
inline constexpr uint64_t kMinSamplePeriodNs = 1'000'000;
inline constexpr size_t kMaxSamples = 500;

// One updater's published pointer and its own counts: written by that updater
// only (plain stores of relaxed atomics, no RMW). The pointer, which every
// reader reads in every section, has a cache line of its own: the counts
// beside it, written once per batch, would pull it from every reader.
struct alignas(kCacheLine) updater_slot {
  std::atomic<bench_object*> ptr{nullptr};
  alignas(kCacheLine) std::atomic<uint64_t> allocated{0};
  uint64_t pending_peak = 0;  // the updater's own view, reduced after the run
  uint64_t throttled = 0;
};

// What one invoking thread (a call_rcu worker, or an updater for a backend
// that invokes inline) did with the callbacks it ran.
struct alignas(kCacheLine) callback_tally {
  std::atomic<uint64_t> invoked{0};  // written by the owner only
  latency_histogram latency;         // read after the run's barrier
  // Freed objects park here, poisoned, before the real delete (see
  // reclaim_ledger in common.h): private to the owner, so no atomics.
  std::unique_ptr<bench_object*[]> quarantine{new bench_object*[kTallyQuarantine]()};
  uint64_t parked = 0;

  void free_poisoned(bench_object* o) noexcept {
    o->marker.store(kPoisoned, std::memory_order_relaxed);
    bench_object*& slot = quarantine[parked++ % kTallyQuarantine];
    delete slot;
    slot = o;
  }
  ~callback_tally() {
    for (uint64_t i = 0; i < kTallyQuarantine; ++i) delete quarantine[i];
  }
  void count_invoked() noexcept {
    invoked.store(invoked.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

inline constexpr unsigned kMaxTallies = 4096;  // invoking threads per run

struct shared {
  std::vector<updater_slot> slots;
  std::atomic<bool> measuring{false};
  uint64_t generation = 0;  // tells a thread's tally of an earlier run from this run's
  // Registration (once per invoking thread per run) takes the mutex; summing
  // reads the published prefix without it.
  std::mutex tallies_mu;
  std::vector<std::unique_ptr<callback_tally>> owned;  // guarded by tallies_mu
  std::unique_ptr<std::atomic<callback_tally*>[]> tallies{new std::atomic<callback_tally*>[kMaxTallies]};
  std::atomic<unsigned> tally_count{0};
  std::atomic<uint64_t> calib_ns{0}, calib_ops{0};

  void add_tally(std::unique_ptr<callback_tally> t) {
    std::lock_guard lock(tallies_mu);
    const unsigned n = tally_count.load(std::memory_order_relaxed);
    if (n == kMaxTallies) misuse("call_rcu workload", "more invoking threads than kMaxTallies");
    tallies[n].store(t.get(), std::memory_order_relaxed);
    tally_count.store(n + 1, std::memory_order_release);  // pairs with the acquire in for_each_tally
    owned.push_back(std::move(t));
  }
  template <class F>
  void for_each_tally(F&& f) const {
    const unsigned n = tally_count.load(std::memory_order_acquire);  // pairs with add_tally's release
    for (unsigned i = 0; i < n; ++i) f(*tallies[i].load(std::memory_order_relaxed));
  }
  uint64_t invoked() const {
    uint64_t n = 0;
    for_each_tally([&](const callback_tally& t) { n += t.invoked.load(std::memory_order_relaxed); });
    return n;
  }
  uint64_t allocated() const {
    uint64_t n = 0;
    for (const updater_slot& s : slots) n += s.allocated.load(std::memory_order_relaxed);
    return n;
  }
  // Queued and not yet invoked. Invoked is read first: both only grow, so
  // this errs high by what arrived meanwhile; an updater adds its calls once
  // per batch, after making them, so invoked may run ahead of allocated by
  // part of a batch: clamped at 0 (unclamped, it wrapped to 2^64 and
  // throttled every updater for nothing).
  uint64_t backlog() const {
    const uint64_t done = invoked(), made = allocated();
    return made - std::min(made, done);
  }
};

// The backlog over the window, sampled by a thread of its own.
template <Backend B>
class backlog_sampler {
 public:
  backlog_sampler(const shared& s, double window_seconds)
      : s_(s), period_ns_(std::max<uint64_t>(kMinSamplePeriodNs, uint64_t(window_seconds * 1e9) / kMaxSamples)) {}
  ~backlog_sampler() { stop(); }

  void start() {
    thread_ = std::thread([this] { loop(); });
  }
  void stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
  }
  void report(benchmark::State& state) const {
    state.counters["backlog_ts_period_ns"] = double(period_ns_);
    for (size_t i = 0; i < total_.size(); ++i)
      state.counters["backlog_ts" + std::to_string(i)] = double(total_[i]);
    for (size_t w = 0; w < worker_max_.size(); ++w) {
      const std::string prefix = "worker" + std::to_string(w) + "_backlog_";
      state.counters[prefix + "max"] = double(worker_max_[w]);
      state.counters[prefix + "mean"] = samples_ ? double(worker_sum_[w]) / double(samples_) : 0.0;
    }
  }

 private:
  void loop() {
    for (uint64_t next = now_ns(); !stop_.load(std::memory_order_relaxed); next += period_ns_) {
      sample();
      const uint64_t now = now_ns();
      if (next + period_ns_ > now) std::this_thread::sleep_for(std::chrono::nanoseconds(next + period_ns_ - now));
      if (total_.size() == kMaxSamples) break;
    }
  }
  void sample() {
    total_.push_back(s_.backlog());
    if constexpr (requires { B::call_rcu_backlogs(); }) {
      const std::vector<uint64_t> now = B::call_rcu_backlogs();
      worker_max_.resize(std::max(worker_max_.size(), now.size()), 0);
      worker_sum_.resize(worker_max_.size(), 0);
      for (size_t w = 0; w < now.size(); ++w) {
        worker_max_[w] = std::max(worker_max_[w], now[w]);
        worker_sum_[w] += now[w];
      }
    }
    ++samples_;
  }

  const shared& s_;
  const uint64_t period_ns_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<uint64_t> total_, worker_max_, worker_sum_;
  uint64_t samples_ = 0;
};

template <Backend B>
struct run_state {
  static inline shared* current = nullptr;  // one run at a time
  static inline uint64_t generations = 0;
};

// The calling thread's tally for the current run, registered on first use.
template <Backend B>
callback_tally& my_tally(shared& s) {
  thread_local uint64_t generation = 0;
  thread_local callback_tally* tally = nullptr;
  if (generation != s.generation) {
    auto fresh = std::make_unique<callback_tally>();
    tally = fresh.get();
    s.add_tally(std::move(fresh));
    generation = s.generation;
  }
  return *tally;
}

// The callback's work, shared with the calibration loop.
inline void reclaim(callback_tally& tally, bench_object* o, bool measuring) noexcept {
  if (o->enqueued_ns && measuring) tally.latency.record(now_ns() - o->enqueued_ns);
  tally.count_invoked();
  tally.free_poisoned(o);
}

template <Backend B>
void on_invoke(rcu_head* h) {
  shared& s = *run_state<B>::current;
  bench_object* o = bench_object::from_head(h);
  reclaim(my_tally<B>(s), o, o->enqueued_ns && s.measuring.load(std::memory_order_relaxed));
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

// The per-callback work of the updater and of the callback, with the
// callback invoked directly: the workload's own cost per callback.
inline void calibrate(shared& s) {
  callback_tally local;
  const uint64_t t0 = now_ns();
  for (uint64_t i = 0; i < kCalibrationCallbacks; ++i) {
    bench_object* o = new bench_object;
    o->enqueued_ns = i % kSampleEvery == 0 ? now_ns() : 0;
    reclaim(local, o, true);
  }
  s.calib_ns.fetch_add(now_ns() - t0, std::memory_order_relaxed);
  s.calib_ops.fetch_add(kCalibrationCallbacks, std::memory_order_relaxed);
}

// Notes the backlog's peak, and yields while the backlog is over the cap.
inline void wait_while_over_cap(const shared& s, updater_slot& mine) {
  uint64_t pending = s.backlog();
  mine.pending_peak = std::max(mine.pending_peak, pending);
  while (pending > kMaxPending) {
    ++mine.throttled;
    std::this_thread::yield();
    pending = s.backlog();
  }
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s, uint64_t interval_ns) {
  thread_scope<B> registered;
  offline_scope<B> offline;
  const uint64_t batch = interval_ns ? 1 : kBatch;
  updater_slot& mine = s.slots[ctx.index_in_role()];
  calibrate(s);
  ctx.start();
  uint64_t next = now_ns(), stamped = 0, published = 0, batches = 0;
  do {
    if (interval_ns) {
      // Yield, not spin, until the next deadline: where updaters share CPUs
      // with the reclaimer, a spinning updater keeps a woken worker off its
      // CPU for a whole scheduler slice, so the latency measured was the
      // workload's own wait (2 CPUs, 4 updaters: memb p50 4.2 ms spinning,
      // 0.1 ms yielding). Alone on its CPU, yield returns at once.
      while (now_ns() < next) std::this_thread::yield();
      next += interval_ns;
    }
    for (uint64_t i = 0; i < batch; ++i) {
      // One callback in kPublishEvery retires the object the readers can
      // see (so a callback run too early is caught); the rest retire fresh
      // objects nobody reads, so the readers do not pull the updater's
      // cache lines on every callback (that halved the rate on 2 CPUs).
      bench_object* retired = published++ % kPublishEvery == 0
                                  ? mine.ptr.exchange(new bench_object, std::memory_order_acq_rel)
                                  : new bench_object;
      retired->enqueued_ns = stamped++ % kSampleEvery == 0 ? now_ns() : 0;
      B::call(&retired->head, &on_invoke<B>);
    }
    mine.allocated.store(mine.allocated.load(std::memory_order_relaxed) + batch, std::memory_order_relaxed);
    if (++batches % kBacklogCheckEvery == 0) wait_while_over_cap(s, mine);
  } while (ctx.next_batch(batch));
}

}  // namespace call_rcu_detail

template <Backend B>
void register_call_rcu(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace call_rcu_detail;
  const workload_descriptor& d = describe_call_rcu();
  const std::vector<uint64_t>& updater_defaults = d.param("updaters").levels;
  const std::vector<unsigned> writer_counts =
      o.smoke ? std::vector<unsigned>{1}
              : (o.updaters.empty() ? std::vector<unsigned>(updater_defaults.begin(), updater_defaults.end())
                                    : o.updaters);
  const std::vector<uint64_t> intervals = o.smoke ? std::vector<uint64_t>{0} : d.param("interval_ns").levels;
  const unsigned readers =  // background load
      o.readers.empty() ? unsigned(d.param("readers").levels.front()) : o.readers.front();
  for (uint64_t interval_ns : intervals)
  for (unsigned updaters : writer_counts) {
    const std::string name = benchmark_name(std::string(d.name), B::kName,
        {{"readers", std::to_string(readers)}, {"updaters", std::to_string(updaters)},
         {"interval_ns", std::to_string(interval_ns)}, {"placement", policy_name(o.updater_policy)}});
    register_point(name, [o, &d, readers, updaters, interval_ns](benchmark::State& state) {
      shared s;
      s.slots = std::vector<updater_slot>(updaters);
      for (updater_slot& slot : s.slots) slot.ptr.store(new bench_object);
      s.generation = ++run_state<B>::generations;
      run_state<B>::current = &s;
      uint64_t invoked_at_open = 0, invoked_at_close = 0;
      const backend_stats before = B::stats();
      run_options ro = run_options_for(o);
      backlog_sampler<B> sampler(s, ro.measure_seconds);
      ro.on_window_open = [&] {
        invoked_at_open = s.invoked();
        s.measuring.store(true);
        sampler.start();
      };
      ro.on_window_close = [&] {
        sampler.stop();
        s.measuring.store(false);
        invoked_at_close = s.invoked();
      };
      const run_report run = run_roles(*o.topo, ro,
          {{"reader", readers, o.reader_policy, [&](thread_ctx& c) { reader<B>(c, s); }},
           {"updater", updaters, o.updater_policy, [&](thread_ctx& c) { updater<B>(c, s, interval_ns); }}},
          helper_handles<B>);
      const uint64_t unreclaimed = s.allocated() - s.invoked();
      const uint64_t t0 = now_ns();
      registered_barrier<B>();  // every callback has run: the tallies are complete and ours to read
      const uint64_t barrier_ns = now_ns() - t0;
      const backend_stats stats = stats_since(before, B::stats());
      run_report with_latency = run;
      uint64_t peak = 0, throttled = 0;
      s.for_each_tally([&](const callback_tally& t) { with_latency.latency.merge(t.latency); });
      for (const updater_slot& slot : s.slots) {
        peak = std::max(peak, slot.pending_peak);
        throttled += slot.throttled;
        delete slot.ptr.load();  // never handed to call_rcu: no reader holds it now
      }
      report_run(state, with_latency, stats, unreclaimed);
      report_counters(state, d,
                      {{"cb_invoked_window", invoked_at_close - invoked_at_open}, {"cb_backlog_peak", peak},
                       {"barrier_ns", barrier_ns}, {"throttled", throttled}, {"interval_ns", interval_ns},
                       {"cb_sample_every", kSampleEvery}, {"cb_publish_every", kPublishEvery},
                       {"cb_calib_ns", s.calib_ns}, {"cb_calib_ops", s.calib_ops}});
      sampler.report(state);  // the backlog series: names that vary, not in the descriptor
      run_state<B>::current = nullptr;
    });
  }
}

}  // namespace rculab
