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
// Derived supplies three barriers:
//   reader_barrier()  after the outermost lock's counter store, before any
//                     load inside the section;
//   master_barrier()  on the updater, between the caller's removal of the old
//                     pointer and the scan; pairs with reader_barrier():
//                     either the updater's scan sees the reader's counter, or
//                     the reader's loads see the removal (store-buffering
//                     litmus, fenced on both sides);
//   order_reader(r)   on the updater's slow path (below): makes reader r
//                     behave as if it had a full fence wherever it is, so it
//                     pairs with the mere compiler barrier in read_unlock.
// mb: reader and master are full fences, order_reader is membarrier(2) where
// the kernel has it. memb: reader is a compiler barrier, master and
// order_reader are membarrier(2). signal: reader is a compiler barrier,
// master signals every reader and waits until each has run a full fence in
// its handler, order_reader does the same for reader r alone.
//
// Memory model. Both of the reader's stores to its counter are releases:
// read_unlock's, and the outermost read_lock's. The updater's acquire load in
// reader_is_old() may read either: the unlock that ends the old section, or
// the lock of the reader's *next* section, stored before the updater looked.
// Since C++20 (P0982) a relaxed store would not continue the unlock's
// release sequence, so only a release at the lock too makes "the old section
// happens before the free" hold in the C++ model, not just in hardware. On
// x86 both are a plain mov (no cost); on Armv8 the lock's store becomes stlr
// instead of str (see the README's "Memory model" note for the codegen).
//
// Waiting: an updater that finds a reader still inside spins briefly, then
// announces itself to that reader (its updater_waits = 1), runs a full fence
// and order_reader(r), re-checks, and sleeps on that futex; the reader's
// outermost read_unlock loads its own flag after its counter store and wakes
// it. The reader side has only a compiler barrier between that store and
// that load (a fence there would double mb's read cost and add one to memb's
// and signal's); order_reader() is the other half, as liburcu pairs
// smp_mb_slave() with smp_mb_master(). Without it the pair is store-buffering
// fenced on one side only, and even x86-TSO lets the reader's load pass its
// store: the reader leaves without seeing the flag, the updater sleeps on.
// With it: either the updater's re-check sees the reader gone, or the reader
// sees the flag. The sleep keeps a timeout (kSafetyNetNs) only as a net;
// each wait that the net ends, finding the reader gone and its flag never
// taken, counts in lost_wakeups() (the lab reports it; it should stay 0).
// Where order_reader() cannot force the order (mb without membarrier), the
// sleep is bounded as the polling it replaces (1 us doubling to 1 ms).
// The flag is per reader, not global: with one global flag every reader's
// unlock woke the updater, which re-armed the flag and slept again, some
// 5000 times per wait with 4 readers on 2 CPUs; that ping-pong (a syscall
// on the readers' side, the updater's whole CPU share) starved the reader
// it waited for and made grace periods 10x slower than plain polling.
// Cost when nobody waits: one load from the cache line the unlock has just
// written, and a branch, per outermost section.
//
// Misuse that would deadlock: synchronize() or barrier() inside a read-side
// section (the grace period waits for the caller) is reported and aborts in
// every build: these are slow paths, the check costs nothing there.
#pragma once

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

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
  pid_t tid = 0;  // for diagnostics (signal: a reader that never acknowledges)
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
    me.tid = static_cast<pid_t>(syscall(SYS_gettid));
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
      // Release: the updater may read this store instead of the previous
      // unlock's (see "Memory model" above). A plain mov on x86.
      me.ctr.store(global_ctr().load(std::memory_order_relaxed), std::memory_order_release);
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
    // stream; the updater's order_reader() keeps the hardware from hoisting
    // it past the store (see "Waiting" above).
    compiler_barrier();
    if ((mine & kNestMask) == kNestOne && me.updater_waits.load(std::memory_order_relaxed) != 0)
      wake_updater(me);
  }

  // Wake-ups of a sleeping updater by a leaving reader (the slow path).
  static uint64_t reader_wakeups() noexcept { return reader_wakeups_.load(std::memory_order_relaxed); }
  // Waits the safety-net timer ended with the reader gone and its flag never
  // taken: wake-ups the reader did not make (see "Waiting" above).
  static uint64_t lost_wakeups() noexcept { return lost_wakeups_.load(std::memory_order_relaxed); }

  // Inside a read-side section (this thread): synchronize() and barrier()
  // would wait for it forever.
  static bool in_read_section() noexcept { return (self().ctr.load(std::memory_order_relaxed) & kNestMask) != 0; }

  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}

  static void synchronize() {
    if (in_read_section())
      misuse(Derived::kName, "synchronize() inside a read-side section (it would wait for itself forever)");
    own_backend<Derived>::batcher().synchronize([] { run_grace_period(); });
  }

 protected:
  static constexpr uint64_t kNestOne = 1;
  static constexpr uint64_t kPhase = uint64_t{1} << 32;
  static constexpr uint64_t kNestMask = kPhase - 1;
  // The sleep of an updater whose reader is ordered (order_reader() true):
  // only a net, never what ends a correct wait.
  static constexpr long kSafetyNetNs = 10'000'000;

  static reader_registry<phase_reader>& registry() {
    static constinit reader_registry<phase_reader> r;
    static const bool repaired_after_fork = (repair_after_fork(&keep_calling_thread, nullptr), true);
    (void)repaired_after_fork;
    return r;
  }

  static phase_reader& self() noexcept { return tls_reader_; }
  static std::atomic<uint64_t>& global_ctr() noexcept { return global_.value; }

  static bool reader_is_old(const phase_reader& r, uint64_t global) noexcept {
    const uint64_t c = r.ctr.load(std::memory_order_acquire);
    return (c & kNestMask) != 0 && ((c ^ global) & kPhase) != 0;
  }

  // The updater's half of the wake protocol, once: announce, fence, have
  // the reader ordered, re-check. `ordered` carries over between calls of
  // one wait: a flag still armed since the last order_reader() (the reader
  // has not taken it; only we set it) is still covered by that order, for
  // every later load of it by the reader, so only a fresh arm needs the
  // reader ordered again: one membarrier or signal per wait, not per sleep.
  // Tests run it against read_unlock() as a litmus
  // (tests/cpp/wake_protocol_test.cpp).
  enum class recheck { reader_gone, sleep_forced, sleep_unforced };
  static recheck announce_and_recheck(phase_reader& r, uint64_t global, bool& ordered) {
    if (r.updater_waits.exchange(1, std::memory_order_relaxed) == 0 || !ordered) {
      // Our flag store before our re-check's load (store-load); the
      // reader's counter store before its flag load is order_reader()'s
      // job. Together they pair with read_unlock's store, compiler
      // barrier, load.
      full_fence();
      ordered = Derived::order_reader(r);
    }
    if (!reader_is_old(r, global)) return recheck::reader_gone;
    return ordered ? recheck::sleep_forced : recheck::sleep_unforced;
  }

  // Returns once `r` is not inside a section of the old phase. Grace periods
  // are serialized (gp_batcher), so at most one updater sleeps here.
  static void wait_for(phase_reader& r, uint64_t global) {
    for (backoff_waiter spin; spin.spinning(); spin.wait())
      if (!reader_is_old(r, global)) return;
    long unforced_sleep_ns = 1'000;
    bool ordered = false;
    for (recheck v; (v = announce_and_recheck(r, global, ordered)) != recheck::reader_gone;) {
      if (v == recheck::sleep_forced) {
        futex_wait_for(r.updater_waits, 1, kSafetyNetNs);
      } else {
        futex_wait_for(r.updater_waits, 1, unforced_sleep_ns);
        if (unforced_sleep_ns < 1'000'000) unforced_sleep_ns *= 2;
      }
      // Gone (woken by it, or not): done, without arming and ordering again
      // (for signal, a second signal round trip per wait).
      if (!reader_is_old(r, global)) {
        note_if_wakeup_lost(r);
        break;
      }
    }
    r.updater_waits.store(0, std::memory_order_relaxed);
  }

  // After a sleep, the reader gone: its flag still armed means it left
  // without seeing the flag, so the timer, not the reader, woke us. A
  // reader between its store and its load takes the flag within a moment:
  // wait that moment first (one preempted right there still counts).
  static void note_if_wakeup_lost(const phase_reader& r) noexcept {
    if (!cleared_within_a_moment(r.updater_waits)) lost_wakeups_.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  static void wait_for_old_readers() {
    const uint64_t global = global_ctr().load(std::memory_order_relaxed);
    registry().for_each_locked([global](phase_reader& r) { wait_for(r, global); });
  }

  // In the child of fork() (fork_repair.h): only the forking thread's record
  // stays; no updater sleeps any more.
  static void keep_calling_thread(void*) noexcept {
    registry().keep_only(self().registered ? &self() : nullptr);
    self().updater_waits.store(0, std::memory_order_relaxed);
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
    // No master barrier at the end (liburcu has one). A reader the scans
    // waited for was last seen through an acquire load that read one of its
    // release stores (the unlock ending that section, or a later lock, see
    // "Memory model"): its section happens before the caller's free. A reader
    // never seen inside an old section needs nothing here: master_barrier()
    // before the first scan already ordered its loads after the removal.
    // For signal that halves the cost of a grace period.
  }

  static inline constinit thread_local phase_reader tls_reader_{};
  // Alone on its cache line: every outermost read_lock loads it.
  static inline constinit cacheline_atomic<uint64_t> global_{kNestOne};
  static inline constinit std::atomic<uint64_t> reader_wakeups_{0};
  static inline constinit std::atomic<uint64_t> lost_wakeups_{0};
};

}  // namespace rculab
