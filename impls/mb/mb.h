// mb: memory-barrier RCU. General purpose: no signals, no syscalls, no
// quiescent states, so any thread can read at any time after registering.
//
// Algorithm: the two-phase counter of core/phase_counter.h.
// Barriers:
//   read_lock    full fence after the outermost counter store, pairs with the
//                updater's full fence before its scan;
//   read_unlock  a release store (no fence: the updater never needs to see
//                the unlock early, only not before the section's accesses);
//   updater      full fences before the scan and around the phase flip.
// Cost: one locked instruction per outermost section, ~2.4 ns on this x86 box
// (liburcu 0.13's mb flavor pays two mfences, ~16 ns each).
#pragma once

#include "impls/core/barrier.h"
#include "impls/core/phase_counter.h"

namespace rculab {

class mb : public phase_counter_backend<mb> {
 public:
  static constexpr const char kName[] = "mb";
  static constexpr backend_traits kTraits{};

  static std::string mode() { return std::string("full fence: ") + full_fence_name(); }

  static void prepare_reader_thread() {}
  static void reader_barrier() noexcept { full_fence(); }
  static void master_barrier() noexcept { full_fence(); }
};

}  // namespace rculab
