// mb: memory-barrier RCU. General purpose: no signals, no syscalls, no
// quiescent states, so any thread can read at any time after registering.
//
// Algorithm: the two-phase counter of core/phase_counter.h.
// Barriers:
//   read_lock    full fence after the outermost counter store, pairs with the
//                updater's full fence before its scan;
//   read_unlock  a release store (no fence: the updater never needs to see
//                the unlock early, only not before the section's accesses);
//   updater      full fences before the scan and around the phase flip;
//                order_reader: membarrier(2) on the slow path (an updater
//                about to sleep on one reader), pairs with the compiler
//                barrier between read_unlock's store and its flag load.
// The unlock stays fence-free: a second locked instruction per section would
// double the read cost (the README's issue-14 table: measured), to order only
// a wake-up that the updater's slow path can order for it. Where the kernel
// has no membarrier, the slow path falls back to a bounded sleep (1 us
// doubling to 1 ms) and lost wake-ups cost up to that (lost_wakeups counts
// them).
// Cost: one locked instruction per outermost section, ~2.4 ns on this x86 box
// (liburcu 0.13's mb flavor pays two mfences, ~16 ns each).
#pragma once

#include "impls/core/barrier.h"
#include "impls/core/membarrier.h"
#include "impls/core/phase_counter.h"

namespace rculab {

class mb : public phase_counter_backend<mb> {
 public:
  static constexpr const char kName[] = "mb";
  static constexpr backend_traits kTraits{};

  static std::string mode() {
    const std::string& why = membarrier_unavailable_reason();
    return std::string("full fence: ") + full_fence_name() +
           (why.empty() ? "; waits ordered by membarrier" : "; waits bounded (" + why + ")");
  }

  // Probe (and register) membarrier now, not inside the first grace period.
  static void prepare_reader_thread() { (void)membarrier_unavailable_reason(); }
  static void reader_barrier() noexcept { full_fence(); }
  static void master_barrier() noexcept { full_fence(); }
  static bool order_reader(phase_reader&) {
    if (!membarrier_unavailable_reason().empty()) return false;
    membarrier_all_threads();
    return true;
  }
};

}  // namespace rculab
