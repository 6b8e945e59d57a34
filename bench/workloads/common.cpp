#include "bench/workloads/common.h"

#include "bench/harness/placement.h"

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
