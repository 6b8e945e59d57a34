// memb: membarrier RCU. The read side has compiler barriers only; the updater
// makes every running thread of the process execute a full barrier with
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) (an IPI to the CPUs running
// our threads; threads not running pass through the scheduler's barrier).
//
// Algorithm: the two-phase counter of core/phase_counter.h.
// Barriers:
//   read_lock    compiler barrier after the counter store; membarrier()
//                promotes it to a full fence, pairs with master_barrier();
//   read_unlock  release store (plain mov on x86);
//   updater      membarrier() before the scan, full fences
//                around the flip;
//   order_reader membarrier() before an updater sleeps on one reader: pairs
//                with the compiler barrier between read_unlock's counter
//                store and its flag load (phase_counter.h, "Waiting").
// No fallback: if the kernel lacks PRIVATE_EXPEDITED (old kernel, seccomp,
// gVisor) the backend is unavailable and says why; it never silently turns
// into mb. mode() reports what this process runs in. RCULAB_MEMB_DISABLE=1
// forces "unavailable" to exercise that path.
// Cost: read side about that of a plain counter increment; a grace period
// costs two membarrier syscalls (IPIs) plus the reader scans.
#pragma once

#include <string>

#include "impls/core/phase_counter.h"

namespace rculab {

class memb : public phase_counter_backend<memb> {
 public:
  static constexpr const char kName[] = "memb";
  static constexpr backend_traits kTraits{};

  static std::string mode();
  static std::string unavailable_reason();

  static void prepare_reader_thread() { require_available(); }
  static void reader_barrier() noexcept { compiler_barrier(); }
  static void master_barrier();
  static bool order_reader(phase_reader& r);

 private:
  static void require_available();
};

}  // namespace rculab
