// Host calibration: what the machine's primitives cost, so a backend's numbers
// can be explained by them (liburcu's test_barrier does the same). Measured by
// `rculab-core calibrate`, stored in hw-profiles/<id>/profile.json.
//
// Every measure is a tight loop of one primitive, timed in batches over about
// `seconds`; the result is the median batch's ns per operation (`raw_ns`; for
// the contended increments each thread's mean over the window, averaged over
// the threads), the same loop with nothing in it (`loop_ns`), and the
// difference (`ns`). The
// loops are out-of-line functions so their code can be checked with objdump
// (see calibrate.cpp for what the disassembly showed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rculab {

struct calibration_measure {
  std::string name;       // "mfence", "lock_or", ...
  std::string what;       // one line: what one operation is
  unsigned threads = 1;   // threads running the loop at once
  bool available = true;  // false: not measurable here (reason says why)
  std::string reason;
  double raw_ns = 0;      // median ns per operation, loop included
  double loop_ns = 0;     // the empty loop, same shape
  double ns = 0;          // raw_ns - loop_ns (never below 0)
  uint64_t operations = 0;  // operations timed in all batches (per thread)
};

// Runs every measure for about `seconds` each (plus the empty loop's time):
// mfence, lock_or, atomic_thread_fence, atomic_inc, atomic_inc_contended_2,
// atomic_inc_contended_pus, membarrier, membarrier_ipi, signal_round_trip,
// in that order; one that cannot run here comes back unavailable, with why.
// Throws std::runtime_error if a thread cannot be created or pinned.
std::vector<calibration_measure> run_calibration(double seconds);

}  // namespace rculab
