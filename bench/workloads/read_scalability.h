// read_scalability: reads/s as readers are added (1..N, oversubscription
// included), with no updater or with one updater that keeps replacing the
// object: allocate, publish, wait (synchronize, or call_rcu), poison, free.
// Readers check the poison marker in every section: seeing it is a
// violation (a use after free the backend let through).
#pragma once

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"

namespace rculab {

inline const workload_descriptor& describe_read_scalability() {
  static const workload_descriptor d{
      .name = "read_scalability",
      .summary = "reads/s as readers are added, with 0 or 1 updater (sync or call_rcu)",
      .needs_updates = false,
      .params = {{"readers", {}, "reader threads (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {0, 1}, "replacing threads: 0 with reclaim:none, 1 otherwise (fixed)"},
                 {"reclaim", {}, "how the updater reclaims the object it replaced"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "reclaim",
      // sync and call run only on backends safe for updates (not none).
      .variants = {{"none", true, "no updater"},
                   {"sync", true, "1 updater: synchronize, then free"},
                   {"call", true, "1 updater: call_rcu(free)"}},
      .headline = "reads_per_s",
      .throughput = "reads_per_s",
  };
  return d;
}

namespace read_scalability_detail {

inline constexpr uint64_t kReadBatch = 1024;
inline constexpr uint64_t kUpdateBatch = 8;

struct shared {
  std::atomic<bench_object*> ptr{nullptr};
  reclaim_ledger ledger;
};

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  ctx.start();
  uint64_t sum = 0;
  do {
    uint64_t poisoned = 0;
    for (uint64_t i = 0; i < kReadBatch; ++i) {
      B::read_lock();
      const bench_object* o = rcu_dereference(s.ptr);
      sum += o->value;
      // Last in the section, so the window in which an early free can show
      // spans the whole section.
      poisoned += !o->alive();
      B::read_unlock();
    }
    if (poisoned) ctx.violation();
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kReadBatch));
  keep(sum);
}

template <Backend B>
void free_callback(rcu_head* h);

template <Backend B>
struct callback_ledger {
  static inline reclaim_ledger* ledger = nullptr;  // set per run; one run at a time
};

template <Backend B>
void free_callback(rcu_head* h) {
  callback_ledger<B>::ledger->poison_and_free(bench_object::from_head(h));
}

template <Backend B>
void updater(thread_ctx& ctx, shared& s, bool use_call_rcu) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // an updater holds no references between updates
  ctx.start();
  do {
    for (uint64_t i = 0; i < kUpdateBatch; ++i) {
      bench_object* fresh = s.ledger.make();
      bench_object* old = s.ptr.exchange(fresh, std::memory_order_acq_rel);  // publish
      if (use_call_rcu) {
        B::call(&old->head, &free_callback<B>);
      } else {
        B::synchronize();
        s.ledger.poison_and_free(old);
      }
    }
  } while (ctx.next_batch(kUpdateBatch));
}

// One run of these readers against `updaters` threads running
// updater(ctx, s) on the published object (gp_latency, update_rate), reported.
template <Backend B, class Updater>
void run_against_updaters(benchmark::State& state, const bench_options& o, unsigned readers, unsigned updaters,
                          Updater updater) {
  shared s;
  s.ptr.store(s.ledger.make());
  const backend_stats before = B::stats();
  const run_report run = run_roles(*o.topo, run_options_for(o),
                                   {{"reader", readers, o.reader_policy, [&](thread_ctx& c) { reader<B>(c, s); }},
                                    {"updater", updaters, o.updater_policy, [&](thread_ctx& c) { updater(c, s); }}});
  const backend_stats stats = stats_since(before, B::stats());
  const uint64_t unreclaimed = s.ledger.outstanding() - 1;  // less the published one
  s.ledger.poison_and_free(s.ptr.load());
  report_run(state, run, stats, unreclaimed);
}

}  // namespace read_scalability_detail

template <Backend B>
void register_read_scalability(const bench_options& o) {
  using namespace read_scalability_detail;
  const workload_descriptor& d = describe_read_scalability();
  // reclaim:none has no updater; sync and call have one, where updates are safe.
  struct mode { unsigned updaters; std::string_view reclaim; };
  std::vector<mode> modes;
  for (const variant_desc& v : d.variants) {
    if (v.name == "none")
      modes.push_back({0, v.name});
    else if (B::kTraits.safe_for_updates)
      modes.push_back({1, v.name});
  }
  for (unsigned readers : o.smoke ? std::vector<unsigned>{2} : reader_sweep(o)) {
    for (const mode m : modes) {
      const std::string name = benchmark_name(std::string(d.name), B::kName,
          {{"readers", std::to_string(readers)}, {"updaters", std::to_string(m.updaters)},
           {"reclaim", std::string(m.reclaim)}, {"placement", policy_name(o.reader_policy)}});
      register_point(name, [o, readers, m](benchmark::State& state) {
        shared s;
        s.ptr.store(s.ledger.make());
        callback_ledger<B>::ledger = &s.ledger;
        const bool use_call = m.reclaim == "call";
        const backend_stats before = B::stats();
        run_options ro = run_options_for(o);
        std::vector<role_spec> roles = {
            {"reader", readers, o.reader_policy, [&](thread_ctx& c) { reader<B>(c, s); }}};
        if (m.updaters)
          roles.push_back({"updater", m.updaters, o.updater_policy,
                           [&](thread_ctx& c) { updater<B>(c, s, use_call); }});
        const run_report run = run_roles(*o.topo, ro, roles, helper_handles<B>);
        const backend_stats stats = stats_since(before, B::stats());
        const uint64_t unreclaimed = s.ledger.outstanding() - 1;  // less the published one
        if (m.updaters) registered_barrier<B>();  // drain before the ledger goes away
        s.ledger.poison_and_free(s.ptr.load());
        report_run(state, run, stats, unreclaimed);
      });
    }
  }
}

}  // namespace rculab
