// Faults, each with a bounded run time: a reader that stalls inside its
// section, signal-backend readers blocked in system calls, threads that exit
// inside a section, fork() with registered readers and a running call_rcu
// worker, membarrier refused. Each scenario observes; the tests assert the
// documented outcome per backend, and a deliberately broken setup shows
// that each check can fail.
//
// Outcomes per backend (what the tests below hold them to):
//   stalled reader (100 ms)   every backend: grace periods and callbacks wait
//                             for it, the backlog drains after it.
//   exit inside a section     ours: the section ends with the thread, one line
//                             on stderr, later grace periods complete
//                             (impls/core/thread_exit.h); qsbr: a thread that
//                             exits online goes offline. liburcu: undefined
//                             (it requires unregistering first): not run.
//   fork()                    ours: the child uses the backend with the parent's
//                             readers still registered, one inside a section,
//                             and callbacks being queued (impls/core/fork_repair.h).
//                             liburcu: its documented protocol (call_rcu_before/
//                             after_fork, bp's before/after_fork; readers of all
//                             flavors but bp unregistered first) works; broken,
//                             the child hangs (shown on urcu-memb).
//   membarrier refused        memb is unavailable, says why, refuses to run.
#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/harness/histogram.h"
#include "tests/cpp/broken_backends.h"
#include "tests/cpp/test_support.h"

namespace rculab::test {
namespace {

class Fault : public ::testing::TestWithParam<const backend_entry*> {
 protected:
  const backend_entry& b() const { return *GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(All, Fault, ::testing::ValuesIn(backend_params()), param_name);

uint64_t ns_between(clock::time_point a, clock::time_point b) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

// An object readers dereference and callbacks retire (never really freed,
// so a broken backend shows up as a flag, not as a crash).
struct guarded {
  rcu_head head;  // first member: the callback gets &head == this
  std::atomic<int> retired{0};
  std::atomic<uint64_t>* invoked = nullptr;
};

void retire_guarded(rcu_head* h) {
  auto* g = reinterpret_cast<guarded*>(h);
  g->retired.store(1, std::memory_order_release);
  g->invoked->fetch_add(1, std::memory_order_relaxed);
}

// ---- a reader stalls inside its section ---------------------------------------------

constexpr std::chrono::milliseconds kStall{100};
constexpr unsigned kBacklog = 64;  // callbacks queued during the stall, besides the replaced object

struct stall_observation {
  std::string setup_failure;
  bool replaced_retired_during_stall = false;  // the object the stalled reader holds
  uint64_t invoked_during_stall = 0;           // callbacks run before the reader left
  uint64_t queued_during_stall = 0;
  uint64_t invoked_after_barrier = 0;
  bool synchronize_returned_before_reader_left = false;
  uint64_t stalled_synchronize_ns = 0;  // from before the stall began to its return
  latency_histogram synchronize_ns;     // baseline calls and the stalled one
  std::optional<uint64_t> pending_peak;  // the backend's own backlog peak, where it has one
};

// A registered reader enters a section holding object A and, once an
// updater has replaced A and started synchronize(), sleeps kStall inside it.
// Meanwhile a registered thread queues call_rcu(A) and kBacklog more. The
// reader checks, before leaving, that A was not retired and no callback ran.
stall_observation stall_reader(const backend_entry& b) {
  stall_observation o;
  std::atomic<uint64_t> invoked{0};
  std::vector<std::unique_ptr<guarded>> objects;
  for (unsigned i = 0; i <= kBacklog; ++i) {
    objects.push_back(std::make_unique<guarded>());
    objects.back()->invoked = &invoked;
  }
  guarded* const a = objects[0].get();
  guarded replacement;
  std::atomic<guarded*> current{a};

  for (int i = 0; i < 5; ++i) {  // the baseline, no reader in the way
    const auto t0 = clock::now();
    b.synchronize();
    o.synchronize_ns.record(ns_between(t0, clock::now()));
  }

  std::atomic<bool> inside{false}, updater_started{false}, queued{false}, reader_left{false};
  // Registering waits for a running grace period: the queuing thread
  // registers before the stall holds one up.
  std::atomic<bool> queuer_registered{false};
  task queuer([&] {
    registered r(b);
    b.thread_offline();  // QSBR: an idle online thread would hold the grace periods too
    queuer_registered.store(true, std::memory_order_release);
    if (!wait_flag(updater_started, kStartBound)) return;
    b.thread_online();
    for (auto& g : objects) b.call(&g->head, &retire_guarded);
    o.queued_during_stall = objects.size();
    b.thread_offline();
    queued.store(true, std::memory_order_release);
    wait_flag(reader_left);
    b.barrier();  // the backlog drains once the reader has left
    o.invoked_after_barrier = invoked.load(std::memory_order_relaxed);
    b.thread_online();
  });
  if (!wait_flag(queuer_registered, kStartBound)) {
    o.setup_failure = "the queuing thread never registered";
    return o;
  }
  clock::time_point reader_left_at{};
  task reader([&] {
    registered r(b);
    b.read_lock();  // QSBR: online and no quiescent state from here on
    guarded* held = rcu_dereference(current);
    inside.store(true, std::memory_order_release);
    if (!wait_flag(updater_started, kStartBound)) return;
    std::this_thread::sleep_for(kStall);
    wait_flag(queued, kStartBound);  // the backlog is in place before we look
    o.replaced_retired_during_stall = held->retired.load(std::memory_order_acquire) != 0;
    o.invoked_during_stall = invoked.load(std::memory_order_relaxed);
    reader_left_at = clock::now();
    reader_left.store(true, std::memory_order_release);
    b.read_unlock();
    b.quiescent_state();
  });
  if (!wait_flag(inside, kStartBound)) {
    o.setup_failure = "the reader never entered its section";
    return o;
  }
  rcu_assign_pointer(current, &replacement);
  const auto sync_start = clock::now();
  updater_started.store(true, std::memory_order_release);
  std::atomic<bool> sync_done{false};
  clock::time_point sync_end{};
  task updater([&] {
    b.synchronize();
    sync_end = clock::now();
    sync_done.store(true, std::memory_order_release);
  });
  reader.join_or_die("the stalled reader");
  updater.join_or_die("synchronize() behind the stalled reader");
  queuer.join_or_die("barrier() after the stall");
  if (!reader_left.load()) {
    o.setup_failure = "the updater never started";
    return o;
  }
  o.synchronize_returned_before_reader_left = sync_end < reader_left_at;
  o.stalled_synchronize_ns = ns_between(sync_start, sync_end);
  o.synchronize_ns.record(o.stalled_synchronize_ns);
  o.pending_peak = b.stats().callbacks_pending_peak;
  return o;
}

// Empty if the stall was honoured; otherwise what went wrong.
std::string verdict(const stall_observation& o) {
  if (!o.setup_failure.empty()) return "setup: " + o.setup_failure;
  if (o.replaced_retired_during_stall) return "the object the stalled reader holds was retired under it";
  if (o.invoked_during_stall) return std::to_string(o.invoked_during_stall) + " callback(s) ran during the stall";
  if (o.synchronize_returned_before_reader_left) return "synchronize() returned before the stalled reader left";
  if (o.stalled_synchronize_ns < uint64_t(std::chrono::nanoseconds(kStall).count()))
    return "the stall does not show in synchronize latency (" +
           std::to_string(o.stalled_synchronize_ns / 1000) + " us)";
  if (o.invoked_after_barrier != o.queued_during_stall)
    return "the backlog did not drain: " + std::to_string(o.invoked_after_barrier) + " of " +
           std::to_string(o.queued_during_stall) + " callbacks ran by barrier()";
  return "";
}

TEST_P(Fault, StalledReaderHoldsGracePeriodsAndCallbacks) {
  RCULAB_REQUIRE_UPDATES(b());
  const stall_observation o = stall_reader(b());
  std::cout << "[ stall    ] " << b().name << ": synchronize p50 "
            << o.synchronize_ns.percentile(0.5) / 1000 << " us, behind the stall "
            << o.stalled_synchronize_ns / 1000 << " us (max " << o.synchronize_ns.max() / 1000
            << " us); backlog " << o.queued_during_stall << " queued, " << o.invoked_during_stall
            << " run during the stall, " << o.invoked_after_barrier << " after barrier\n";
  RecordProperty("stalled_synchronize_us", std::to_string(o.stalled_synchronize_ns / 1000));
  EXPECT_EQ(verdict(o), "") << b().name;
  EXPECT_EQ(o.queued_during_stall, kBacklog + 1);
  EXPECT_GE(o.synchronize_ns.max(), uint64_t(std::chrono::nanoseconds(kStall).count()))
      << "the latency histogram does not show the stall";
  if (o.pending_peak) {  // ours: the engine saw the whole backlog waiting at once
    EXPECT_GE(*o.pending_peak, kBacklog + 1);
  }
}

// The same scenario on a backend without grace periods: the check fires.
TEST(FaultSelfTest, StallCheckCatchesBackendWithoutGracePeriods) {
  const backend_entry broken_entry = make_backend_entry<broken>();
  const stall_observation o = stall_reader(broken_entry);
  EXPECT_NE(verdict(o), "");
  EXPECT_TRUE(o.replaced_retired_during_stall);
  EXPECT_GT(o.invoked_during_stall, 0u);
}

// ---- a thread exits inside its section -------------------------------------------------

// liburcu's flavors other than bp require unregister_thread() before a thread
// exits: a thread that exits registered leaves a dangling record in liburcu's
// registry (undefined behaviour: later grace periods read freed TLS).
// liburcu-bp unlinks a thread that exits registered (backend_test.cpp), but
// one that exits inside a section is outside its contract too.
// Out-of-tree backends have the C ABI's contract (impls/c_abi/rculab_backend.h):
// a thread unregisters before it exits, so outside its section.
std::string exit_inside_section_unsupported(const backend_entry& b) {
  if (b.traits.ours) return "";
  return std::string(b.traits.external ? "an out-of-tree backend's contract" : "liburcu") +
         " leaves a thread that exits inside a read-side section undefined (it must "
         "leave its section and unregister first)";
}

struct exit_observation {
  bool entered = false;
  bool pending_synchronize_returned = false;  // the one waiting when the thread exited
  bool later_grace_periods_complete = false;  // synchronize + call + barrier afterwards
  std::string stderr_text;
};

// A registered thread enters a section (QSBR: stays online) and exits there
// while another thread's synchronize() waits for it. With `registers`
// false the thread never registers (rwlock readers need not).
exit_observation exit_inside_section(const backend_entry& b, bool registers = true,
                                     std::chrono::milliseconds bound = kDeadlockBound) {
  exit_observation o;
  ::testing::internal::CaptureStderr();
  std::atomic<bool> inside{false}, may_exit{false};
  std::thread dying([&] {
    if (registers) b.register_thread();
    b.read_lock();
    inside.store(true, std::memory_order_release);
    wait_flag(may_exit, kStartBound);
  });  // returns inside the section, still registered
  o.entered = wait_flag(inside, kStartBound);
  task pending([&] { b.synchronize(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it start waiting
  may_exit.store(true, std::memory_order_release);
  dying.join();  // rwlock unregistered: the exit itself does not wait for anything
  o.pending_synchronize_returned = pending.wait(bound);
  if (o.pending_synchronize_returned) {
    task later([&] {
      registered r(b);
      b.synchronize();
      std::atomic<uint64_t> invoked{0};
      guarded g;
      g.invoked = &invoked;
      b.call(&g.head, &retire_guarded);
      b.thread_offline();
      b.barrier();
      b.thread_online();
    });
    o.later_grace_periods_complete = later.wait(bound);
    o.stderr_text = ::testing::internal::GetCapturedStderr();
    if (!o.later_grace_periods_complete) die("grace periods after the exit never completed");
  } else {
    o.stderr_text = ::testing::internal::GetCapturedStderr();
  }
  if (!o.pending_synchronize_returned) {
    // The waiting synchronize() is stuck for good: end the process with the verdict.
    std::fprintf(stderr, "synchronize() still waiting for the exited thread\n");
    std::fflush(stderr);
    _exit(3);
  }
  return o;
}

TEST_P(Fault, ThreadExitingInsideSectionIsCleanedUp) {
  RCULAB_REQUIRE_UPDATES(b());
  if (const std::string why = exit_inside_section_unsupported(b()); !why.empty()) GTEST_SKIP() << why;
  const exit_observation o = exit_inside_section(b());
  ASSERT_TRUE(o.entered);
  EXPECT_TRUE(o.pending_synchronize_returned);
  EXPECT_TRUE(o.later_grace_periods_complete);
  const size_t lines = std::count(o.stderr_text.begin(), o.stderr_text.end(), '\n');
  if (b().traits.needs_quiescent_states) {
    EXPECT_EQ(o.stderr_text, "") << "a QSBR thread exiting online just goes offline";
  } else {
    EXPECT_EQ(lines, 1u) << o.stderr_text;
    EXPECT_NE(o.stderr_text.find("rculab: " + std::string(b().name) +
                                 ": a thread exited inside a read-side section"),
              std::string::npos)
        << o.stderr_text;
  }
}

// The check can fail: an rwlock reader that never registered has no exit
// hook, so its read lock outlives it and the waiting synchronize() never
// returns (the documented limit). Run in a fresh process, which the stuck
// grace period ends with exit status 3.
TEST(FaultSelfTest, ExitCheckCatchesAHeldLock) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const backend_entry* rw = find_backend("rwlock");
  ASSERT_NE(rw, nullptr);
  EXPECT_EXIT(exit_inside_section(*rw, /*registers=*/false, std::chrono::milliseconds(300)),
              ::testing::ExitedWithCode(3), "synchronize\\(\\) still waiting for the exited thread");
}

// ---- fork() ----------------------------------------------------------------------------

// How a backend's threads meet fork(): ours need nothing (fork_repair.h);
// out-of-tree backends are held to liburcu's rule (readers unregister first)
// and their fork hooks, where they have them (ck_epoch);
// liburcu-bp keeps its readers registered but, as call_rcu_before_fork()
// waits for the worker's current batch (a grace period), no reader may be
// held inside a section across it; the other liburcu flavors require every
// reader to unregister first.
struct fork_plan {
  bool readers_unregister;  // the reader threads unregister and park until after fork()
  bool hold_inside;         // one reader is held inside a section across fork()
};

fork_plan plan_for(const backend_entry& b, bool hold_reader_anyway) {
  if (b.traits.ours) return {false, true};
  if (b.name == "urcu-bp") return {false, hold_reader_anyway};
  return {true, hold_reader_anyway};
}

// Exit statuses of the child, so the parent can say what failed.
enum child_status : int {
  kChildOk = 0,
  kChildCallbacksLost = 10,
};

// In the child: the backend from scratch, bounded by alarm() (SIGALRM ends a hang).
[[noreturn]] void use_backend_in_child(const backend_entry& b, unsigned alarm_s) {
  alarm(alarm_s);
  if (b.after_fork_child) b.after_fork_child();
  b.register_thread();
  b.read_lock();
  b.read_unlock();
  b.quiescent_state();
  b.synchronize();
  std::atomic<uint64_t> invoked{0};
  guarded nodes[8];
  for (guarded& g : nodes) {
    g.invoked = &invoked;
    b.call(&g.head, &retire_guarded);
  }
  b.thread_offline();
  b.barrier();
  b.thread_online();
  if (invoked.load() != 8) _exit(kChildCallbacksLost);
  b.synchronize();
  b.unregister_thread();
  _exit(kChildOk);
}

std::string describe_status(int status) {
  if (status == -1) return "did not end in time (killed)";
  if (WIFEXITED(status)) {
    switch (WEXITSTATUS(status)) {
      case kChildOk: return "exited 0";
      case kChildCallbacksLost: return "callbacks did not all run by barrier()";
      default: return "exited " + std::to_string(WEXITSTATUS(status));
    }
  }
  if (WIFSIGNALED(status))
    return std::string("killed by ") + (WTERMSIG(status) == SIGALRM ? "SIGALRM (a hang)" : strsignal(WTERMSIG(status)));
  return "status " + std::to_string(status);
}

struct fork_observation {
  std::string setup_failure;
  int child_status = -1;
  bool parent_still_works = false;
};

// Readers: one looping over sections, one held (inside a section where the
// plan allows); a thread queuing callbacks, so the worker runs (ours: it is
// inside a grace period held up by the held reader when fork() runs); the
// forking thread registered too (QSBR: online), where the plan allows. The
// backend's fork hooks, if any, run around fork(). The child must then use
// the backend from scratch (use_backend_in_child).
fork_observation fork_with_readers(const backend_entry& b, bool hold_reader_anyway = false,
                                   unsigned child_alarm_s = 10 * kSlowdown) {
  fork_observation o;
  const fork_plan plan = plan_for(b, hold_reader_anyway);
  // Registering waits for a running grace period, which the held reader
  // stalls: everybody registers before it enters its section.
  if (!plan.readers_unregister) {
    b.register_thread();  // the forking thread too
    b.thread_offline();   // QSBR: out of the way until just before fork()
  }
  std::atomic<bool> stop{false}, forked{false};
  std::atomic<unsigned> registered_threads{0}, parked{0};
  std::atomic<uint64_t> invoked{0};
  auto register_here = [&] {
    b.register_thread();
    registered_threads.fetch_add(1);
  };
  auto park_until_forked = [&] {
    b.unregister_thread();
    parked.fetch_add(1);
    wait_flag(forked);
    b.register_thread();
  };
  std::atomic<bool> looping{false};
  task looper([&] {
    register_here();
    for (bool parked_once = false; !stop.load(std::memory_order_acquire);) {
      b.read_lock();
      b.read_unlock();
      b.quiescent_state();
      looping.store(true, std::memory_order_release);
      if (plan.readers_unregister && !parked_once) {
        park_until_forked();
        parked_once = true;
      }
    }
    b.unregister_thread();
  });
  std::atomic<bool> holding{false}, release{false};
  const unsigned must_park = plan.readers_unregister ? (plan.hold_inside ? 2u : 3u) : 0u;
  task holder([&] {
    register_here();
    if (plan.hold_inside) {
      // The others have registered (and parked, where they must: the queuer's
      // last barrier needs grace periods that this section would hold up).
      b.thread_offline();  // QSBR: registering waits for grace periods, which would wait for us
      wait_until([&] { return registered_threads.load() == 3 && parked.load() == must_park; },
                 kStartBound);
      b.thread_online();
      b.read_lock();
      holding.store(true, std::memory_order_release);
      wait_flag(release);
      b.read_unlock();
    } else {
      holding.store(true, std::memory_order_release);
      if (plan.readers_unregister) park_until_forked();
      b.thread_offline();  // QSBR: idle, out of the grace periods' way
      wait_flag(release);
      b.thread_online();
    }
    b.unregister_thread();
  });
  std::atomic<bool> queuing{false};
  task queuer([&] {
    register_here();
    std::vector<std::unique_ptr<guarded>> nodes;
    auto drain = [&] {
      b.thread_offline();
      b.barrier();
      b.thread_online();
      nodes.clear();
    };
    for (bool parked_once = false; !stop.load(std::memory_order_acquire);) {
      nodes.push_back(std::make_unique<guarded>());
      nodes.back()->invoked = &invoked;
      b.call(&nodes.back()->head, &retire_guarded);
      b.quiescent_state();
      queuing.store(true, std::memory_order_release);
      if (nodes.size() == 64) drain();
      if (plan.readers_unregister && !parked_once && nodes.size() == 16) {
        drain();  // nothing of ours in flight across fork()
        park_until_forked();
        parked_once = true;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    drain();  // no node outlives this thread
    b.unregister_thread();
  });
  const bool in_place = wait_flag(looping, kStartBound) && wait_flag(holding, kStartBound) &&
                        wait_flag(queuing, kStartBound) &&
                        wait_until([&] { return parked.load() == must_park; }, kStartBound);
  if (!in_place) {
    o.setup_failure = "the reader and queuing threads did not get in place";
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let callbacks pile up
    if (!plan.readers_unregister) b.thread_online();  // QSBR: the child starts online
    if (b.before_fork) b.before_fork();
    const pid_t pid = fork();
    if (pid == 0) use_backend_in_child(b, child_alarm_s);  // never returns
    if (b.after_fork_parent) b.after_fork_parent();
    if (!plan.readers_unregister) b.thread_offline();
    if (pid < 0) o.setup_failure = std::string("fork: ") + std::strerror(errno);
    else o.child_status = wait_child(pid, kDeadlockBound);
  }
  forked = true;
  release = true;
  stop = true;
  looper.join_or_die("reader loop after fork()");
  holder.join_or_die("held reader after fork()");
  queuer.join_or_die("callback queuer after fork()");
  task after([&] { b.synchronize(); });
  o.parent_still_works = after.wait();
  if (!plan.readers_unregister) {
    b.thread_online();
    b.unregister_thread();
  }
  return o;
}

TEST_P(Fault, ForkChildUsesBackendWithRegisteredReadersAndRunningWorker) {
  RCULAB_REQUIRE_UPDATES(b());
  RCULAB_REQUIRE_FORK();
  const fork_observation o = fork_with_readers(b());
  ASSERT_EQ(o.setup_failure, "");
  EXPECT_EQ(o.child_status, 0) << b().name << ": child " << describe_status(o.child_status);
  EXPECT_TRUE(o.parent_still_works) << b().name << ": the parent's grace periods stopped after fork()";
}

// The check can fail, and liburcu's restriction is real: urcu-memb with a
// reader still registered inside its section at fork() leaves a child whose
// first synchronize() never returns (SIGALRM ends it).
TEST(FaultSelfTest, ForkCheckCatchesLiburcuReaderKeptAcrossFork) {
  RCULAB_REQUIRE_FORK();
  const backend_entry* memb = find_backend("urcu-memb");
  ASSERT_NE(memb, nullptr);
  RCULAB_REQUIRE_UPDATES(*memb);
  // One second: the child's work takes milliseconds, the hang is for good.
  const fork_observation o = fork_with_readers(*memb, /*hold_reader_anyway=*/true, /*child_alarm_s=*/1);
  ASSERT_EQ(o.setup_failure, "");
  EXPECT_NE(o.child_status, 0) << "the child completed a grace period with a dead reader inside";
  EXPECT_TRUE(o.child_status == -1 || (WIFSIGNALED(o.child_status) && WTERMSIG(o.child_status) == SIGALRM))
      << describe_status(o.child_status);
}

// ---- signal backend: readers blocked in system calls ------------------------------

// Linux never restarts poll() or nanosleep() after a handler, SA_RESTART or
// not (signal(7)): each grace period's signal makes them return EINTR (read()
// on a pipe is restarted: signal_test.cpp). A reader that polls or sleeps
// must retry, nanosleep with the time remaining; then both end correctly.
TEST(SignalFault, PollAndNanosleepSeeEintrAndRetryCorrectly) {
  const backend_entry* b = find_backend("signal");
  ASSERT_NE(b, nullptr);
  RCULAB_REQUIRE_UPDATES(*b);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::atomic<pid_t> poll_tid{0}, sleep_tid{0};
  int poll_eintr = 0, poll_result = 0, poll_errno = 0;
  short revents = 0;
  task poller([&] {
    registered r(*b);
    poll_tid.store(gettid());
    pollfd p{fds[0], POLLIN, 0};
    while ((poll_result = poll(&p, 1, -1)) < 0 && errno == EINTR) ++poll_eintr;
    poll_errno = errno;
    revents = p.revents;
  });
  constexpr std::chrono::milliseconds kSleep{300};
  int sleep_eintr = 0, sleep_errno = 0;
  std::chrono::nanoseconds slept{};
  task sleeper([&] {
    registered r(*b);
    sleep_tid.store(gettid());
    const auto start = clock::now();
    timespec left{0, std::chrono::nanoseconds(kSleep).count()};
    while (nanosleep(&left, &left) != 0) {
      if (errno != EINTR) {
        sleep_errno = errno;
        break;
      }
      ++sleep_eintr;
    }
    slept = clock::now() - start;
  });
  ASSERT_TRUE(wait_until([&] { return poll_tid.load() && sleep_tid.load(); }, kStartBound));
  const bool asleep = wait_until(
      [&] { return scheduler_state(poll_tid) == 'S' && scheduler_state(sleep_tid) == 'S'; }, kStartBound);
  ASSERT_TRUE(asleep) << "the readers never went to sleep in poll() and nanosleep()";
  task updater([&] {
    for (int i = 0; i < 5; ++i) b->synchronize();
  });
  updater.join_or_die("synchronize() with readers blocked in poll() and nanosleep()");
  sleeper.join_or_die("nanosleep() loop");
  EXPECT_FALSE(poller.done()) << "poll() returned " << poll_result << " before any data was written";
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  poller.join_or_die("poll() loop after data was written");
  close(fds[0]);
  close(fds[1]);
  std::cout << "[ blocked  ] poll: " << poll_eintr << " EINTR then " << poll_result
            << "; nanosleep: " << sleep_eintr << " EINTR, slept "
            << std::chrono::duration_cast<std::chrono::milliseconds>(slept).count() << " ms\n";
  EXPECT_GE(poll_eintr, 1) << "poll() was not interrupted by the grace periods' signals";
  EXPECT_EQ(poll_result, 1) << std::strerror(poll_errno);
  EXPECT_TRUE(revents & POLLIN);
  EXPECT_GE(sleep_eintr, 1) << "nanosleep() was not interrupted by the grace periods' signals";
  EXPECT_EQ(sleep_errno, 0) << std::strerror(sleep_errno);
  EXPECT_GE(slept, kSleep) << "a retried nanosleep() slept less than asked";
}

// Our signal backend (SIGUSR2) and liburcu-signal (SIGUSR1) in one process at
// the same time: both torture runs pass, and a thread registered with both
// nests their sections while their grace periods run.
TEST(SignalFault, OursAndUrcuSignalTogether) {
  const backend_entry* ours = find_backend("signal");
  const backend_entry* theirs = find_backend("urcu-signal");
  ASSERT_NE(ours, nullptr);
  ASSERT_NE(theirs, nullptr);
  RCULAB_REQUIRE_UPDATES(*ours);
  RCULAB_REQUIRE_UPDATES(*theirs);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> both_sections{0};
  task both([&] {
    registered r1(*ours);
    registered r2(*theirs);
    while (!stop.load(std::memory_order_acquire)) {
      ours->read_lock();
      theirs->read_lock();
      theirs->read_unlock();
      ours->read_unlock();
      both_sections.fetch_add(1, std::memory_order_relaxed);
    }
  });
  const torture_config config{.readers = 3, .seconds = 0.5, .seed = 7, .extra_updaters = 1};
  torture_result r_ours, r_theirs;
  task run_ours([&] { r_ours = ours->torture(config); });
  task run_theirs([&] { r_theirs = theirs->torture(config); });
  run_ours.join_or_die("signal torture beside urcu-signal");
  run_theirs.join_or_die("urcu-signal torture beside signal");
  stop.store(true, std::memory_order_release);
  both.join_or_die("thread registered with both");
  EXPECT_TRUE(r_ours.passed()) << "signal: freed seen " << r_ours.freed_seen << ", updates " << r_ours.updates;
  EXPECT_TRUE(r_theirs.passed()) << "urcu-signal: freed seen " << r_theirs.freed_seen << ", updates "
                                 << r_theirs.updates;
  EXPECT_GT(both_sections.load(), 0u);
}

// ---- membarrier refused -------------------------------------------------------------

// RCULAB_MEMB_DISABLE=1 stands for a kernel without membarrier: memb says so,
// the torture gate refuses it, and a thread that registers anyway gets one
// line and exit status 2. A fresh process: the probe runs once per process.
TEST(MembFault, RefusedMembarrierIsReportedAndRefused) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("RCULAB_MEMB_DISABLE", "1", 1);
        const backend_entry& memb = *find_backend("memb");
        if (memb.unavailable_reason() != "disabled by RCULAB_MEMB_DISABLE") std::_Exit(3);
        if (memb.mode().find("unavailable") == std::string::npos) std::_Exit(4);
        try {
          memb.torture(torture_config{.readers = 1, .seconds = 0.1});
          std::_Exit(5);
        } catch (const std::runtime_error& e) {
          if (std::string(e.what()).find("disabled by RCULAB_MEMB_DISABLE") == std::string::npos)
            std::_Exit(6);
        }
        memb.register_thread();
        std::_Exit(7);
      },
      ::testing::ExitedWithCode(2),
      "rculab: backend memb is unavailable here: disabled by RCULAB_MEMB_DISABLE");
}

}  // namespace
}  // namespace rculab::test
