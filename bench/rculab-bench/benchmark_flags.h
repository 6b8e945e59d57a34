// Google Benchmark 1.7.1's own flags in rculab-bench, held to the lab's rule:
// every bad input is one line on stderr and exit 2, overwriting nothing.
// Left to itself, Google Benchmark takes some bad values silently
// (--benchmark_repetitions=0 runs nothing and exits 0), reports a malformed
// number on two lines, answers --benchmark_format=xml with its usage on stdout
// and exit 0, truncates --benchmark_out=FILE before it finds that the filter
// matches nothing, and leaves FILE half written when a run dies.
#pragma once

#include <cstddef>
#include <string>

#include "bench/flags/flags.h"  // usage_error

namespace rculab {

// Throws usage_error for the first Google Benchmark flag in argv[1, argc)
// whose value it would misuse; call before benchmark::Initialize.
void check_benchmark_flags(int argc, char** argv);

// Throws usage_error for the first argument benchmark::Initialize left over
// (an unknown flag or a stray word), instead of a line for each of them.
void reject_leftover_arguments(int argc, char** argv);

// How many registered benchmarks `filter` selects (as RunSpecifiedBenchmarks
// would), running none and printing nothing; throws usage_error when the
// regular expression is invalid or selects nothing.
size_t count_selected(const std::string& filter);

// --benchmark_out=FILE: Google Benchmark writes FILE.<pid>.partial instead,
// which becomes FILE only once the run is complete (commit()); until then
// FILE is untouched, and the destructor removes the partial file.
class staged_output {
 public:
  // Rewrites the last --benchmark_out=FILE in argv (argv then points into
  // this object: keep it alive until Initialize has read argv); throws
  // usage_error when FILE is empty or cannot be written.
  staged_output(int argc, char** argv);
  ~staged_output();
  staged_output(const staged_output&) = delete;
  staged_output& operator=(const staged_output&) = delete;
  // Moves the complete output into place; throws std::runtime_error if it cannot.
  void commit();

 private:
  std::string final_path_, staging_path_, staging_flag_;
  bool committed_ = false;
};

}  // namespace rculab
