// Where the harness puts a backend's own threads (call_rcu workers): on a PU
// no measured thread uses, unpinned where every PU runs one, and beside the
// measured threads only when a helper policy asks for it. Synthetic
// topologies: the plan is real, the binding a no-op.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "bench/harness/run_loop.h"

namespace rculab {
namespace {

// A stand-in for a call_rcu worker: a thread that idles until destroyed.
class idle_thread {
 public:
  idle_thread()
      : thread_([this] {
          while (!stop_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }) {}
  ~idle_thread() {
    stop_.store(true);
    thread_.join();
  }
  helper_thread handle() { return {"worker", thread_.native_handle(), 0, false}; }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

run_report run_with_one_helper(const std::string& synthetic, std::optional<placement_policy> helper_policy) {
  const topology topo = topology::synthetic(synthetic);
  idle_thread worker;
  run_options options;
  options.warmup_seconds = 0;
  options.measure_seconds = 0.01;
  options.helper_policy = helper_policy;
  const auto body = [](thread_ctx& ctx) {
    ctx.start();
    while (ctx.next_batch(1)) {
    }
  };
  return run_roles(topo, options,
                   {{"reader", 1, placement_policy::compact, body}, {"updater", 1, placement_policy::compact, body}},
                   [&] { return std::vector<helper_thread>{worker.handle()}; });
}

TEST(HelperPlacement, GoesToAPuNoMeasuredThreadUses) {
  const run_report r = run_with_one_helper("pu:4", std::nullopt);
  ASSERT_EQ(r.helpers.size(), 1u);
  EXPECT_EQ(r.helpers[0].requested_pu, 2) << "the reader and the updater have PUs 0 and 1";
  EXPECT_EQ(r.helpers_pinned, 1u);
  EXPECT_EQ(r.helpers_unpinned, 0u);
}

TEST(HelperPlacement, StaysUnpinnedWhenEveryPuRunsAMeasuredThread) {
  const run_report r = run_with_one_helper("pu:2", std::nullopt);
  ASSERT_EQ(r.helpers.size(), 1u);
  EXPECT_EQ(r.helpers[0].requested_pu, -1);
  EXPECT_EQ(r.helpers_pinned, 0u);
  EXPECT_EQ(r.helpers_unpinned, 1u);
}

TEST(HelperPlacement, APolicyPinsItBesideTheMeasuredThreadsOnlyWhenAsked) {
  const run_report r = run_with_one_helper("pu:2", placement_policy::compact);
  ASSERT_EQ(r.helpers.size(), 1u);
  EXPECT_EQ(r.helpers[0].requested_pu, 0) << "compact, after the reader (PU 0) and the updater (PU 1): a lap";
  EXPECT_EQ(r.helpers_unpinned, 0u);
}

}  // namespace
}  // namespace rculab
