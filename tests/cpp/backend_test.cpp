// Semantics every backend must have, run against each registry entry (ours
// and the liburcu references alike): nesting, what synchronize() waits for,
// call_rcu order and barrier, grace-period sharing, registration churn, and
// `none` refusing updates. The scenarios are in scenarios.cpp; their checks
// are shown to fail on broken backends in selftest_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/cpp/scenarios.h"
#include "tests/cpp/test_support.h"

namespace rculab::test {
namespace {

class Backend : public ::testing::TestWithParam<const backend_entry*> {
 protected:
  const backend_entry& b() const { return *GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(All, Backend, ::testing::ValuesIn(backend_params()), param_name);

// ---- 1. nesting ---------------------------------------------------------------

// Any backend, `none` included: nested sections balance and leave the thread
// able to register again and read again.
TEST_P(Backend, NestedSectionsBalance) {
  RCULAB_REQUIRE_INSTRUMENTED(b());
  task t([&] {
    for (int round = 0; round < 3; ++round) {
      registered r(b());
      b().read_lock();
      b().read_lock();
      b().read_lock();
      b().read_unlock();
      b().read_unlock();
      b().read_unlock();
      b().quiescent_state();
    }
  });
  t.join_or_die("nested read sections");
}

TEST_P(Backend, NestedSectionHoldsGracePeriodUntilOuterUnlock) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = synchronize_against_reader(b(), reader_pose::nested_inner);
  const std::string why = verdict(obs, reader_pose::nested_inner);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// ---- 2. what synchronize() waits for -----------------------------------------

TEST_P(Backend, SynchronizeWaitsForReaderInsideSection) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = synchronize_against_reader(b(), reader_pose::inside);
  const std::string why = verdict(obs, reader_pose::inside);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// QSBR readers are only "outside" once they report a quiescent state: an
// online QSBR reader that stops reporting holds every grace period by design.
TEST_P(Backend, SynchronizeDoesNotWaitForReaderOutsideSection) {
  RCULAB_REQUIRE_UPDATES(b());
  const reader_pose pose =
      b().traits.needs_quiescent_states ? reader_pose::reporting : reader_pose::outside;
  const auto obs = synchronize_against_reader(b(), pose);
  const std::string why = verdict(obs, pose);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

TEST_P(Backend, SynchronizeDoesNotWaitForOfflineReader) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = synchronize_against_reader(b(), reader_pose::offline);
  const std::string why = verdict(obs, reader_pose::offline);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// Grace-period sharing must not cut corners: a caller that arrives while a
// grace period runs needs the next one. (Lock baselines are skipped: their
// grace period also waits for readers that arrive while it runs, rwlock
// even keeps them out, so there is nothing to tell apart.)
TEST_P(Backend, SynchronizeCalledDuringGracePeriodWaitsForTheNextOne) {
  RCULAB_REQUIRE_UPDATES(b());
  if (b().traits.readers_block_updaters)
    GTEST_SKIP() << b().name << ": readers block updaters; a running grace period keeps new "
                 << "readers out or waits for them too";
  const auto obs = synchronize_called_during_grace_period(b());
  const std::string why = verdict(obs);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// ---- 3. call_rcu order and barrier --------------------------------------------

TEST_P(Backend, CallbacksFromOneThreadRunInEnqueueOrder) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = call_rcu_in_order(b(), kTsan ? 500 : 2000);
  const std::string why = verdict(obs);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// Threads that queue and exit at once (their callbacks outlive them), spread
// over the call_rcu workers; a barrier from yet another thread covers them all.
TEST_P(Backend, CallbacksOfExitedThreadsRunExactlyOnceInThreadOrder) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = call_rcu_from_exiting_threads(b(), 3, kTsan ? 4 : 8, kTsan ? 100 : 400);
  const std::string why = verdict(obs);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

TEST_P(Backend, BarrierWaitsForEveryCallbackQueuedBeforeIt) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = barrier_from_threads(b(), 4, kTsan ? 200 : 500);
  const std::string why = verdict(obs);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// Callbacks and barrier() both wait for a reader that was inside before call().
TEST_P(Backend, CallbacksAndBarrierWaitForReaderInsideSection) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = barrier_behind_reader(b(), 100);
  const std::string why = verdict(obs);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// A callback may enter a read-side section (callbacks that look things up or
// re-publish): the worker running it is a reader grace periods wait for.
TEST_P(Backend, CallbackInsideSectionHoldsGracePeriod) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = synchronize_against_callback_reader(b());
  const std::string why = verdict(obs);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// Updaters make progress against readers that never pause (4 per CPU here):
// a lock-based backend must not let its readers starve the updater (perfbook's
// torture on 16 CPUs with 64 such readers once saw ptmutex complete none).
TEST_P(Backend, UpdatersProgressAgainstSpinningReaders) {
  RCULAB_REQUIRE_UPDATES(b());
  const unsigned readers = 4 * std::max(1u, std::thread::hardware_concurrency());
  const auto obs = updater_progress(b(), readers, 20, kDeadlockBound);
  RecordProperty("read_sections", std::to_string(obs.read_sections));
  EXPECT_EQ(obs.completed, obs.wanted)
      << b().name << ": " << obs.completed << " of " << obs.wanted << " synchronize() calls in "
      << kDeadlockBound.count() << " ms against " << readers << " spinning readers (starved updater)";
  EXPECT_GT(obs.read_sections, 0u);
}

// ---- 4. grace-period sharing --------------------------------------------------

std::string ratio_text(uint64_t calls, const std::optional<uint64_t>& gps) {
  if (!gps) return "n/a (the backend does not count grace periods)";
  if (*gps == 0) return "inf (no grace period counted)";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", double(calls) / double(*gps));
  return buf;
}

// Deterministic sharing: 8 callers all queue behind one reader inside a
// section; once it leaves, at most a few grace periods serve all of them.
TEST_P(Backend, ConcurrentSynchronizeCallsShareGracePeriods) {
  RCULAB_REQUIRE_UPDATES(b());
  const auto obs = synchronize_behind_reader(b(), 8);
  const std::string gps = obs.grace_periods ? std::to_string(*obs.grace_periods) : "n/a";
  RecordProperty("synchronize_calls", std::to_string(obs.synchronize_calls));
  RecordProperty("grace_periods", gps);
  RecordProperty("calls_per_grace_period", ratio_text(obs.synchronize_calls, obs.grace_periods));
  std::cout << "[ sharing  ] " << b().name << " behind a held reader: " << obs.synchronize_calls
            << " synchronize calls, " << gps << " grace periods, calls per grace period "
            << ratio_text(obs.synchronize_calls, obs.grace_periods) << "\n";
  // liburcu shares too, but only our backends promise it (and count it).
  const std::string why = verdict(obs, /*expect_sharing=*/b().traits.ours);
  EXPECT_TRUE(why.empty()) << b().name << ": " << why;
}

// Sharing under a sustained load: 8 threads call synchronize() many times
// while readers sit ~200 us in each section. Where readers do not block
// updaters, each grace period waits for a reader while the other callers
// queue up, so sharing is certain in practice and our backends must show it.
// The lock baselines (rwlock, ptmutex) only record it: a writer-preferring
// rwlock starves the readers, grace periods then find nobody to wait for and
// end before anyone can join them.
TEST_P(Backend, SynchronizeLoopFromEightThreads) {
  RCULAB_REQUIRE_UPDATES(b());
  const unsigned each = kTsan ? 25 : 100;
  const auto obs = synchronize_hammer(b(), 8, each, 1000ms * kSlowdown);
  const std::string gps = obs.grace_periods ? std::to_string(*obs.grace_periods) : "n/a";
  RecordProperty("synchronize_calls", std::to_string(obs.synchronize_calls));
  RecordProperty("grace_periods", gps);
  RecordProperty("calls_per_grace_period", ratio_text(obs.synchronize_calls, obs.grace_periods));
  std::cout << "[ sharing  ] " << b().name << " 8 threads looping synchronize: "
            << obs.synchronize_calls << " calls, " << gps
            << " grace periods, calls per grace period "
            << ratio_text(obs.synchronize_calls, obs.grace_periods) << " (" << obs.reads
            << " read sections alongside)\n";
  EXPECT_GE(obs.calls_made, 8u);
  EXPECT_EQ(obs.synchronize_calls, obs.calls_made) << "stats().synchronize_calls is off";
  if (b().traits.ours) {
    ASSERT_TRUE(obs.grace_periods.has_value()) << "our backends count grace periods";
    EXPECT_GE(*obs.grace_periods, 1u);
    EXPECT_LE(*obs.grace_periods, obs.synchronize_calls)
        << "more grace periods than synchronize() calls";
    if (!b().traits.readers_block_updaters) {
      EXPECT_LT(*obs.grace_periods, obs.synchronize_calls)
          << "no grace period was shared between concurrent synchronize() callers";
    }
  }
}

// ---- 5. registration churn ----------------------------------------------------

TEST_P(Backend, RegisterUnregisterChurnWithConcurrentUpdaters) {
  RCULAB_REQUIRE_UPDATES(b());
  constexpr unsigned kWaves = 2, kThreads = 16;
  const unsigned cycles = kTsan ? 100 : 1000;
  const auto obs = register_churn(b(), kWaves, kThreads, cycles, /*exit_registered=*/false);
  std::cout << "[ churn    ] " << b().name << ": " << obs.register_cycles << " register cycles, "
            << obs.synchronize_calls << " synchronize calls, " << obs.callbacks
            << " callbacks alongside\n";
  EXPECT_EQ(obs.register_cycles, uint64_t{kWaves} * kThreads * cycles);
  EXPECT_EQ(obs.read_sections, obs.register_cycles * 4);
  EXPECT_GE(obs.synchronize_calls, 1u) << "no grace period completed during the churn";
  EXPECT_GE(obs.callbacks, 1u) << "no callback ran during the churn";
  // The registry is still sound: a grace period with nobody left completes.
  task last([&] { b().synchronize(); });
  last.join_or_die("synchronize() after the churn");
}

// Our backends (and liburcu-bp) unlink a thread's record when it exits
// registered; the other liburcu flavors require unregister_thread() first.
TEST_P(Backend, ThreadsExitingWhileRegisteredAreUnlinked) {
  RCULAB_REQUIRE_UPDATES(b());
  if (!b().traits.ours && b().name != "urcu-bp")
    GTEST_SKIP() << b().name << ": " << (b().traits.external ? "an out-of-tree backend" : "liburcu")
                 << " requires unregister_thread() before a thread exits";
  constexpr unsigned kWaves = 3, kThreads = 16;
  const auto obs = register_churn(b(), kWaves, kThreads, 20, /*exit_registered=*/true);
  EXPECT_EQ(obs.register_cycles, uint64_t{kWaves} * kThreads * 20);
  // A record left behind by a dead QSBR thread would hold this forever; a
  // dangling one would be read after free (the asan preset sees that).
  for (const reader_pose pose : {reader_pose::inside, reader_pose::outside}) {
    if (pose == reader_pose::outside && b().traits.needs_quiescent_states) continue;
    const auto o = synchronize_against_reader(b(), pose);
    const std::string why = verdict(o, pose);
    EXPECT_TRUE(why.empty()) << b().name << " after threads exited registered: " << why;
  }
}

// ---- registry -----------------------------------------------------------------

// What the build put in (cmake/backends.cmake): the lab's backends, then the
// out-of-tree ones (contrib/, RCULAB_EXTRA_BACKENDS), by name and in order.
std::vector<std::string> split_names(std::string_view csv) {
  std::vector<std::string> names;
  for (size_t start = 0; start < csv.size();) {
    const size_t comma = std::min(csv.find(',', start), csv.size());
    names.emplace_back(csv.substr(start, comma - start));
    start = comma + 1;
  }
  return names;
}

TEST(Registry, ListsEveryBackendOfTheBuildWithUniqueNames) {
  const auto& all = all_backends();
  const std::vector<std::string> built = split_names(RCULAB_BUILT_BACKENDS);
  const std::vector<std::string> external = split_names(RCULAB_EXTERNAL_BACKENDS);
  ASSERT_EQ(all.size(), built.size()) << backend_names();
  std::set<std::string_view> names;
  for (size_t i = 0; i < all.size(); ++i) {
    const backend_entry& e = all[i];
    EXPECT_EQ(e.name, built[i]) << "registry order differs from the build's";
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate backend " << e.name;
    EXPECT_EQ(find_backend(e.name), &e);
    const bool is_external = std::find(external.begin(), external.end(), e.name) != external.end();
    EXPECT_EQ(e.traits.external, is_external) << e.name;
    // Ours: the lab's own, neither liburcu's flavors nor anything out of tree.
    EXPECT_EQ(e.traits.ours, !is_external && !e.name.starts_with("urcu-")) << e.name;
    if (e.name.starts_with("urcu-")) {
      EXPECT_FALSE(e.traits.instrumented) << e.name;
    }
  }
  EXPECT_EQ(find_backend("no-such-backend"), nullptr);
}

// ---- 7. none --------------------------------------------------------------------

template <class F>
void expect_refusal(F&& f, const char* what) {
  try {
    f();
    ADD_FAILURE() << "none: " << what << " returned instead of throwing std::logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("'none'"), std::string::npos)
        << what << ": message does not name 'none': " << e.what();
  } catch (...) {
    ADD_FAILURE() << "none: " << what << " threw something other than std::logic_error";
  }
}

TEST(None, RefusesSynchronizeCallAndBarrier) {
  const backend_entry* none = find_backend("none");
  ASSERT_NE(none, nullptr);
  EXPECT_FALSE(none->traits.safe_for_updates);
  registered r(*none);
  expect_refusal([&] { none->synchronize(); }, "synchronize");
  rcu_head head;
  bool ran = false;
  static bool* ran_flag = nullptr;
  ran_flag = &ran;
  expect_refusal([&] { none->call(&head, [](rcu_head*) { *ran_flag = true; }); }, "call");
  EXPECT_FALSE(ran) << "none ran a callback it refused";
  expect_refusal([&] { none->barrier(); }, "barrier");
}

TEST(None, TortureGateRefusesIt) {
  const backend_entry* none = find_backend("none");
  ASSERT_NE(none, nullptr);
  EXPECT_THROW(none->torture(torture_config{1, 0.1, 1, 0}), std::invalid_argument);
}

// urcu-memb and urcu-memb-percpu share liburcu's memb flavor, whose per-CPU
// workers, once created, would take every call of the flavor: urcu-memb must
// still use (and report) the default worker, or "liburcu default" measures
// the per-CPU configuration.
struct worker_probe {
  rcu_head head;  // first: the callback casts back from &head
  pthread_t ran_on{};
};

TEST(UrcuReference, MembUsesTheDefaultWorkerAfterPerCpuWorkersExist) {
  const backend_entry* percpu = find_backend("urcu-memb-percpu");
  const backend_entry* memb = find_backend("urcu-memb");
  ASSERT_NE(percpu, nullptr);
  ASSERT_NE(memb, nullptr);
  RCULAB_REQUIRE_INSTRUMENTED(*memb);
  if (const std::string why = percpu->unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  auto run_one = [](const backend_entry& b) {
    static worker_probe probe;
    task t([&] {
      registered r(b);
      b.call(&probe.head, [](rcu_head* h) { reinterpret_cast<worker_probe*>(h)->ran_on = pthread_self(); });
      b.barrier();
    });
    t.join_or_die(std::string(b.name) + ": call + barrier");
    return probe.ran_on;
  };
  const pthread_t percpu_worker = run_one(*percpu);
  const pthread_t memb_worker = run_one(*memb);
  const std::vector<helper_thread> reported = memb->helper_threads();
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_TRUE(pthread_equal(memb_worker, reported[0].handle))
      << "urcu-memb's callback ran on a thread other than the default worker it reports";
  EXPECT_FALSE(pthread_equal(memb_worker, percpu_worker))
      << "urcu-memb's callback ran on a per-CPU worker";
}

}  // namespace
}  // namespace rculab::test
