// What the perfbook "RCU Rescues" workloads share (stat_counter,
// removable_device, resizable_array, correlated_fields): their points, and
// reclaim_ledger's poison-and-park for objects other than bench_object (they
// free arrays, counters and records of their own types under readers).
//
// retired_ring: T has an atomic `marker` (kAlive while live); retire() stores
// kPoisoned and parks the object in a ring, deleting the one it displaces, so
// a reader a broken grace period left holding it reads the poison instead of
// reused memory (see reclaim_ledger in common.h for why the parking matters).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bench/workloads/common.h"
#include "bench/workloads/descriptor.h"

namespace rculab {

// Test-only: the negative tests run workloads on a backend whose grace
// periods do not wait, where a reader preempted for longer than the ring's
// depth of retirements would read memory already deleted (a crash, not a
// counted violation: stat_counter's readers follow pointers out of a retired
// array). While set, rings keep every retired object, poisoned, until they
// are destroyed at the end of the run.
inline std::atomic<bool> retired_keep_all{false};

template <class T>
class retired_ring {
 public:
  static constexpr uint64_t kDepth = reclaim_ledger::kQuarantine;

  retired_ring() : parked_(std::make_unique<std::atomic<T*>[]>(kDepth)) {}
  ~retired_ring() {
    for (uint64_t i = 0; i < kDepth; ++i) delete parked_[i].load(std::memory_order_acquire);
    for (T* o : kept_) delete o;
  }
  retired_ring(const retired_ring&) = delete;
  retired_ring& operator=(const retired_ring&) = delete;

  template <class... Args>
  T* make(Args&&... args) {
    made_.fetch_add(1, std::memory_order_relaxed);
    return new T(std::forward<Args>(args)...);
  }
  void retire(T* o) {
    o->marker.store(kPoisoned, std::memory_order_relaxed);
    if (retired_keep_all.load(std::memory_order_relaxed)) {
      std::lock_guard lock(kept_mu_);
      kept_.push_back(o);
      return;
    }
    const uint64_t slot = retired_.fetch_add(1, std::memory_order_relaxed) % kDepth;
    // acq_rel, as in reclaim_ledger: the thread that later displaces (and
    // deletes) this object sees the poison store and our earlier accesses.
    T* displaced = parked_[slot].exchange(o, std::memory_order_acq_rel);
    delete displaced;
  }
  uint64_t made() const noexcept { return made_.load(std::memory_order_relaxed); }
  uint64_t outstanding() const noexcept { return made() - retired_.load(std::memory_order_relaxed); }

 private:
  std::unique_ptr<std::atomic<T*>[]> parked_;  // value-initialized: nullptr
  std::mutex kept_mu_;
  std::vector<T*> kept_;  // guarded by kept_mu_ (retired_keep_all only)
  std::atomic<uint64_t> made_{0};
  std::atomic<uint64_t> retired_{0};
};

// One point of a Rescues workload.
struct rescue_point {
  std::string name;
  unsigned readers = 0;
  unsigned updaters = 0;
  size_t variant = 0;  // index into the descriptor's variants (the workload's enum order)
  uint64_t size = 0;   // the workload's own size parameter
};

// Updater counts: the user's (--updaters) or the descriptor's default, then
// the levels it runs whatever the flags say. A workload without a default
// grid (levels empty) has a fixed updater count: --updaters does not apply.
inline std::vector<unsigned> updater_levels(const bench_options& o, const workload_descriptor& d) {
  const param_desc& p = d.param("updaters");
  std::vector<unsigned> levels;
  if (!p.levels.empty()) levels = o.updaters.empty() ? std::vector<unsigned>(p.levels.begin(), p.levels.end()) : o.updaters;
  levels.insert(levels.end(), p.always.begin(), p.always.end());
  return levels;
}

// readers x updaters x variant x size, named
// workload/backend:B/readers:R/updaters:U/variant:V/<size>:S/placement:P,
// where <size> is the descriptor's parameter after the variant.
// --smoke: 2 readers, the first updater count and size, every variant.
inline std::vector<rescue_point> rescue_points(const bench_options& o, const workload_descriptor& d,
                                               std::string_view backend) {
  const param_desc& size = d.param_after(d.variant_key);
  const std::vector<unsigned> updaters = updater_levels(o, d);
  std::vector<rescue_point> points;
  const std::vector<unsigned> reader_counts = o.smoke ? std::vector<unsigned>{2} : reader_sweep(o);
  const size_t updater_levels = o.smoke ? 1 : updaters.size();
  const size_t size_levels = o.smoke ? 1 : size.levels.size();
  for (unsigned readers : reader_counts)
    for (size_t u = 0; u < updater_levels; ++u)
      for (size_t v = 0; v < d.variants.size(); ++v)
        for (size_t z = 0; z < size_levels; ++z)
          points.push_back({benchmark_name(std::string(d.name), backend,
                                           {{"readers", std::to_string(readers)},
                                            {"updaters", std::to_string(updaters[u])},
                                            {std::string(d.variant_key), std::string(d.variants[v].name)},
                                            {std::string(size.key), std::to_string(size.levels[z])},
                                            {"placement", policy_name(o.reader_policy)}}),
                            readers, updaters[u], v, size.levels[z]});
  return points;
}

// One measured run of `readers` reader bodies and `updaters` updater bodies:
// the run and the backend's counters over it.
template <Backend B, class Reader, class Updater>
std::pair<run_report, backend_stats> run_rescue(const bench_options& o, unsigned readers, unsigned updaters,
                                                Reader reader, Updater updater) {
  const backend_stats before = B::stats();
  run_report run = run_roles(*o.topo, run_options_for(o),
                             {{"reader", readers, o.reader_policy, reader},
                              {"updater", updaters, o.updater_policy, updater}},
                             helper_handles<B>);
  return {std::move(run), stats_since(before, B::stats())};
}

// Whether an object handed out by retired_ring is still live.
template <class T>
inline bool live(const T* o) noexcept {
  return o->marker.load(std::memory_order_relaxed) == kAlive;
}

}  // namespace rculab
