// reclaim_ledger's poison-and-park for objects other than bench_object: the
// "Rescues" workloads free arrays, counters and records of their own types
// under readers. T has an atomic `marker` (kAlive while live); retire() stores
// kPoisoned and parks the object in a ring, deleting the one it displaces, so
// a reader a broken grace period left holding it reads the poison instead of
// reused memory (see reclaim_ledger in common.h for why the parking matters).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "bench/workloads/common.h"

namespace rculab {

template <class T>
class retired_ring {
 public:
  static constexpr uint64_t kDepth = reclaim_ledger::kQuarantine;

  retired_ring() : parked_(std::make_unique<std::atomic<T*>[]>(kDepth)) {}
  ~retired_ring() {
    for (uint64_t i = 0; i < kDepth; ++i) delete parked_[i].load(std::memory_order_acquire);
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
  std::atomic<uint64_t> made_{0};
  std::atomic<uint64_t> retired_{0};
};

// Whether an object handed out by retired_ring is still live.
template <class T>
inline bool live(const T* o) noexcept {
  return o->marker.load(std::memory_order_relaxed) == kAlive;
}

}  // namespace rculab
