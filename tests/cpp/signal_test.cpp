// The signal backend's contract with the rest of the process: its signal
// (SIGUSR2 by default) interrupts readers blocked in system calls without
// making them fail (SA_RESTART), and it leaves other signals alone (a user
// handler on SIGUSR1 keeps working while its grace periods run).
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "impls/signal/signal.h"
#include "tests/cpp/test_support.h"

namespace rculab::test {
namespace {

const backend_entry& signal_backend() {
  const backend_entry* b = find_backend("signal");
  if (!b) die("no backend named 'signal' in the registry");
  return *b;
}

pid_t current_tid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

struct pipe_fds {
  int fd[2] = {-1, -1};
  pipe_fds() {
    if (pipe(fd) != 0) die(std::string("pipe: ") + std::strerror(errno));
  }
  ~pipe_fds() {
    close(fd[0]);
    close(fd[1]);
  }
};

TEST(SignalBackend, UsesSigusr2ByDefault) {
  const backend_entry& b = signal_backend();
  if (std::getenv("RCULAB_SIGNAL_NUM")) GTEST_SKIP() << "RCULAB_SIGNAL_NUM is set";
  ASSERT_EQ(b.unavailable_reason(), "");
  EXPECT_EQ(signal_rcu::signal_number(), SIGUSR2);
  EXPECT_FALSE(signal_rcu::set_signal_number(SIGUSR1)) << "the signal changed after first use";
  EXPECT_EQ(signal_rcu::signal_number(), SIGUSR2);
  struct sigaction sa {};
  ASSERT_EQ(sigaction(SIGUSR2, nullptr, &sa), 0);
  EXPECT_NE(sa.sa_handler, SIG_DFL);
  EXPECT_NE(sa.sa_handler, SIG_IGN);
  EXPECT_TRUE(sa.sa_flags & SA_RESTART) << "readers in syscalls would see EINTR";
}

// A registered reader blocked in read() on a pipe (outside any section):
// grace periods signal it, so they complete; its read() is restarted, not
// failed with EINTR, and returns the data written afterwards.
TEST(SignalBackend, ReaderBlockedInReadLetsGracePeriodsEndAndGetsItsData) {
  const backend_entry& b = signal_backend();
  RCULAB_REQUIRE_UPDATES(b);
  pipe_fds p;
  std::atomic<pid_t> tid{0};
  ssize_t got = -2;
  int read_errno = 0;
  char buf[32] = {};
  task reader([&] {
    registered r(b);
    tid.store(current_tid(), std::memory_order_release);
    got = read(p.fd[0], buf, sizeof buf);
    read_errno = errno;
  });
  ASSERT_TRUE(wait_until([&] { return tid.load() != 0; }, kStartBound));
  // Make sure it is asleep in read() before the signals come ('S').
  const bool asleep = wait_until([&] { return scheduler_state(tid.load()) == 'S'; }, kStartBound);
  if (!asleep) std::this_thread::sleep_for(kHold);  // no /proc: give it time instead
  RecordProperty("reader_seen_sleeping", asleep ? "yes" : "no (/proc unavailable)");

  task updater([&] {
    for (int i = 0; i < 5; ++i) b.synchronize();
  });
  updater.join_or_die("synchronize() with a registered reader blocked in read()");
  // Each grace period signalled the reader twice; read() must still be waiting.
  std::this_thread::sleep_for(kHold);
  EXPECT_FALSE(reader.done()) << "read() returned " << got << " ("
                              << std::strerror(read_errno)
                              << ") before any data was written: no SA_RESTART?";
  const char msg[] = "rculab";
  ASSERT_EQ(write(p.fd[1], msg, sizeof msg - 1), ssize_t(sizeof msg - 1));
  reader.join_or_die("reader blocked in read() after data was written");
  EXPECT_EQ(got, ssize_t(sizeof msg - 1)) << "read() failed: " << std::strerror(read_errno);
  EXPECT_EQ(std::string(buf, got > 0 ? got : 0), "rculab");
}

std::atomic<unsigned> usr1_count{0};
std::atomic<pthread_t> usr1_last_thread{};

void on_usr1(int) {
  usr1_count.fetch_add(1, std::memory_order_relaxed);
  usr1_last_thread.store(pthread_self(), std::memory_order_relaxed);
}

// Restores a signal's action when the test ends.
class saved_action {
 public:
  explicit saved_action(int signo) : signo_(signo) { sigaction(signo, nullptr, &old_); }
  ~saved_action() { sigaction(signo_, &old_, nullptr); }

 private:
  int signo_;
  struct sigaction old_ {};
};

// A reader that blocks the backend's signal after registering holds every
// grace period. The updater used to wait silently; now, past
// ack_warning_after(), one line names the thread and the likely cause, and
// it goes on waiting: unblocked, the pending signal is handled and the
// grace period ends.
TEST(SignalBackend, ReaderThatNeverAcknowledgesIsNamedWithTheCause) {
  if (kTsan) GTEST_SKIP() << "signal backend under TSan";
  signal_rcu::set_ack_warning_after(200ms);
  std::atomic<bool> blocked{false}, unblock{false}, returned{false};
  task reader([&] {
    thread_scope<signal_rcu> registered;
    pthread_setname_np(pthread_self(), "deaf-reader");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal_rcu::signal_number());
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    blocked.store(true);
    wait_flag(unblock, kDeadlockBound);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);  // the pending signal's handler runs now
  });
  ASSERT_TRUE(wait_flag(blocked, kStartBound));
  ::testing::internal::CaptureStderr();
  task updater([&] {
    signal_rcu::synchronize();
    returned.store(true);
  });
  std::this_thread::sleep_for(1s);  // well past the warning
  const bool returned_while_blocked = returned.load();
  unblock.store(true);
  updater.join_or_die("synchronize() after the reader unblocked the signal");
  reader.join_or_die("the reader");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(returned_while_blocked) << "a grace period ended without the reader's acknowledgement";
  EXPECT_NE(err.find("to acknowledge signal"), std::string::npos) << err;
  EXPECT_NE(err.find("(deaf-reader)"), std::string::npos) << err;
  EXPECT_NE(err.find("blocks the signal"), std::string::npos) << err;
}

TEST(SignalBackend, UserHandlerOnSigusr1WorksDuringGracePeriods) {
  const backend_entry& b = signal_backend();
  RCULAB_REQUIRE_UPDATES(b);
  ASSERT_NE(signal_rcu::signal_number(), SIGUSR1);
  // liburcu-signal owns SIGUSR1 in this process; borrow it for the test.
  saved_action restore(SIGUSR1);
  struct sigaction sa {};
  sa.sa_handler = &on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ASSERT_EQ(sigaction(SIGUSR1, &sa, nullptr), 0);
  usr1_count = 0;

  std::atomic<bool> ready{false}, stop{false};
  std::atomic<uint64_t> sections{0}, grace_periods{0};
  pthread_t reader_thread{};
  task reader([&] {
    registered r(b);
    reader_thread = pthread_self();
    ready.store(true, std::memory_order_release);
    while (!stop.load(std::memory_order_acquire)) {
      b.read_lock();
      b.read_lock();
      b.read_unlock();
      b.read_unlock();
      sections.fetch_add(1, std::memory_order_relaxed);
    }
  });
  task updater([&] {
    while (!stop.load(std::memory_order_acquire)) {
      b.synchronize();
      grace_periods.fetch_add(1, std::memory_order_relaxed);
    }
  });
  ASSERT_TRUE(wait_flag(ready, kStartBound));

  // Keep signalling until both the user's handler ran kSignals times and the
  // backend completed kGracePeriods grace periods in between (so they really
  // interleaved), or the deadlock bound passes.
  constexpr unsigned kSignals = 50, kGracePeriods = 10;
  unsigned sent = 0;
  const auto deadline = clock::now() + kDeadlockBound;
  bool lost = false;
  while ((sent < kSignals || grace_periods.load() < kGracePeriods) && clock::now() < deadline) {
    ASSERT_EQ(pthread_kill(reader_thread, SIGUSR1), 0);
    ++sent;
    if (!wait_until([&] { return usr1_count.load() >= sent; }, kStartBound)) {
      lost = true;
      break;
    }
  }
  const uint64_t gps_during = grace_periods.load();
  stop.store(true, std::memory_order_release);
  updater.join_or_die("synchronize() loop");
  reader.join_or_die("reader thread");

  EXPECT_FALSE(lost) << "SIGUSR1 #" << sent << " never reached the user's handler";
  EXPECT_EQ(usr1_count.load(), sent) << "the user's handler ran for signals it was not sent";
  EXPECT_GE(sent, kSignals);
  EXPECT_GE(gps_during, kGracePeriods) << "grace periods stopped completing meanwhile";
  EXPECT_TRUE(pthread_equal(usr1_last_thread.load(), reader_thread));
  EXPECT_GT(sections.load(), 0u);
  RecordProperty("grace_periods_during", std::to_string(gps_during));
  struct sigaction now {};
  ASSERT_EQ(sigaction(SIGUSR1, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, &on_usr1) << "the signal backend replaced the SIGUSR1 handler";
}

// liburcu-signal's constructor installs its SIGUSR1 handler in every lab
// binary; urcu-signal is usable exactly while that handler is still there.
TEST(UrcuSignal, AvailableWhileLiburcusHandlerIsInstalledAndNotAfter) {
  const backend_entry* b = find_backend("urcu-signal");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->unavailable_reason(), "") << "liburcu-signal's SIGUSR1 handler is missing at start";
  {
    saved_action restore(SIGUSR1);
    struct sigaction sa {};
    sa.sa_handler = &on_usr1;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(sigaction(SIGUSR1, &sa, nullptr), 0);
    const std::string why = b->unavailable_reason();
    EXPECT_NE(why.find("SIGUSR1"), std::string::npos)
        << "a user SIGUSR1 handler breaks urcu-signal; the backend must say so, got '" << why << "'";
  }
  EXPECT_EQ(b->unavailable_reason(), "") << "restoring liburcu's handler makes it usable again";
}

// Our signal backend refuses a signal that already has a handler, SIGUSR1
// (liburcu-signal's) included, instead of stealing it.
TEST(SignalBackend, RefusesLiburcusSigusr1) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process: the signal is chosen once
  EXPECT_EXIT(
      {
        setenv("RCULAB_SIGNAL_NUM", "10", 1);  // SIGUSR1 on Linux
        const std::string why = signal_backend().unavailable_reason();
        std::fprintf(stderr, "reason: %s\n", why.c_str());
        std::exit(why.find("already has a handler") != std::string::npos ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "reason: signal 10 already has a handler");
}

}  // namespace
}  // namespace rculab::test
