// rculab-minimal-read-<flavor>: an independent yardstick for read_cost on a
// liburcu flavor. The least a read-side benchmark can do, none of the lab's
// code: one registered thread runs read-side sections back to back, each
// dereferencing a published node and adding its value to a sum the
// compiler must keep, the loop written as a user would write it. Prints ns
// per section (the median of seven timed runs). `rculab crosscheck` runs it
// beside read_cost/backend:urcu-<flavor>/readers:1 and compares.
//
// Built once per flavor (bench/CMakeLists.txt): RCULAB_URCU_HEADER names the
// flavor's header, whose generic names (rcu_read_lock, ...) map to it.
//
// usage: rculab-minimal-read-<flavor> [SECONDS]
#define _LGPL_SOURCE
#define URCU_API_MAP  // the generic names (rcu_read_lock, ...) for this flavor
#include RCULAB_URCU_HEADER

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

struct node {
  unsigned long value = 1;
};

node the_node;
node* published = &the_node;

// Sections in `iterations` trips of the loop; returns ns per section.
double time_sections(unsigned long iterations, unsigned long& sum) {
  const auto t0 = std::chrono::steady_clock::now();
  for (unsigned long i = 0; i < iterations; ++i) {
    rcu_read_lock();
    sum += rcu_dereference(published)->value;
    rcu_read_unlock();
  }
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / double(iterations);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
  if (!(seconds > 0) || seconds > 3600) {
    std::fprintf(stderr, "usage: %s [SECONDS in (0, 3600]]\n", argv[0]);
    return 2;
  }
  rcu_register_thread();
  unsigned long sum = 0;
  // Size a run to about a seventh of the time asked for.
  unsigned long iterations = 1 << 16;
  while (time_sections(iterations, sum) * double(iterations) < seconds / 7 * 1e9) iterations *= 2;
  std::vector<double> runs;
  for (int i = 0; i < 7; ++i) runs.push_back(time_sections(iterations, sum));
  std::sort(runs.begin(), runs.end());
  rcu_unregister_thread();
  std::printf("ns_per_section %.4f min %.4f max %.4f iterations %lu checksum %lu\n", runs[3], runs.front(),
              runs.back(), iterations, sum % 7);
  return 0;
}
