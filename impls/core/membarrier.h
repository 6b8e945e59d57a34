// membarrier(2), private expedited: the updater-side half of an asymmetric
// fence. One call makes every thread of this process that is running execute
// a full barrier (an IPI to its CPU); a thread that is not running passes
// through the scheduler's barrier before it runs again. So a reader whose
// store and later load are separated by a compiler barrier only behaves, for
// an updater that calls this between its own store and load, as if it had a
// full fence there (liburcu's smp_mb_slave / smp_mb_master pairing).
//
// memb uses it before every grace period's scan; mb and memb use it on the
// slow path of a grace period (an updater about to sleep waiting for one
// reader, phase_counter.h).
//
// Probed and registered once per process. RCULAB_MEMB_DISABLE=1 makes it
// unavailable, to exercise the paths without it.
#pragma once

#include <string>

namespace rculab {

// Empty when usable; otherwise why not (old kernel, seccomp, gVisor, disabled).
const std::string& membarrier_unavailable_reason();

// Every running thread of the process executes a full barrier before this
// returns. Only when membarrier_unavailable_reason() is empty; aborts with
// one line if the kernel refuses after a successful probe.
void membarrier_all_threads();

}  // namespace rculab
