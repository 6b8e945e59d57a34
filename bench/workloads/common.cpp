#include "bench/workloads/common.h"

#include "bench/harness/placement.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace rculab {

double spin_iterations_per_ns() {
  static const double rate = [] {
    constexpr uint64_t kIterations = 20'000'000;
    double best = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {  // best of three: least disturbed
      const uint64_t t0 = now_ns();
      keep(spin_iterations(kIterations));
      const double per_ns = double(kIterations) / double(now_ns() - t0);
      if (per_ns > best) best = per_ns;
    }
    return best;
  }();
  return rate;
}

double tsc_ticks_per_ns() {
#if defined(__x86_64__) || defined(__i386__)
  static const double rate = [] {
    double best = 0;
    // A preemption between a clock read and its TSC read can only make the
    // ticks look fewer per ns: the largest of three spans is the least disturbed.
    for (int attempt = 0; attempt < 3; ++attempt) {
      const uint64_t t0 = now_ns(), c0 = __rdtsc();
      while (now_ns() - t0 < 5'000'000) {
      }
      const uint64_t c1 = __rdtsc(), t1 = now_ns();
      const double rate_now = double(c1 - c0) / double(t1 - t0);
      if (rate_now > best) best = rate_now;
    }
    return best;
  }();
  return rate;
#else
  return 0;
#endif
}

std::vector<unsigned> reader_sweep(const bench_options& o) {
  if (!o.readers.empty()) return o.readers;
  const unsigned pus = o.topo ? o.topo->pu_count() : 1;
  std::vector<unsigned> counts;
  // Every count on small hosts; powers of two (and the PU count) on big ones.
  for (unsigned n = 1; n <= pus; n = pus <= 8 ? n + 1 : n * 2) counts.push_back(n);
  if (counts.back() != pus) counts.push_back(pus);
  counts.push_back(2 * pus);
  counts.push_back(4 * pus);
  return counts;
}

}  // namespace rculab
