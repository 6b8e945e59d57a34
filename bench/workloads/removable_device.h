// removable_device: counting I/O in to a device that can be removed under it.
// From perfbook "RCU Rescues: Counters for Removable I/O Devices" (and the
// rwlock design it rescues, count.tex "Applying Exact Limit Counters").
//
// I/O threads ("reader" role) start I/Os on the updaters' devices in turn:
// the fast path checks the device's `removing` flag and, if clear, counts the
// I/O in (add_count: the thread's own in-flight slot), then leaves the
// section, does the I/O (~100 ns of calibrated work) and counts it out
// (sub_count). If `removing` is set the I/O is cancelled. Each updater owns a
// device and cycles it: present for `present_us`, then removal (set
// `removing`, wait until no fast path can still miss it, wait for the
// in-flight count to drain to 0, remove_device()), then a fresh device is
// inserted and the old one freed once no fast path can still hold it.
//   variant:rcu     the fast path is an RCU read-side section; removal waits
//                   a grace period after setting `removing`.
//   variant:rwlock  the fast path holds the workload's own reader-writer
//                   lock (writer-preferring); removal sets `removing` under
//                   the write lock.
// Measured: I/O attempts (reader_ops) and I/Os completed inside the window
// (`io_completed_window`) vs I/O threads, removal
// latency (lat_*: grace period + drain), cancelled I/Os and time spent
// removing (the throughput dip). The chart should show the rwlock's shared
// line capping I/O starts as threads are added, RCU's scaling, and the
// grace period RCU adds to each removal.
// Invariants, checked during the run: no I/O runs on a removed device
// (`io_on_removed`; such an I/O is lost with its device: neither completed
// nor counted out), the in-flight count is exactly 0 when the device is
// freed and at the end (`undrained`), no freed device is read (poison); after
// the run, cancelled + completed == attempted. All count in `violations`.
#pragma once

#include <pthread.h>

#include <mutex>
#include <thread>
#include <vector>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"
#include "bench/workloads/retired.h"
#include "impls/core/barrier.h"

namespace rculab {

inline const workload_descriptor& describe_removable_device() {
  static const workload_descriptor d{
      .name = "removable_device",
      .summary = "I/O counted in past a removable device's `removing` flag: RCU vs rwlock fast path",
      .needs_updates = true,
      .params = {{"readers", {}, "I/O threads (--readers; default 1..PUs, 2x, 4x)"},
                 {"updaters", {1}, "removers, each removing and re-inserting its own device (--updaters)"},
                 {"variant", {}, "what the I/O fast path holds while it checks `removing`"},
                 {"present_us", {100, 10'000}, "us a device stays present between removals"},
                 {"placement", {}, "reader placement (--placement)"}},
      .variant_key = "variant",
      .variants = {{"rcu", true, "RCU fast path"}, {"rwlock", false, "rwlock fast path (read_lock)"}},
      .counters = {{"io_attempted", "I/Os", "I/Os the fast path tried to start, whole run"},
                   {"io_cancelled", "I/Os", "I/Os cancelled: the device was being removed"},
                   {"io_completed", "I/Os", "I/Os done and counted out, whole run"},
                   {"io_completed_window", "I/Os", "I/Os completed inside the window"},
                   {"io_on_removed", "I/Os", "I/Os that ran on a removed device (lost with it)"},
                   {"undrained", "devices", "devices freed with I/Os still counted in"},
                   {"removing_ns", "ns", "time the removers spent removing devices inside the window"},
                   {"present_us", "us", "the present_us parameter"}},
      .checks = {"io_on_removed", "undrained"},
      .metrics = {{"io_completed_per_s", "I/Os completed", "I/Os/s", true, "rate", "io_completed_window"},
                  {"cancelled_share", "I/Os cancelled", "share of attempts", false, "share", "io_cancelled",
                   "io_attempted"}},
      .headline = "reads_per_s",
      .throughput = "reader_ops_per_s",
  };
  return d;
}

namespace removable_device_detail {

inline constexpr uint64_t kIoBatch = 256;
inline constexpr double kIoNs = 100;  // do_io()

enum class variant { rcu, rwlock };

// A test-only backend may ask for the removal bug the drain and accounting
// checks exist for: perfbook's removal without its `while (read_count() !=
// 0)` poll, which removes the device under the I/Os still in flight. Its I/Os
// also last 200 us instead of kIoNs (test-only widening, far longer than a
// grace period with no reader in a section), so that some are in flight at
// every removal and the bug shows in every run.
template <Backend B>
constexpr bool skips_drain() {
  if constexpr (requires { B::kBreakDeviceDrain; }) return B::kBreakDeviceDrain;
  return false;
}

template <Backend B>
constexpr double io_ns() {
  return skips_drain<B>() ? 200'000 : kIoNs;
}

struct device {
  explicit device(size_t io_threads) : inflight(io_threads) {}
  std::atomic<uint64_t> marker{kAlive};
  std::atomic<bool> removing{false};
  std::atomic<bool> removed{false};  // remove_device() has run
  // add_count/sub_count: one slot per I/O thread, written by it only.
  std::vector<cacheline_atomic<int64_t>> inflight;

  // read_count(). Acquire pairs with the release in sub_count: the I/O an
  // I/O thread counted out is complete before the remover sees its count.
  int64_t count() const noexcept {
    int64_t sum = 0;
    for (const auto& slot : inflight) sum += slot.value.load(std::memory_order_acquire);
    return sum;
  }
};

struct shared {
  variant v = variant::rcu;
  pthread_rwlock_t rwlock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;  // variant:rwlock
  std::vector<cacheline_atomic<device*>> devices;  // one per updater
  retired_ring<device> ring;
  size_t io_threads = 0;
  uint64_t io_spins = 0;
  std::atomic<uint64_t> attempted{0}, cancelled{0}, completed{0}, completed_in_window{0};
  std::atomic<uint64_t> io_on_removed{0}, undrained{0};
  std::atomic<uint64_t> removing_ns{0};  // inside the window
};

// The fast path up to the I/O: the device the I/O was counted in on, or
// nullptr when it was cancelled (device being removed). `freed_seen`: the
// device it looked at had been freed by the end of the section.
template <Backend B>
device* start_io(shared& s, std::atomic<device*>& slot, unsigned me, bool& freed_seen) {
  auto count_in = [me, &freed_seen](device* d) -> device* {
    device* counted = nullptr;
    if (!d->removing.load(std::memory_order_relaxed)) {
      auto& mine = d->inflight[me].value;
      // Relaxed: the remover reads it only after a grace period (rcu) or the
      // write lock (rwlock), which order it before that read.
      mine.store(mine.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      counted = d;
    }
    freed_seen = !live(d);  // last in the section
    return counted;
  };
  if (s.v == variant::rwlock) {
    pthread_rwlock_rdlock(&s.rwlock);
    device* d = count_in(slot.load(std::memory_order_relaxed));  // written under the write lock
    pthread_rwlock_unlock(&s.rwlock);
    return d;
  }
  read_guard<B> section;
  return count_in(rcu_dereference(slot));
}

template <Backend B>
void io_thread(thread_ctx& ctx, shared& s) {
  thread_scope<B> registered;
  const unsigned me = ctx.index_in_role();
  ctx.start();
  uint64_t attempted = 0, cancelled = 0, completed = 0, on_removed = 0, freed = 0, completed_in_window = 0;
  size_t next = me % s.devices.size();
  uint64_t io_chain = me;
  do {
    for (uint64_t i = 0; i < kIoBatch; ++i) {
      ++attempted;
      bool freed_seen = false;
      device* d = start_io<B>(s, s.devices[next].value, me, freed_seen);
      next = next + 1 == s.devices.size() ? 0 : next + 1;
      freed += freed_seen;
      if (!d) {
        ++cancelled;  // cancel_io()
        continue;
      }
      const bool gone_before = d->removed.load(std::memory_order_relaxed) || !live(d);
      // do_io(). Each I/O continues the last one's chain, so that I/Os do
      // not overlap in the pipeline and each costs its calibrated time.
      io_chain = spin_iterations(s.io_spins, io_chain);
      const bool gone_after = d->removed.load(std::memory_order_relaxed) || !live(d);
      if (gone_before || gone_after) {
        // The device was removed under the I/O: it is lost with the device,
        // neither completed nor counted out (the count it leaves behind and
        // the attempt left unaccounted are what the after-run checks see).
        ++on_removed;
        continue;
      }
      auto& mine = d->inflight[me].value;
      // sub_count. Release pairs with the acquire in device::count(): the
      // I/O above is done before the remover can see it counted out.
      mine.store(mine.load(std::memory_order_relaxed) - 1, std::memory_order_release);
      ++completed;
      completed_in_window += ctx.measuring();
    }
    if constexpr (B::kTraits.needs_quiescent_states) B::quiescent_state();
  } while (ctx.next_batch(kIoBatch));
  keep(io_chain);
  if (on_removed || freed) ctx.violation();
  s.attempted.fetch_add(attempted);
  s.cancelled.fetch_add(cancelled);
  s.completed.fetch_add(completed);
  s.io_on_removed.fetch_add(on_removed);
  s.completed_in_window.fetch_add(completed_in_window);
}

// Frees a removed device no fast path can hold any more; its count must
// still be exactly 0 (an I/O that slipped past the removal would show here).
inline void free_device(shared& s, device* d, thread_ctx* ctx) {
  if (d->count() != 0) {
    s.undrained.fetch_add(1);
    if (ctx) ctx->violation();
  }
  s.ring.retire(d);
}

template <Backend B>
void remover(thread_ctx& ctx, shared& s, uint64_t present_us) {
  thread_scope<B> registered;
  offline_scope<B> offline;  // holds no device between removals
  std::atomic<device*>& slot = s.devices[ctx.index_in_role()].value;
  ctx.start();
  do {
    std::this_thread::sleep_for(std::chrono::microseconds(present_us));  // the device in use
    device* d = slot.load(std::memory_order_relaxed);  // only this thread replaces it
    const uint64_t t0 = now_ns();
    if (s.v == variant::rwlock) {
      pthread_rwlock_wrlock(&s.rwlock);
      d->removing.store(true, std::memory_order_relaxed);  // the lock orders it
      pthread_rwlock_unlock(&s.rwlock);
    } else {
      d->removing.store(true, std::memory_order_relaxed);
      B::synchronize();  // every fast path that missed `removing` has counted in
    }
    // Drain. perfbook polls every 1 ms; we yield, then sleep 20 µs, so that
    // an I/O thread preempted with an I/O counted in gets the CPU back.
    for (unsigned polls = 0; !skips_drain<B>() && d->count() != 0; ++polls) {
      if (polls < 16)
        std::this_thread::yield();
      else
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    d->removed.store(true, std::memory_order_relaxed);  // remove_device()
    const uint64_t removal_ns = now_ns() - t0;
    ctx.record_latency(removal_ns);
    if (ctx.measuring()) s.removing_ns.fetch_add(removal_ns, std::memory_order_relaxed);
    device* fresh = s.ring.make(s.io_threads);  // the device inserted again
    if (s.v == variant::rwlock) {
      pthread_rwlock_wrlock(&s.rwlock);
      slot.store(fresh, std::memory_order_relaxed);
      pthread_rwlock_unlock(&s.rwlock);  // no reader holds `d` past this
    } else {
      rcu_assign_pointer(slot, fresh);  // pairs with rcu_dereference in start_io
      B::synchronize();                 // no fast path still reads `d`
    }
    free_device(s, d, &ctx);
  } while (ctx.next_batch(1));
}

}  // namespace removable_device_detail

template <Backend B>
void register_removable_device(const bench_options& o) {
  if constexpr (!B::kTraits.safe_for_updates) return;
  using namespace removable_device_detail;
  const workload_descriptor& d = describe_removable_device();
  for (const rescue_point& p : rescue_points(o, d, B::kName)) {
    register_point(p.name, [o, &d, readers = p.readers, updaters = p.updaters, v = variant(p.variant),
                            present_us = p.size](benchmark::State& state) {
      shared s;
      s.v = v;
      s.io_threads = readers;
      s.io_spins = uint64_t(io_ns<B>() * spin_iterations_per_ns());
      s.devices = std::vector<cacheline_atomic<device*>>(updaters);
      for (auto& slot : s.devices) slot.value.store(s.ring.make(readers));
      auto [run, stats] = run_rescue<B>(o, readers, updaters, [&](thread_ctx& c) { io_thread<B>(c, s); },
                                        [&](thread_ctx& c) { remover<B>(c, s, present_us); });
      const uint64_t unreclaimed = s.ring.outstanding() - updaters;  // less the devices present
      const uint64_t undrained_in_run = s.undrained.load();  // already counted by the removers
      for (auto& slot : s.devices) free_device(s, slot.value.load(), nullptr);  // all I/O has ended
      const uint64_t attempted = s.attempted.load(), cancelled = s.cancelled.load(), completed = s.completed.load();
      run.violations += (cancelled + completed != attempted) + (s.undrained.load() - undrained_in_run);
      report_run(state, run, stats, unreclaimed);
      report_counters(state, d,
                      {{"io_attempted", attempted}, {"io_cancelled", cancelled}, {"io_completed", completed},
                       {"io_completed_window", s.completed_in_window}, {"io_on_removed", s.io_on_removed},
                       {"undrained", s.undrained}, {"removing_ns", s.removing_ns}, {"present_us", present_us}});
    });
  }
}

}  // namespace rculab
