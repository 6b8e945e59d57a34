// The torture gate (bench/torture/torture.h) over every backend that is safe
// for updates: a few seconds each, 4 readers, must PASS. That the gate can
// FAIL is shown on a broken backend in selftest_test.cpp.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "tests/cpp/test_support.h"

namespace rculab::test {
namespace {

class Torture : public ::testing::TestWithParam<const backend_entry*> {};

INSTANTIATE_TEST_SUITE_P(All, Torture, ::testing::ValuesIn(backend_params()), param_name);

// 11 update-safe backends x 2 s: about 25 s of ctest time.
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

}  // namespace
}  // namespace rculab::test
