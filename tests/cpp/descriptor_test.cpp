// The workload descriptors hold together: what they name exists, and
// report_counters holds a workload to the counters its descriptor declares.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "bench/harness/gb_report.h"
#include "bench/workloads/catalogue.h"

namespace rculab {
namespace {

std::set<std::string> counters_of(const workload_descriptor& w) {
  std::set<std::string> names(core_counter_names().begin(), core_counter_names().end());
  for (const counter_desc& c : w.counters) names.emplace(c.name);
  return names;
}

TEST(Descriptor, EveryWorkloadNamesWhatExists) {
  std::set<std::string_view> names;
  for (const workload_descriptor* w : workload_catalogue()) {
    SCOPED_TRACE(std::string(w->name));
    EXPECT_TRUE(names.insert(w->name).second) << "named twice";
    EXPECT_EQ(find_workload(w->name), w);
    EXPECT_FALSE(w->summary.empty());
    ASSERT_FALSE(w->params.empty());
    EXPECT_EQ(w->params.front().key, "readers");
    EXPECT_EQ(w->params.back().key, "placement");
    std::set<std::string_view> keys;
    for (const param_desc& p : w->params) EXPECT_TRUE(keys.insert(p.key).second) << p.key << " twice";
    if (!w->variant_key.empty()) {
      EXPECT_TRUE(keys.count(w->variant_key)) << "variant key " << w->variant_key << " is no parameter";
      EXPECT_GE(w->variants.size(), 2u);
    } else {
      EXPECT_TRUE(w->variants.empty());
    }
    const std::set<std::string> counters = counters_of(*w);
    EXPECT_EQ(counters.size(), core_counter_names().size() + w->counters.size()) << "a counter declared twice";
    for (std::string_view check : w->checks) EXPECT_TRUE(counters.count(std::string(check))) << check;
    for (const metric_desc& m : w->metrics) {
      SCOPED_TRACE(std::string(m.name));
      const std::set<std::string_view> kinds = {"rate", "share", "raw", "ns_per_op", "sampled", "ticks_per_op"};
      EXPECT_TRUE(kinds.count(m.kind)) << m.kind;
      if (m.kind == "ns_per_op" || m.kind == "ticks_per_op") {
        EXPECT_TRUE(m.a == "reader" || m.a == "updater") << m.a;
      } else {
        EXPECT_TRUE(counters.count(std::string(m.a))) << m.a;
      }
      if (!m.b.empty()) {
        EXPECT_TRUE(counters.count(std::string(m.b))) << m.b;
      }
      EXPECT_EQ(m.b.empty(), m.kind == "rate" || m.kind == "raw") << "operand b";
    }
    EXPECT_FALSE(w->headline.empty());
    EXPECT_FALSE(w->throughput.empty());
    EXPECT_EQ(w->paced_by.empty(), w->paced_headline.empty());
    if (!w->paced_by.empty()) {
      EXPECT_TRUE(keys.count(w->paced_by));
    }
  }
  EXPECT_EQ(find_workload("no_such_workload"), nullptr);
}

const workload_descriptor kTwoCounters{
    .name = "test_workload",
    .summary = "two counters",
    .needs_updates = false,
    .params = {{"readers", {}, ""}, {"placement", {}, ""}},
    .counters = {{"first", "things", ""}, {"second", "things", ""}},
    .headline = "reads_per_s",
    .throughput = "reads_per_s",
};

TEST(Descriptor, ReportedCountersMustBeExactlyTheDeclaredOnes) {
  std::atomic<uint64_t> second{7};
  EXPECT_EQ(counter_mismatch(kTwoCounters, {{"first", 1.5}, {"second", second}}), "");
  EXPECT_EQ(counter_mismatch(kTwoCounters, {{"second", 2u}, {"first", true}}), "") << "order does not matter";
  EXPECT_EQ(counter_mismatch(kTwoCounters, {{"first", 1}}), "misses declared 'second'");
  EXPECT_EQ(counter_mismatch(kTwoCounters, {{"first", 1}, {"second", 2}, {"third", 3}}),
            "reports undeclared 'third'");
  EXPECT_EQ(counter_mismatch(kTwoCounters, {{"first", 1}, {"first", 2}}), "counter 'first' reported twice");
}

}  // namespace
}  // namespace rculab
