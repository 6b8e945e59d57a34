// The shared core on its own: grace-period sharing when a grace period
// fails, the misuse checks of debug and sanitizer builds, and the call_rcu
// engine's counters when barrier() returns.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "impls/core/barrier.h"
#include "impls/core/call_rcu_engine.h"
#include "impls/core/gp_batcher.h"
#include "impls/mb/mb.h"
#include "impls/memb/memb.h"
#include "impls/ptmutex/ptmutex.h"
#include "impls/rwlock/rwlock.h"
#include "impls/signal/signal.h"
#include "tests/cpp/scenarios.h"
#include "tests/cpp/test_support.h"

namespace rculab::test {
namespace {

// A grace period that throws (a lock failing with std::system_error, say)
// must not leave the batcher believing one is still running: every later
// synchronize() would wait for it forever.
TEST(GpBatcher, GracePeriodThatThrowsLeavesLaterCallersServed) {
  gp_batcher batcher;
  EXPECT_THROW(batcher.synchronize([] { throw std::runtime_error("grace period failed"); }),
               std::runtime_error);
  std::atomic<int> ran{0};
  task later([&] { batcher.synchronize([&] { ran.fetch_add(1); }); });
  ASSERT_TRUE(later.wait(kStartBound)) << "synchronize() after a failed grace period hangs";
  later.join_or_die("synchronize() after a failed grace period");
  EXPECT_EQ(ran.load(), 1) << "the later caller must get a grace period of its own";
  EXPECT_EQ(batcher.grace_periods(), 1u) << "only completed grace periods count";
}

// ---- call_rcu shards ------------------------------------------------------------

struct counted_node {
  rcu_head head;  // first: the callback casts back from &head
  std::atomic<uint64_t>* runs;
};

void count_run(rcu_head* h) {
  reinterpret_cast<counted_node*>(h)->runs->fetch_add(1, std::memory_order_relaxed);
}

// Threads take turns for shards: 8 calling threads on a 4-shard engine start
// all 4 workers, every callback runs once, and one barrier() covers them all.
TEST(CallRcuShards, CallingThreadsSpreadOverWorkersAndOneBarrierCoversAll) {
  static auto* engine = new call_rcu_engine(  // immortal, as backends' engines
      &mb::synchronize, "shard4", {&mb::register_thread, &mb::thread_online, &mb::thread_offline}, 4);
  constexpr unsigned kThreads = 8, kPerThread = 200;
  std::atomic<uint64_t> runs{0};
  std::vector<counted_node> nodes(kThreads * kPerThread);
  {
    std::vector<task> tasks;
    for (unsigned t = 0; t < kThreads; ++t)
      tasks.emplace_back([&, t] {
        for (unsigned i = 0; i < kPerThread; ++i) {
          counted_node& n = nodes[t * kPerThread + i];
          n.runs = &runs;
          engine->call(&n.head, &count_run);
        }
      });
    for (auto& t : tasks) t.join_or_die("thread queuing on a sharded engine");
  }
  task closer([&] { engine->barrier(); });
  closer.join_or_die("barrier() on a sharded engine");
  EXPECT_EQ(runs.load(), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(engine->queued(), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(engine->invoked(), engine->queued());
  EXPECT_EQ(engine->workers().size(), 4u) << "8 threads in turn must reach all 4 shards";
  for (uint64_t backlog : engine->shard_backlogs()) EXPECT_EQ(backlog, 0u);
  EXPECT_EQ(engine->describe(), "4 call_rcu workers");
}

// ---- the leaving reader wakes the updater -------------------------------------

// A reader held inside its section long enough that the updater stops
// spinning and sleeps; when the reader leaves, its read_unlock must wake the
// updater (reader_wakeups moves), not leave it to its timed poll.
template <class B>
void expect_reader_wakes_updater(const char* name) {
  const backend_entry* b = find_backend(name);
  ASSERT_NE(b, nullptr);
  if (const std::string why = b->unavailable_reason(); !why.empty())
    GTEST_SKIP() << name << " is unavailable here: " << why;
  const uint64_t before = B::reader_wakeups();
  const auto obs = synchronize_against_reader(*b, reader_pose::inside);
  EXPECT_EQ(verdict(obs, reader_pose::inside), "");
  EXPECT_GE(B::reader_wakeups() - before, 1u)
      << name << ": the updater slept through the reader's read_unlock (no wake-up)";
}

// While the updater sleeps waiting for one reader held inside its section,
// other readers keep entering and leaving theirs: they must not wake it (a
// global wake flag made every unlock wake the updater, which re-armed it and
// slept again, thousands of times per wait: a ping-pong that cost the readers
// a syscall each and starved the reader being waited for on a busy host).
template <class B>
void expect_only_the_waited_reader_wakes(const char* name) {
  const backend_entry* b = find_backend(name);
  ASSERT_NE(b, nullptr);
  if (const std::string why = b->unavailable_reason(); !why.empty())
    GTEST_SKIP() << name << " is unavailable here: " << why;
  std::atomic<bool> held_inside{false}, release{false}, stop{false};
  std::atomic<uint64_t> other_sections{0};
  std::thread held([&] {
    thread_scope<B> registered;
    B::read_lock();
    held_inside.store(true);
    while (!release.load()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    B::read_unlock();
  });
  std::vector<std::thread> others;
  for (int i = 0; i < 2; ++i)
    others.emplace_back([&] {
      thread_scope<B> registered;
      while (!stop.load()) {
        B::read_lock();
        B::read_unlock();
        other_sections.fetch_add(1, std::memory_order_relaxed);
        std::this_thread::yield();
      }
    });
  while (!held_inside.load()) std::this_thread::yield();
  // The other readers are registered and running before the grace period
  // starts: registering waits for the registry lock, which the updater holds
  // for the whole grace period (under TSan a late thread creation did that).
  ASSERT_TRUE(wait_until([&] { return other_sections.load() >= 10; }, kStartBound));
  const uint64_t before = B::reader_wakeups();
  std::thread updater([&] {
    thread_scope<B> registered;
    B::synchronize();
  });
  const uint64_t sections_before = other_sections.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the updater is asleep by now
  const uint64_t sections_while_waiting = other_sections.load() - sections_before;
  release.store(true);
  updater.join();
  held.join();
  stop.store(true);
  for (std::thread& t : others) t.join();
  // Each yields after a section; on 2 CPUs beside the held reader and the
  // updater that is about 1 section per ms each (release and TSan alike).
  EXPECT_GE(sections_while_waiting, 20u) << "the other readers did not run while the updater waited";
  EXPECT_GE(B::reader_wakeups() - before, 1u) << name << ": the held reader did not wake the updater";
  EXPECT_LE(B::reader_wakeups() - before, 2u)
      << name << ": readers the updater was not waiting for woke it";
}

TEST(ReaderWake, OnlyTheWaitedReaderWakesMb) { expect_only_the_waited_reader_wakes<rculab::mb>("mb"); }
TEST(ReaderWake, OnlyTheWaitedReaderWakesMemb) { expect_only_the_waited_reader_wakes<rculab::memb>("memb"); }
TEST(ReaderWake, OnlyTheWaitedReaderWakesSignal) {
  if (tsan_unreliable_for(*find_backend("signal"))) GTEST_SKIP() << "signal backend under TSan";
  expect_only_the_waited_reader_wakes<rculab::signal_rcu>("signal");
}

TEST(ReaderWake, Mb) { expect_reader_wakes_updater<rculab::mb>("mb"); }
TEST(ReaderWake, Memb) { expect_reader_wakes_updater<rculab::memb>("memb"); }
TEST(ReaderWake, Signal) {
  if (tsan_unreliable_for(*find_backend("signal"))) GTEST_SKIP() << "signal backend under TSan";
  expect_reader_wakes_updater<rculab::signal_rcu>("signal");
}

// ---- an exception leaves the section ---------------------------------------

// read_guard is RAII: an exception thrown inside a read-side section ends
// the section as it unwinds, so a later synchronize() does not wait for it.
template <class B>
void expect_exception_leaves_section() {
  if (const std::string why = B::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::atomic<bool> thrown{false}, release{false};
  task reader([&] {
    thread_scope<B> registered;
    try {
      read_guard<B> guard;
      throw std::runtime_error("inside the section");
    } catch (const std::runtime_error&) {
      thrown.store(true);
    }
    while (!release.load()) std::this_thread::sleep_for(1ms);  // registered, outside any section
  });
  ASSERT_TRUE(wait_flag(thrown, kStartBound));
  task updater([] { B::synchronize(); });
  const bool returned = updater.wait(kStartBound);
  release.store(true);
  EXPECT_TRUE(returned) << B::kName << ": synchronize() waited for a section an exception had left";
}

TEST(ReadGuard, ExceptionLeavesSectionMb) { expect_exception_leaves_section<rculab::mb>(); }
TEST(ReadGuard, ExceptionLeavesSectionMemb) { expect_exception_leaves_section<rculab::memb>(); }
TEST(ReadGuard, ExceptionLeavesSectionRwlock) { expect_exception_leaves_section<rculab::rwlock>(); }
TEST(ReadGuard, ExceptionLeavesSectionPtmutex) { expect_exception_leaves_section<rculab::ptmutex>(); }

// ---- misuse checks ---------------------------------------------------------

// One of our backends by name, for death tests (the suite runs a watchdog
// thread, so they run "threadsafe"); skipped where it is unavailable.
class OursDeathTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    entry_ = find_backend(GetParam());
    ASSERT_NE(entry_, nullptr);
    if (const std::string why = entry_->unavailable_reason(); !why.empty())
      GTEST_SKIP() << GetParam() << " is unavailable here: " << why;
  }
  const backend_entry& b() const { return *entry_; }

 private:
  const backend_entry* entry_ = nullptr;
};

class Misuse : public OursDeathTest {
 protected:
  void SetUp() override {
    if (!kChecks) GTEST_SKIP() << "misuse checks are built into debug and sanitizer builds only";
    OursDeathTest::SetUp();
  }
};

// Our backends whose read side keeps a nesting count (QSBR's is empty, none
// has nothing to check, liburcu's checks are liburcu's).
INSTANTIATE_TEST_SUITE_P(Ours, Misuse, ::testing::Values("mb", "memb", "signal", "rwlock", "ptmutex"),
                         [](const auto& info) { return std::string(info.param); });

TEST_P(Misuse, UnbalancedReadUnlockAborts) {
  EXPECT_DEATH(
      {
        b().register_thread();
        b().read_lock();
        b().read_unlock();
        b().read_unlock();
      },
      "misuse: read_unlock\\(\\) without a matching read_lock\\(\\)");
}

TEST_P(Misuse, UnregisterInsideSectionAborts) {
  if (std::string(GetParam()) == "rwlock") GTEST_SKIP() << "rwlock has no registration";
  EXPECT_DEATH(
      {
        b().register_thread();
        b().read_lock();
        b().unregister_thread();
      },
      "misuse: unregister_thread\\(\\) inside a read-side section");
}

TEST_P(Misuse, ReadLockFromUnregisteredThreadAborts) {
  if (std::string(GetParam()) == "rwlock") GTEST_SKIP() << "rwlock has no registration";
  EXPECT_DEATH(b().read_lock(), "misuse: read_lock\\(\\) from an unregistered thread");
}

// Balanced use stays quiet in the same builds (the checks do not misfire).
TEST_P(Misuse, BalancedUseDoesNotAbort) {
  task t([&] {
    registered r(b());
    b().read_lock();
    b().read_lock();
    b().read_unlock();
    b().read_unlock();
  });
  t.join_or_die("balanced sections");
}

// ---- misuse that would deadlock: reported in every build -----------------------

// synchronize() or barrier() inside a read-side section waits for that very
// section; barrier() inside a callback waits for the worker running it.
// Each used to hang silently; now one line names the backend and the misuse,
// and the process aborts, release build included (slow paths: no cost).
class DeadlockMisuse : public OursDeathTest {
 protected:
  void SetUp() override {
    OursDeathTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (tsan_unreliable_for(b())) GTEST_SKIP() << "signal backend under TSan";
  }
  std::string expected(const char* what) const { return std::string("rculab: ") + GetParam() + ": misuse: " + what; }
};

// Our backends with read-side sections (QSBR has none; none refuses updates).
INSTANTIATE_TEST_SUITE_P(Ours, DeadlockMisuse, ::testing::Values("mb", "memb", "signal", "rwlock", "ptmutex"),
                         [](const auto& info) { return std::string(info.param); });

TEST_P(DeadlockMisuse, SynchronizeInsideSectionAborts) {
  EXPECT_DEATH(
      {
        b().register_thread();
        b().read_lock();
        b().synchronize();
      },
      expected("synchronize\\(\\) inside a read-side section"));
}

TEST_P(DeadlockMisuse, BarrierInsideSectionAborts) {
  EXPECT_DEATH(
      {
        b().register_thread();
        b().read_lock();
        b().barrier();
      },
      expected("barrier\\(\\) inside a read-side section"));
}

const backend_entry* callback_backend = nullptr;
void barrier_from_callback(rcu_head*) { callback_backend->barrier(); }

TEST_P(DeadlockMisuse, BarrierInsideCallbackAborts) {
  callback_backend = &b();
  EXPECT_DEATH(
      {
        static rcu_head node;
        b().register_thread();
        b().call(&node, &barrier_from_callback);
        b().barrier();
      },
      expected("barrier\\(\\) inside a call_rcu callback"));
}

TEST(DeadlockMisuseQsbr, BarrierInsideCallbackAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  callback_backend = find_backend("qsbr");
  EXPECT_DEATH(
      {
        static rcu_head node;
        callback_backend->register_thread();
        callback_backend->call(&node, &barrier_from_callback);
        callback_backend->barrier();
      },
      "rculab: qsbr: misuse: barrier\\(\\) inside a call_rcu callback");
}

// The same calls outside any section and callback do not abort.
TEST_P(DeadlockMisuse, SynchronizeAndBarrierOutsideSectionsDoNotAbort) {
  task t([&] {
    registered r(b());
    { rcu_head node; b().call(&node, [](rcu_head*) {}); b().barrier(); }
    b().read_lock();
    b().read_unlock();
    b().synchronize();
  });
  t.join_or_die("synchronize() and barrier() outside sections");
}

// ---- call_rcu engine: counters that never wrap ---------------------------------

void free_node(rcu_head* h) { delete h; }

// pending() and the shards' backlogs, read over and over while two
// producers and two workers run flat out (oversubscribed on 2 CPUs, so the
// reader is preempted between its loads). Loading queued before invoked let
// invoked run ahead of the snapshot: a backlog of ~2^64, reported as such.
TEST(CallRcuEngine, PendingAndBacklogsNeverWrapUnderLoad) {
  static auto* engine = new call_rcu_engine(  // immortal, as backends' engines
      &mb::synchronize, "nowrap", {&mb::register_thread, &mb::thread_online, &mb::thread_offline}, 2);
  constexpr uint64_t kWrapped = uint64_t{1} << 63;
  std::atomic<bool> stop{false};
  std::vector<task> producers;
  for (int p = 0; p < 2; ++p)
    producers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        engine->call(new rcu_head, &free_node);
        if (engine->pending() > 100'000) std::this_thread::yield();
      }
    });
  uint64_t samples = 0, largest = 0;
  const auto deadline = clock::now() + 1s;
  while (clock::now() < deadline) {
    largest = std::max(largest, engine->pending());
    for (uint64_t backlog : engine->shard_backlogs()) largest = std::max(largest, backlog);
    backend_stats s;
    engine->add_to(s);
    if (*s.callbacks_invoked > s.callbacks_queued) largest = kWrapped;  // the lab would wrap it
    ++samples;
  }
  stop.store(true);
  for (task& t : producers) t.join_or_die("a producer");
  task closer([] { engine->barrier(); });
  closer.join_or_die("barrier() after the load");
  EXPECT_LT(largest, kWrapped) << "a backlog wrapped to " << largest << " in " << samples << " samples";
  EXPECT_EQ(engine->pending(), 0u);
  EXPECT_LE(engine->pending_peak(), engine->queued());
}

// ---- call_rcu engine: counted before barrier() returns -------------------------

std::atomic<uint64_t> engine_test_invoked{0};
std::atomic<bool> engine_test_checked{false};
void count_one(rcu_head*) { engine_test_invoked.fetch_add(1); }
// Queued behind the barrier's marker in the same batch: holds the batch open
// until the test has looked at the counters (bounded, so a mis-ordered queue
// cannot hang the test).
void hold_batch(rcu_head*) { wait_flag(engine_test_checked, kStartBound); }

// Callbacks that ran before a barrier's marker are counted by the time that
// barrier() returns, even though the batch holding them all goes on: a
// program that reads the counters (or exits, and has the engine report what
// is still pending) right after barrier() must not see them as pending.
// Regression: the engine counted a batch only at its end, and a process
// exiting right after barrier() reported callbacks that had run as "still
// pending at exit, not run".
TEST(CallRcuEngine, CallbacksBeforeBarrierAreCountedWhenItReturns) {
  using B = rculab::mb;
  engine_test_invoked = 0;
  engine_test_checked = false;
  std::atomic<bool> inside{false}, leave{false};
  task reader([&] {  // holds the worker's grace periods while the batch builds up
    thread_scope<B> registered;
    read_guard<B> section;
    inside.store(true);
    wait_flag(leave, kStartBound);
  });
  ASSERT_TRUE(wait_flag(inside, kStartBound));
  const uint64_t sync_calls = B::stats().synchronize_calls;
  rcu_head first, later[8], holder;
  B::call(&first, &count_one);  // batch 1: the worker takes it and waits for the reader
  ASSERT_TRUE(wait_until([&] { return B::stats().synchronize_calls > sync_calls; }, kStartBound));
  for (rcu_head& h : later) B::call(&h, &count_one);  // batch 2 builds up behind it
  const backend_stats before = B::stats();
  std::atomic<pid_t> barrier_tid{0};
  std::optional<uint64_t> invoked_when_returned;
  task waiter([&] {
    barrier_tid.store(static_cast<pid_t>(syscall(SYS_gettid)));
    B::barrier();  // its marker joins batch 2
    invoked_when_returned = B::stats().callbacks_invoked;
    engine_test_checked.store(true);
  });
  // Asleep in barrier(): its marker is queued (nothing before the push sleeps).
  ASSERT_TRUE(wait_until([&] { return barrier_tid.load() && scheduler_state(barrier_tid) == 'S'; },
                         kStartBound));
  B::call(&holder, &hold_batch);  // after the marker, in the same batch
  leave.store(true);
  waiter.join_or_die("barrier() behind the reader");
  reader.join_or_die("reader");
  B::barrier();  // the holder has run too
  ASSERT_TRUE(invoked_when_returned.has_value());
  ASSERT_TRUE(before.callbacks_invoked.has_value());
  // Everything queued before the marker: `first` and the 8 `later` ones.
  EXPECT_GE(*invoked_when_returned, *before.callbacks_invoked + 1 + 8)
      << "barrier() returned before the callbacks ahead of it were counted";
  EXPECT_EQ(engine_test_invoked.load(), 9u);  // first + later (the holder does not count)
}

}  // namespace
}  // namespace rculab::test
