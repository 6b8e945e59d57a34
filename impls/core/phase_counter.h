// The counter-based algorithm shared by mb, memb and signal (liburcu's design,
// Desnoyers et al. 2012), parameterized by where the full barriers sit.
//
// Each reader owns a 64-bit counter: the low 32 bits count nesting, bit 32 is
// the phase it entered under. The outermost read_lock copies the global
// counter (phase + nesting 1) into its own in one store; read_unlock
// decrements. A grace period waits until no reader is still inside a section
// of the old phase, flips the phase, and waits again: two scans, because a
// reader that read the global counter just before a flip may store its copy
// just after our scan (the single-flip race of the thesis, section 6.4.3).
//
// Derived supplies two barriers that must pair with each other:
//   reader_barrier()  after the outermost lock's counter store, before any
//                     load inside the section;
//   master_barrier()  on the updater, between the caller's removal of the old
//                     pointer and the scan.
// Either the updater's scan sees the reader's counter, or the reader's loads
// see the removal (store-buffering litmus, fenced on both sides).
// mb: both are full fences. memb: reader is a compiler barrier, master is
// membarrier(2). signal: reader is a compiler barrier, master signals every
// reader and waits until each has run a full fence in its handler.
//
// read_unlock stores with release: the section's accesses happen before the
// updater's acquire load that sees the reader leave, and so before the free.
// That is free on x86 and is also what ThreadSanitizer sees as the hand-off.
//
// Waiting: an updater that finds a reader still inside spins briefly, then
// announces itself to that reader (its updater_waits = 1, full fence,
// re-check) and sleeps on that futex; the reader's outermost read_unlock
// loads its own flag after its counter store and wakes it. So a reader
// preempted inside its section (more readers than CPUs) lets the grace
// period go on as soon as it leaves, not at the updater's next timed poll.
// The flag is per reader, not global: with one global flag every reader's
// unlock woke the updater, which re-armed the flag and slept again, some
// 5000 times per wait with 4 readers on 2 CPUs; that ping-pong (a syscall
// on the readers' side, the updater's whole CPU share) starved the reader
// it waited for and made grace periods 10x slower than plain polling.
// The reader side has no fence between its store and the flag's load (that
// would double mb's read cost and add one to memb's and signal's): if the
// store is still in its store buffer when the updater re-checks and the
// flag's old value is read, the wake-up is lost, so the updater's sleep is
// bounded (1 us doubling to 1 ms, as the polling it replaces) and never
// longer than before. Cost when nobody waits: one load from the cache line
// the unlock has just written, and a branch, per outermost section.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <mutex>

#include "impls/core/barrier.h"
#include "impls/core/fork_repair.h"
#include "impls/core/futex.h"
#include "impls/core/own_backend.h"
#include "impls/core/reader_registry.h"
#include "impls/core/thread_exit.h"
#include "impls/core/wait.h"

namespace rculab {

// A reader's counter is one plain load and store on the read side: a lock
// inside a non-lock-free atomic (32-bit hosts) would defeat the design.
static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "phase-counter RCU needs lock-free 64-bit atomics");

struct alignas(kCacheLine) phase_reader {
  std::atomic<uint64_t> ctr{0};
  // Set by the signal backend's updater, cleared by the reader's handler.
  std::atomic<int32_t> need_barrier{0};
  // 1 while an updater sleeps waiting for this reader to leave its section;
  // on ctr's line, so the outermost read_unlock's check costs no miss.
  std::atomic<int32_t> updater_waits{0};
  bool registered = false;
  pthread_t thread{};
  phase_reader* next = nullptr;
  phase_reader* prev = nullptr;
};

template <class Derived>
class phase_counter_backend : public own_backend<Derived> {
 public:
  static void register_thread() {
    phase_reader& me = self();
    if (me.registered) return;
    Derived::prepare_reader_thread();
    me.thread = pthread_self();
    me.ctr.store(0, std::memory_order_relaxed);
    registry().add(&me);
    me.registered = true;
    run_at_thread_exit(&unregister_at_exit);
  }

  static void unregister_thread() {
    phase_reader& me = self();
    if (!me.registered) return;
    if (kChecks && (me.ctr.load(std::memory_order_relaxed) & kNestMask) != 0)
      misuse(Derived::kName, "unregister_thread() inside a read-side section");
    registry().remove(&me);
    me.registered = false;
  }

  // At thread exit (thread_exit.h): a section the thread never left ends
  // here, so that grace periods stop waiting for it; then unregister.
  static void unregister_at_exit() {
    phase_reader& me = self();
    if (!me.registered) return;
    if ((me.ctr.load(std::memory_order_relaxed) & kNestMask) != 0) {
      report_exit_inside_section(Derived::kName);
      // Release, as read_unlock: pairs with the acquire load in reader_is_old().
      me.ctr.store(0, std::memory_order_release);
      full_fence();  // the store before the flag's load (a sleeping updater's wake-up)
      if (me.updater_waits.load(std::memory_order_relaxed) != 0) wake_updater(me);
    }
    unregister_thread();
  }

  static void read_lock() noexcept {
    phase_reader& me = self();
    if (kChecks && !me.registered) misuse(Derived::kName, "read_lock() from an unregistered thread");
    const uint64_t mine = me.ctr.load(std::memory_order_relaxed);
    if ((mine & kNestMask) == 0) {
      me.ctr.store(global_ctr().load(std::memory_order_relaxed), std::memory_order_relaxed);
      Derived::reader_barrier();  // pairs with master_barrier() before the scan
    } else {
      me.ctr.store(mine + kNestOne, std::memory_order_relaxed);
    }
  }

  static void read_unlock() noexcept {
    phase_reader& me = self();
    const uint64_t mine = me.ctr.load(std::memory_order_relaxed);
    // Unchecked, an extra unlock would borrow from the phase bit and leave
    // the reader looking active forever.
    if (kChecks && (mine & kNestMask) == 0)
      misuse(Derived::kName, "read_unlock() without a matching read_lock()");
    // Release: pairs with the acquire load in reader_is_old().
    me.ctr.store(mine - kNestOne, std::memory_order_release);
    // Outermost unlock: wake an updater that sleeps waiting for us. The
    // compiler barrier keeps the load after the store in the instruction
    // stream; the hardware may still hoist it (see the comment at the top).
    compiler_barrier();
    if ((mine & kNestMask) == kNestOne && me.updater_waits.load(std::memory_order_relaxed) != 0)
      wake_updater(me);
  }

  // Wake-ups of a sleeping updater by a leaving reader (the slow path).
  static uint64_t reader_wakeups() noexcept { return reader_wakeups_.load(std::memory_order_relaxed); }

  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}

  static void synchronize() {
    own_backend<Derived>::batcher().synchronize([] { run_grace_period(); });
  }

 protected:
  static constexpr uint64_t kNestOne = 1;
  static constexpr uint64_t kPhase = uint64_t{1} << 32;
  static constexpr uint64_t kNestMask = kPhase - 1;

  static reader_registry<phase_reader>& registry() {
    static constinit reader_registry<phase_reader> r;
    static const bool repaired_after_fork = (repair_after_fork(&keep_calling_thread, nullptr), true);
    (void)repaired_after_fork;
    return r;
  }

 protected:
  static phase_reader& self() noexcept { return tls_reader_; }

 private:

  static std::atomic<uint64_t>& global_ctr() noexcept { return global_.value; }

  // In the child of fork() (fork_repair.h): only the forking thread's record
  // stays; no updater sleeps any more.
  static void keep_calling_thread(void*) noexcept {
    registry().keep_only(self().registered ? &self() : nullptr);
    self().updater_waits.store(0, std::memory_order_relaxed);
  }

  static bool reader_is_old(const phase_reader& r, uint64_t global) noexcept {
    const uint64_t c = r.ctr.load(std::memory_order_acquire);
    return (c & kNestMask) != 0 && ((c ^ global) & kPhase) != 0;
  }

  static void wait_for_old_readers() {
    const uint64_t global = global_ctr().load(std::memory_order_relaxed);
    registry().for_each_locked([global](phase_reader& r) { wait_for(r, global); });
  }

  // Returns once `r` is not inside a section of the old phase. Grace periods
  // are serialized (gp_batcher), so at most one updater sleeps here.
  static void wait_for(phase_reader& r, uint64_t global) {
    for (backoff_waiter spin; spin.spinning(); spin.wait())
      if (!reader_is_old(r, global)) return;
    long sleep_ns = 1'000;
    while (reader_is_old(r, global)) {
      r.updater_waits.store(1, std::memory_order_relaxed);
      // Announce, then re-check: pairs with the reader's counter store then
      // flag load in read_unlock (best effort on its side, see above).
      full_fence();
      if (!reader_is_old(r, global)) break;
      futex_wait_for(r.updater_waits, 1, sleep_ns);
      if (sleep_ns < 1'000'000) sleep_ns *= 2;
    }
    r.updater_waits.store(0, std::memory_order_relaxed);
  }

  // The reader `me` leaves: wake the updater sleeping on its flag. The
  // record outlives the call: unregistering takes the registry lock, which
  // the waiting updater holds.
  static void wake_updater(phase_reader& me) noexcept {
    me.updater_waits.store(0, std::memory_order_relaxed);
    reader_wakeups_.fetch_add(1, std::memory_order_relaxed);
    futex_wake_all(me.updater_waits);
  }

  static void run_grace_period() {
    std::lock_guard lock(registry().mutex());
    Derived::master_barrier();  // pairs with reader_barrier() in read_lock
    wait_for_old_readers();
    // The scan must finish before the flip is visible, the flip before the
    // second scan: a local fence each side (updater-only, so cheap enough).
    full_fence();
    global_ctr().store(global_ctr().load(std::memory_order_relaxed) ^ kPhase,
                       std::memory_order_relaxed);
    full_fence();
    wait_for_old_readers();
    // No master barrier at the end (liburcu has one): each reader seen
    // leaving was seen through an acquire load of its release store, so its
    // section's accesses already happen before the caller's free, on any
    // architecture. For signal that halves the cost of a grace period.
  }

  static inline constinit thread_local phase_reader tls_reader_{};
  // Alone on its cache line: every outermost read_lock loads it.
  static inline constinit cacheline_atomic<uint64_t> global_{kNestOne};
  static inline constinit std::atomic<uint64_t> reader_wakeups_{0};
};

}  // namespace rculab
