// The shared core on its own: grace-period sharing when a grace period
// fails, and the misuse checks of debug and sanitizer builds.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "impls/core/barrier.h"
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

class Misuse : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!kChecks) GTEST_SKIP() << "misuse checks are built into debug and sanitizer builds only";
    GTEST_FLAG_SET(death_test_style, "threadsafe");  // the suite runs a watchdog thread
    entry_ = find_backend(GetParam());
    ASSERT_NE(entry_, nullptr);
    if (const std::string why = entry_->unavailable_reason(); !why.empty())
      GTEST_SKIP() << GetParam() << " is unavailable here: " << why;
  }
  const backend_entry& b() const { return *entry_; }

 private:
  const backend_entry* entry_ = nullptr;
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

}  // namespace
}  // namespace rculab::test
