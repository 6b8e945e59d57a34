// The torture gate (bench/torture/torture.h) over every backend that is safe
// for updates: a few seconds each, 4 readers, must PASS; then the whole
// matrix (readers x grace-period style x churn) briefly. That the gate can
// FAIL is shown on a broken backend in selftest_test.cpp, in every style
// and with churn.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <tuple>

#include "tests/cpp/test_support.h"

namespace rculab::test {
namespace {

class Torture : public ::testing::TestWithParam<const backend_entry*> {};

INSTANTIATE_TEST_SUITE_P(All, Torture, ::testing::ValuesIn(backend_params()), param_name);

// Every update-safe backend of the build x 2 s (13 by default, ck_epoch
// included): about 25 s of ctest time.
constexpr double kSeconds = 2.0;

TEST_P(Torture, Passes) {
  const backend_entry& b = *GetParam();
  RCULAB_REQUIRE_UPDATES(b);
  const torture_config config{.readers = 4, .seconds = kSeconds, .seed = 1, .extra_updaters = 5};
  const torture_result r = b.torture(config);
  RecordProperty("reads", std::to_string(r.reads));
  RecordProperty("updates", std::to_string(r.updates));
  RecordProperty("synchronize_calls", std::to_string(r.stats.synchronize_calls));
  RecordProperty("grace_periods",
                 r.stats.grace_periods ? std::to_string(*r.stats.grace_periods) : "n/a");
  std::cout << "[ torture  ] " << b.name << ": reads " << r.reads << ", updates " << r.updates
            << " (synchronize " << r.updates_by_synchronize << ", call_rcu+barrier "
            << r.updates_by_call_rcu << "), max age " << r.max_age() << ", freed seen "
            << r.freed_seen << "\n";
  EXPECT_TRUE(r.passed()) << b.name << " FAILED the torture gate: freed slots seen "
                          << r.freed_seen << ", reads with age >= 2: " << r.too_old()
                          << ", max age " << r.max_age() << ", updates " << r.updates;
  EXPECT_GT(r.reads, 0u);
}

// ---- the matrix ---------------------------------------------------------------
// Every update-safe backend x readers {1, 2, 4, 8} x grace-period style x
// {no churn, churn}: one test per backend, style and churn (72 tests of 4
// cells). A cell runs kCellSeconds of wall time, so the sanitizer builds run
// the same matrix in the same time (with fewer operations per cell; TSan
// skips liburcu and the signal backend, as everywhere): about a minute of
// release ctest time in all. `./rculab torture --soak` runs the same matrix
// for longer. A cell whose updater completed nothing in its window (more
// readers than CPUs can keep a grace period waiting on preempted readers for
// the whole window), or with churn replaced no thread (a loaded host can
// leave the run without CPU), is run once more for kRetrySeconds before it
// fails.

constexpr double kCellSeconds = 0.2;
constexpr double kRetrySeconds = 1.0;
constexpr unsigned kMatrixReaders[] = {1, 2, 4, 8};

using matrix_param = std::tuple<const backend_entry*, gp_style, bool>;

class TortureMatrix : public ::testing::TestWithParam<matrix_param> {};

std::string matrix_name(const ::testing::TestParamInfo<matrix_param>& info) {
  const auto& [b, style, churn] = info.param;
  std::string name = param_name({b, info.index}) + "_" + std::string(gp_style_name(style));
  return name + (churn ? "_churn" : "_steady");
}

INSTANTIATE_TEST_SUITE_P(All, TortureMatrix,
                         ::testing::Combine(::testing::ValuesIn(backend_params()),
                                            ::testing::ValuesIn(kGpStyles), ::testing::Bool()),
                         matrix_name);

TEST_P(TortureMatrix, EveryReaderCountPasses) {
  const auto& [entry, style, churn] = GetParam();
  const backend_entry& b = *entry;
  RCULAB_REQUIRE_UPDATES(b);
  for (unsigned readers : kMatrixReaders) {
    torture_config config{.readers = readers, .seconds = kCellSeconds, .seed = readers,
                          .extra_updaters = 2, .style = style, .churn = churn};
    // A window that did not exercise the cell (no update; with churn, no
    // thread replaced) says more about the host's load than the backend.
    const auto exercised = [&](const torture_result& r) {
      return r.updates > 0 &&
             (!churn || (r.reader_threads > readers && r.updater_threads > 1 + config.extra_updaters));
    };
    torture_result r = b.torture(config);
    const bool retried = !exercised(r);
    if (retried) {
      config.seconds = kRetrySeconds;
      r = b.torture(config);
    }
    std::cout << "[ matrix   ] " << b.name << " " << gp_style_name(style)
              << (churn ? " churn" : "") << " readers " << readers << ": reads " << r.reads
              << ", updates " << r.updates << ", threads " << r.reader_threads << "+"
              << r.updater_threads << ", max age " << r.max_age()
              << (retried ? " (window retried)" : "") << "\n";
    EXPECT_TRUE(r.passed()) << b.name << " " << gp_style_name(style) << (churn ? " churn" : "")
                            << " readers " << readers << ": freed slots seen " << r.freed_seen
                            << ", reads with age >= 2: " << r.too_old() << ", updates " << r.updates;
    EXPECT_GT(r.reads, 0u);
    if (churn) {
      EXPECT_GT(r.reader_threads, readers) << "no reader thread was replaced";
      EXPECT_GT(r.updater_threads, 1 + config.extra_updaters) << "no updater thread was replaced";
    } else {
      EXPECT_EQ(r.reader_threads, readers);
      EXPECT_EQ(r.updater_threads, 1 + config.extra_updaters);
    }
  }
}

}  // namespace
}  // namespace rculab::test
