// qsbr: quiescent-state-based RCU. The read side is empty; each reader
// instead reports quiescent states (points where it holds no references)
// and goes offline around blocking calls. An online reader that never
// reports one stalls every grace period: that is the price of free reads.
//
// Algorithm: a free-running 64-bit grace-period counter (no phase flip, one
// scan; it would take centuries to wrap). A reader's counter is 0 while
// offline, otherwise the grace-period count it last acknowledged. A grace
// period increments the global counter to G and waits until every reader is
// offline or has acknowledged G.
// Barriers:
//   quiescent_state  release store of G (only when G changed): the reader's
//                    earlier accesses happen before the updater's acquire
//                    load that sees G, so before the free; a stale store is
//                    merely a wait, so no fence is needed after it;
//   thread_offline   release store of 0, same pairing;
//   thread_online    release store of G, then a full fence: pairs with the
//                    updater's fence after its increment, before its scan;
//                    either the scan sees us online or we see the removal.
//                    The release: an updater whose acquire load reads this
//                    store instead of an earlier offline/quiescent one still
//                    sees our earlier accesses (C++20 release sequences no
//                    longer run through a relaxed store); free on x86;
//   updater          full fence, increment, full fence, then the scan (the
//                    fences, not the RMW's ordering, carry the pairing);
//                    before sleeping: store the flag, full fence, re-check.
// Waiting: the updater spins briefly, then sleeps on a futex; a reader whose
// quiescent state (or offline, or online) is the first of a grace period
// fences and wakes it if it sleeps (cost on that slow path only, as liburcu
// does). thread_online() wakes it too: on a thread already online it stores
// the current count, which may be the one the updater waits for, and a later
// quiescent_state() sees nothing new to report (liburcu would leave the
// updater asleep there). The sleep keeps a 10 ms safety net; a sleep it ends
// with the reader passed counts in lost_wakeups() (should stay 0).
// synchronize() and barrier() from an online reader take it offline
// meanwhile, and back online however they return (an exception included).
// Cost: read side zero; quiescent_state ~1 ns when no grace period is pending.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "impls/core/barrier.h"
#include "impls/core/own_backend.h"
#include "impls/core/reader_registry.h"

namespace rculab {

// quiescent_state() is a plain load and store: a lock inside a
// non-lock-free atomic (32-bit hosts) would defeat the design.
static_assert(std::atomic<uint64_t>::is_always_lock_free, "QSBR needs lock-free 64-bit atomics");

struct alignas(kCacheLine) qsbr_reader {
  std::atomic<uint64_t> ctr{0};  // 0 = offline
  bool registered = false;
  qsbr_reader* next = nullptr;
  qsbr_reader* prev = nullptr;
};

class qsbr : public own_backend<qsbr> {
 public:
  static constexpr const char kName[] = "qsbr";
  static constexpr backend_traits kTraits{.needs_quiescent_states = true};

  static std::string mode() { return "free-running 64-bit counter"; }

  static void register_thread();
  static void unregister_thread();

  // Empty by design (and trivially nestable).
  static void read_lock() noexcept {}
  static void read_unlock() noexcept {}

  static void quiescent_state() noexcept {
    qsbr_reader& me = tls_reader_;
    // Acquire: a reader that sees the new count sees the removal before it.
    const uint64_t current = global_.value.load(std::memory_order_acquire);
    if (me.ctr.load(std::memory_order_relaxed) != current) {
      me.ctr.store(current, std::memory_order_release);  // pairs with acquire in the scan
      wake_waiting_updater();
    }
  }

  static void thread_offline() noexcept {
    tls_reader_.ctr.store(0, std::memory_order_release);  // pairs with acquire in the scan
    wake_waiting_updater();
  }

  static void thread_online() noexcept {
    // Release: see "thread_online" above.
    tls_reader_.ctr.store(global_.value.load(std::memory_order_acquire), std::memory_order_release);
    wake_waiting_updater();  // its full fence pairs with the updater's after its increment
  }

  static void synchronize();
  static void barrier();

  // QSBR has no read-side sections to be inside of.
  static bool in_read_section() noexcept { return false; }
  static uint64_t lost_wakeups() noexcept { return lost_wakeups_.load(std::memory_order_relaxed); }

 private:
  static bool online() noexcept {
    return tls_reader_.registered && tls_reader_.ctr.load(std::memory_order_relaxed) != 0;
  }
  class offline_for_wait;
  // The updater's sleep: only a net, never what ends a correct wait.
  static constexpr long kSafetyNetNs = 10'000'000;
  static void run_grace_period();
  static void wait_for(const qsbr_reader& r, uint64_t target);
  // Slow path only (once per grace period per reader, and thread_online):
  // the full fence orders our counter store before the load of the flag;
  // pairs with the updater's fence between its store of the flag and its
  // re-check (no lost wake-up).
  static void wake_waiting_updater() noexcept {
    full_fence();
    if (updater_sleeping_.value.load(std::memory_order_relaxed) != 0) wake_updater();
  }
  static void wake_updater() noexcept;
  static reader_registry<qsbr_reader>& registry();
  static void keep_calling_thread(void*) noexcept;

  static inline constinit thread_local qsbr_reader tls_reader_{};
  static inline constinit cacheline_atomic<uint64_t> global_{1};
  // 1 while an updater sleeps on it waiting for a reader's quiescent state.
  static inline constinit cacheline_atomic<int32_t> updater_sleeping_{0};
  static inline constinit std::atomic<uint64_t> lost_wakeups_{0};
};

}  // namespace rculab
