// main() of the suite: GoogleTest plus a watchdog that turns a hung test
// (a grace period that never ends, a lost wake-up) into a failure with the
// test's name, instead of a run that hangs until CI kills it.
//
// RCULAB_TEST_WATCHDOG_S overrides the per-test bound (seconds, 0 = off).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>

#include "tests/cpp/test_support.h"

namespace {

// The state lives on the heap and is never freed: GoogleTest deletes its
// listeners at exit while the (detached) watchdog thread still waits on the
// condition variable, and destroying a waited-on condition variable is UB.
struct watchdog_state {
  std::chrono::seconds bound;
  std::mutex mu;
  std::condition_variable cv;
  std::string name;
  std::chrono::steady_clock::time_point deadline{};
  bool armed = false;
};

[[noreturn]] void watch(watchdog_state* st) {
  std::unique_lock lock(st->mu);
  for (;;) {
    if (!st->armed) {
      st->cv.wait(lock);
      continue;
    }
    st->cv.wait_until(lock, st->deadline);
    if (st->armed && std::chrono::steady_clock::now() >= st->deadline) {
      std::fprintf(stderr,
                   "\n[ WATCHDOG ] %s did not finish within %lld s: deadlock or livelock "
                   "(a grace period that never ends?). Failing the run.\n",
                   st->name.c_str(), static_cast<long long>(st->bound.count()));
      std::fflush(stderr);
      std::fflush(stdout);
      _exit(1);
    }
  }
}

class watchdog : public ::testing::EmptyTestEventListener {
 public:
  explicit watchdog(std::chrono::seconds bound) : st_(new watchdog_state{bound}) {
    std::thread(&watch, st_).detach();  // lives as long as the process
  }

  void OnTestStart(const ::testing::TestInfo& t) override {
    std::lock_guard lock(st_->mu);
    st_->name = std::string(t.test_suite_name()) + "." + t.name();
    st_->deadline = std::chrono::steady_clock::now() + st_->bound;
    st_->armed = true;
    st_->cv.notify_all();
  }
  void OnTestEnd(const ::testing::TestInfo&) override {
    std::lock_guard lock(st_->mu);
    st_->armed = false;
    st_->cv.notify_all();
  }

 private:
  watchdog_state* const st_;  // leaked on purpose (see above)
};

}  // namespace

#if RCULAB_TSAN
// TSan sleeps 1 s at exit by default (atexit_sleep_ms) so that other threads
// can finish their reports; with halt_on_error they abort anyway, and with one
// process per test that second would cost minutes per run. TSAN_OPTIONS from
// the environment still applies on top of this.
extern "C" const char* __tsan_default_options() { return "atexit_sleep_ms=0"; }
#endif

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  long seconds = 90L * rculab::test::kSlowdown;
  if (const char* s = std::getenv("RCULAB_TEST_WATCHDOG_S"); s && *s) seconds = std::atol(s);
  if (seconds > 0)
    ::testing::UnitTest::GetInstance()->listeners().Append(
        new watchdog(std::chrono::seconds(seconds)));
  return RUN_ALL_TESTS();
}
