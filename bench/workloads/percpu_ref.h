// percpu_ref: perfbook "Scalable Reference Count Two" (together/applyrcu.tex),
// the RCU-mediated per-CPU reference count of Linux's percpu_ref
// (lib/percpu-refcount.c, read as a spec). Gets and puts run inside a
// read-side section and read a mode word: in per-thread mode they touch only
// the thread's own counter, in atomic mode one shared atomic. kill() marks
// the ref dead and atomic, takes a reference for the switch, and drops the
// initial one; a grace period later (call_rcu) the per-thread counts are
// folded into the atomic and the switch's reference is dropped, so the last
// put, wherever it happens, sees 0 and runs release(). reinit() revives a
// released ref (PERCPU_REF_ALLOW_REINIT) in its starting mode.
//
// Readers loop tryget_live / check / put (a failed get, on a dead ref,
// yields: a real user backs off); one killer ("updater") keeps the ref live
// for live_us, kills it, waits for its release and reinits it (kill and
// reinit are serialized by their caller, as in Linux: one killer).
//   variant:percpu  per-thread mode while live (the point of percpu_ref);
//   variant:atomic  started in atomic mode (PERCPU_REF_INIT_ATOMIC): the same
//                   RCU-protected code, always on the shared atomic;
//   variant:plain   a plain atomic refcount, no RCU (inc_not_zero /
//                   dec_and_test): the non-RCU twin.
// Measured: get+put pairs (reader_ops) and the window time the ref was dead
// (`dead_ns`), from which the lab derives ns per pair per reader while live;
// gets taken in each mode (`percpu_gets`, `atomic_gets`, `failed_gets`);
// kill -> release latency (the core latency histogram: a grace period plus
// the last put for percpu); kills (updater_ops). The
// chart should show percpu flat as readers are added while atomic and plain
// rise with the shared line's bouncing, atomic above plain by the read-side
// section, and percpu's kill latency at grace-period scale.
//
// Invariant, checked in the run: release runs exactly once per generation,
// after the last put; no get succeeds after release. A reader checks right
// after its get (inside the section) that its generation is not released
// (`get_after_release`) and again just before its put (`put_after_release`:
// a release while a reference is held); after the final barrier every kill
// has had exactly one release (`release_mismatch`) and the count holds exactly
// the references left (0 if killed, else 1, the initial one, per-thread
// counts included: `count_error`). All count in `violations`. The checks
// compare generations (gen only grows), so a reinit cannot hide a release.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"
#include "impls/core/barrier.h"

namespace rculab {

inline const workload_descriptor& describe_percpu_ref() {
  static const workload_descriptor d{
      .name = "percpu_ref",
      .summary = "Linux's percpu_ref: per-thread counts, RCU-mediated switch to atomic on kill, reinit; "
                 "vs atomic mode only and a plain atomic refcount (1 killer)",
      .needs_updates = true,
      .params = {{"readers", {}, "threads looping tryget_live + put (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {}, "one killer (kill, wait for the release, reinit), whatever --updaters says", {1}},
                 {"variant", {}, "the reference count's mode, or the plain atomic twin"},
                 {"live_us", {1000, 10'000}, "us each generation stays live before its kill"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"percpu", true, "per-thread mode"},
                   {"atomic", true, "atomic mode (INIT_ATOMIC)"},
                   {"plain", false, "plain atomic refcount (no RCU)"}},
      .counters = {{"releases", "releases", "release() runs"},
                   {"kills", "kills", "kill() calls"},
                   {"get_after_release", "gets", "gets that succeeded on a released generation"},
                   {"put_after_release", "puts", "puts of references released while held"},
                   {"release_mismatch", "releases", "|kills - releases| after the final barrier"},
                   {"count_error", "references", "count left other than 0 (killed) or 1 (live)"},
                   {"dead_ns", "ns", "window time the ref was dead (kill to reinit)"},
                   {"failed_gets", "gets", "tryget_live() calls that failed (ref dead)"},
                   {"percpu_gets", "gets", "gets taken in per-thread mode"},
                   {"atomic_gets", "gets", "gets taken in atomic mode"},
                   {"live_us", "us", "the live_us parameter"}},
      .checks = {"get_after_release", "put_after_release", "release_mismatch", "count_error"},
      .metrics = {{"ns_per_live_pair", "get + put per reader while live", "ns", false, "ns_per_op", "reader",
                   "dead_ns"}},
      .headline = "ns_per_live_pair",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace percpu_ref_detail {

inline constexpr uint64_t kReadBatch = 256;
inline constexpr uint64_t kAtomicMode = 1;  // __PERCPU_REF_ATOMIC
inline constexpr uint64_t kDead = 2;        // __PERCPU_REF_DEAD
// Added to the atomic count while per-thread counts exist (PERCPU_COUNT_BIAS):
// atomic-mode puts of references taken in per-thread mode cannot reach 0
// before the fold.
inline constexpr int64_t kBias = int64_t{1} << 40;

enum class variant { percpu, atomic, plain };

// Test-only: a backend may ask for a pause between reading the mode and
// touching the per-thread counter, the window a grace period exists to
// cover, so that its self-test sees a broken grace period in one short run.
template <Backend B>
constexpr uint64_t mode_window_spins() {
  if constexpr (requires { B::kPercpuRefWindowSpins; }) return B::kPercpuRefWindowSpins;
  return 0;
}

struct alignas(kCacheLine) counter_slot {
  // Written only by its owner (a load and a store, user space's this_cpu_inc);
  // read by the fold a grace period later, zeroed by reinit once released.
  std::atomic<int64_t> v{0};
};

struct shared {
  shared(unsigned readers, variant v) : slots(readers), kind(v) { switch_head.owner = this; }
  alignas(kCacheLine) std::atomic<uint64_t> flags{0};
  alignas(kCacheLine) std::atomic<int64_t> count{0};
  std::vector<counter_slot> slots;
  const variant kind;
  owned_head<shared> switch_head;  // the mode switch's; one at a time: one killer
  alignas(kCacheLine) std::atomic<uint64_t> gen{0};  // the live generation
  std::atomic<uint64_t> released_gen{0};             // the last one released
  std::atomic<uint64_t> released_ns{0};
  alignas(kCacheLine) std::atomic<uint64_t> releases{0};
  std::atomic<uint64_t> kills{0};
  std::atomic<uint64_t> get_after_release{0};
  std::atomic<uint64_t> put_after_release{0};
  std::atomic<uint64_t> failed_gets{0};
  std::atomic<uint64_t> percpu_gets{0};
  std::atomic<uint64_t> atomic_gets{0};
};

inline void release(shared& s) {
  // The generation cannot change under us: reinit waits for this release.
  // (Relaxed: the acq_rel decrement that reached 0 ordered us after reinit.)
  const uint64_t g = s.gen.load(std::memory_order_relaxed);
  s.released_ns.store(now_ns(), std::memory_order_relaxed);
  s.releases.fetch_add(1, std::memory_order_relaxed);  // kills vs releases, after the run
  // Release: pairs with the killer's acquire load of released_gen
  // (released_ns and every put of g happen before its reinit).
  s.released_gen.store(g, std::memory_order_release);
}

// atomic_long_dec_and_test + release.
inline void put_atomic(shared& s) {
  // acq_rel: each put releases its holder's uses; the one that reaches 0
  // acquires them all (through the release sequence) before release().
  if (s.count.fetch_sub(1, std::memory_order_acq_rel) == 1) release(s);
}

inline bool inc_not_zero(std::atomic<int64_t>& c) {
  int64_t v = c.load(std::memory_order_relaxed);
  while (v > 0)
    // Acquire on success pairs with reinit's release store of the count
    // (other gets and puts continue its release sequence): the holder sees
    // the generation it now holds.
    if (c.compare_exchange_weak(v, v + 1, std::memory_order_acquire, std::memory_order_relaxed)) return true;
  return false;
}

// percpu_ref_switch_to_atomic_rcu: runs a grace period after kill() set
// kAtomicMode, so every get or put that read per-thread mode has finished
// (its section has ended) and the per-thread sum is final.
inline void switch_to_atomic_rcu(rcu_head* h) {
  shared& s = owned_head<shared>::owner_of(h);
  int64_t sum = 0;
  // Relaxed: the grace period orders every per-thread update before us.
  for (counter_slot& slot : s.slots) sum += slot.v.load(std::memory_order_relaxed);
  // Relaxed: the count keeps its bias until this add, so it cannot reach 0
  // here; the put below is the ordered one.
  s.count.fetch_add(sum - kBias, std::memory_order_relaxed);
  put_atomic(s);  // the reference kill() took for the switch
}

// The generation a get is taken on, read right after the load that let it
// succeed. Relaxed: that load was an acquire (of flags, or of the count in
// inc_not_zero) ordered after reinit's store of gen; and while the get
// stands, this generation cannot be released, so gen cannot move on.
inline uint64_t generation(const shared& s) { return s.gen.load(std::memory_order_relaxed); }

// Whether generation g has been released (the release counter only grows,
// so a reinit since cannot hide it). Relaxed: a detector, nothing is read
// on the strength of it.
inline bool released(const shared& s, uint64_t g) { return s.released_gen.load(std::memory_order_relaxed) >= g; }

struct get_tally {
  uint64_t percpu = 0, atomic = 0, failed = 0;
};

// percpu_ref_tryget_live: the generation got (>= 1), or 0 if the ref is dead.
template <Backend B>
uint64_t tryget_live(shared& s, counter_slot& mine, get_tally& t) {
  uint64_t g = 0;
  if (s.kind == variant::plain) {
    // Relaxed: a get racing kill may succeed until the count reaches 0 (as
    // Linux's atomic-mode tryget_live); inc_not_zero is the real test.
    if (!(s.flags.load(std::memory_order_relaxed) & kDead) && inc_not_zero(s.count)) g = generation(s);
    ++(g ? t.atomic : t.failed);
    if (g && released(s, g)) s.get_after_release.fetch_add(1, std::memory_order_relaxed);
    return g;
  }
  B::read_lock();
  // Acquire: pairs with reinit's release store of flags (a reader in the
  // new per-thread mode sees the zeroed counters and the new generation).
  const uint64_t f = s.flags.load(std::memory_order_acquire);
  if (!(f & (kAtomicMode | kDead))) {
    g = generation(s);
    if constexpr (mode_window_spins<B>() > 0) keep(spin_iterations(mode_window_spins<B>()));
    // Per-thread mode: kill's grace period waits for this section, so the
    // fold sees this increment.
    mine.v.store(mine.v.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    ++t.percpu;
  } else {
    if (!(f & kDead) && inc_not_zero(s.count)) g = generation(s);
    ++(g ? t.atomic : t.failed);
  }
  // Inside the section: a release the grace period orders after it cannot
  // be seen here.
  if (g && released(s, g)) s.get_after_release.fetch_add(1, std::memory_order_relaxed);
  B::read_unlock();
  return g;
}

template <Backend B>
void put(shared& s, counter_slot& mine) {
  if (s.kind == variant::plain) return put_atomic(s);
  B::read_lock();
  // Relaxed: while this thread holds a reference the ref cannot be
  // released, so the only change it can see is kill's switch to atomic mode,
  // and either mode is right: the grace period orders a per-thread put
  // before the fold, an atomic put lands on the biased count.
  const uint64_t f = s.flags.load(std::memory_order_relaxed);
  if (!(f & kAtomicMode)) {
    mine.v.store(mine.v.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  } else {
    put_atomic(s);
  }
  B::read_unlock();
}

template <Backend B>
void reader(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  counter_slot& mine = s.slots[ctx.index_in_role()];
  ctx.start();
  get_tally t;
  uint64_t held_released = 0;
  uint64_t pairs;  // successful get + put pairs this batch (failed gets apart)
  do {
    pairs = 0;
    const uint64_t bad_before = held_released;
    for (uint64_t i = 0; i < kReadBatch; ++i) {
      const uint64_t g = tryget_live<B>(s, mine, t);
      if (!g) {
        // Dead: the ref is going away. A real user backs off; yielding also
        // lets the killer and the call_rcu worker finish the cycle when
        // readers oversubscribe the CPUs.
        std::this_thread::yield();
        continue;
      }
      ++pairs;
      held_released += released(s, g);  // holding a reference: not released
      put<B>(s, mine);
    }
    if (held_released != bad_before) ctx.violation();
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(pairs));
  s.put_after_release.fetch_add(held_released, std::memory_order_relaxed);
  s.failed_gets.fetch_add(t.failed, std::memory_order_relaxed);
  s.percpu_gets.fetch_add(t.percpu, std::memory_order_relaxed);
  s.atomic_gets.fetch_add(t.atomic, std::memory_order_relaxed);
}

// percpu_ref_init / percpu_ref_reinit, on a released ref (count 0, every
// get and put of the last generation done).
inline void reinit(shared& s) {
  const bool percpu = s.kind == variant::percpu;
  s.gen.fetch_add(1, std::memory_order_relaxed);  // ordered by the releases below
  for (counter_slot& slot : s.slots) slot.v.store(0, std::memory_order_relaxed);
  // Release: pairs with inc_not_zero's acquire (an atomic-mode get sees the
  // new generation and zeroed counters).
  s.count.store(1 + (percpu ? kBias : 0), std::memory_order_release);
  // Release: pairs with tryget_live's acquire load of flags (a per-thread
  // get sees all of the above).
  s.flags.store(percpu ? 0 : kAtomicMode, std::memory_order_release);
}

// percpu_ref_kill: dead and atomic, then the initial reference dropped.
template <Backend B>
void kill(shared& s) {
  const uint64_t f = s.flags.load(std::memory_order_relaxed);  // only the killer writes flags
  s.kills.fetch_add(1, std::memory_order_relaxed);
  if (s.kind != variant::plain && !(f & kAtomicMode)) {
    // Relaxed: what orders per-thread gets and puts before the fold is the
    // grace period call() starts after this store, not the store itself.
    s.flags.store(kAtomicMode | kDead, std::memory_order_relaxed);
    s.count.fetch_add(1, std::memory_order_relaxed);  // held until the switch is done (biased: > 0)
    B::call(&s.switch_head.head, &switch_to_atomic_rcu);
  } else {
    // Relaxed: gets that miss kDead still go through inc_not_zero.
    s.flags.store(f | kDead, std::memory_order_relaxed);
  }
  put_atomic(s);  // the initial reference
}

// [from, to) in now_ns() time.
struct interval {
  uint64_t from, to;
};

// How much of `spans` lies inside [open, close).
inline uint64_t overlap_ns(const std::vector<interval>& spans, uint64_t open, uint64_t close) {
  uint64_t total = 0;
  for (const interval& i : spans) {
    const uint64_t from = std::max(i.from, open), to = std::min(i.to, close);
    if (to > from) total += to - from;
  }
  return total;
}

// One killer: live for live_ns, kill, wait for the release, reinit. Each
// dead span (kill -> reinit) goes to `dead`.
template <Backend B>
void killer(thread_ctx& ctx, shared& s, uint64_t live_ns, std::vector<interval>& dead) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // holds no reference; only waits
  ctx.start();
  bool running = true;
  while (running) {
    const uint64_t until = now_ns() + live_ns;
    while (running && now_ns() < until) {
      std::this_thread::yield();
      running = ctx.next_batch(0);
    }
    if (!running) break;
    const uint64_t g = s.gen.load(std::memory_order_relaxed);  // only the killer writes gen
    const uint64_t t0 = now_ns();
    kill<B>(s);
    running = ctx.next_batch(1);  // a kill is the killer's operation
    // Acquire: pairs with release()'s exchange (released_ns and every put
    // of generation g happen before our reinit).
    while (running && s.released_gen.load(std::memory_order_acquire) != g) {
      std::this_thread::yield();
      running = ctx.next_batch(0);
    }
    if (!running) {  // the run ended first (next_batch says so only once)
      dead.push_back({t0, UINT64_MAX});
      break;
    }
    const uint64_t released = s.released_ns.load(std::memory_order_relaxed);
    ctx.record_latency(released > t0 ? released - t0 : 0);  // before t0: released early (broken setups)
    reinit(s);
    dead.push_back({t0, now_ns()});
    running = ctx.next_batch(0);
  }
}

}  // namespace percpu_ref_detail

template <Backend B>
void register_percpu_ref(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace percpu_ref_detail;
  const workload_descriptor& d = describe_percpu_ref();
  // One killer whatever --updaters says: the descriptor's `always` level alone.
  for (const rescue_point& p : rescue_points(o, d, B::kName)) {
    register_point(p.name, [o, &d, readers = p.readers, v = variant(p.variant),
                            live_us = p.size](benchmark::State& state) {
      shared s(readers, v);
      reinit(s);  // generation 1; released_gen 0: none released yet
      std::vector<interval> dead;  // the killer's
      uint64_t window_open = 0, window_close = 0;
      run_options ro = run_options_for(o);
      ro.on_window_open = [&] { window_open = now_ns(); };
      ro.on_window_close = [&] { window_close = now_ns(); };
      const backend_stats before = B::stats();
      run_report run = run_roles(*o.topo, ro,
          {{"reader", readers, o.reader_policy, [&](thread_ctx& c) { reader<B>(c, s); }},
           {"updater", 1, o.updater_policy, [&](thread_ctx& c) { killer<B>(c, s, live_us * 1000, dead); }}},
          helper_handles<B>);
      // Time the ref spent dead inside the window: gets fail then, so the
      // lab divides the pairs by the live time only.
      const uint64_t dead_ns = std::min(overlap_ns(dead, window_open, window_close), run.wall_ns);
      registered_barrier<B>();  // the last mode switch, if one is pending
      const backend_stats stats = stats_since(before, B::stats());
      // Every reader is gone: a killed ref is released with 0 left, a live
      // one holds exactly its initial reference (per-thread counts included).
      const bool killed = s.flags.load() & kDead;
      int64_t sum = s.count.load();
      if (v == variant::percpu && !killed) {
        for (counter_slot& slot : s.slots) sum += slot.v.load();
        sum -= kBias;
      }
      const int64_t expected = killed ? 0 : 1;
      const uint64_t count_error = uint64_t(sum > expected ? sum - expected : expected - sum);
      // One release per kill, now that the last switch has run.
      const uint64_t kills = s.kills.load(), releases = s.releases.load();
      const uint64_t release_mismatch = kills > releases ? kills - releases : releases - kills;
      run.violations += s.get_after_release.load() + (count_error != 0) +
                        release_mismatch;  // put_after_release: counted by the readers' batches
      report_run(state, run, stats, 0);
      report_counters(state, d,
                      {{"releases", s.releases}, {"get_after_release", s.get_after_release},
                       {"put_after_release", s.put_after_release}, {"release_mismatch", release_mismatch},
                       {"kills", kills}, {"dead_ns", dead_ns}, {"count_error", count_error},
                       {"failed_gets", s.failed_gets}, {"percpu_gets", s.percpu_gets},
                       {"atomic_gets", s.atomic_gets}, {"live_us", live_us}});
    });
  }
}

}  // namespace rculab
