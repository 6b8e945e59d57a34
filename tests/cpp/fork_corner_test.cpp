// fork() corners the general fork test (fault_test.cpp) does not reach:
//   ptmutex    a thread forks inside its section while an updater waits for
//              its mutex: the child's next section must not yield forever
//              for an updater that is not there;
//   call_rcu   fork() from inside a callback: the forking worker stays its
//              shard's one worker in the child (no second consumer);
//   srcu       a domain with a reader of another thread inside its section
//              and a running worker: the child synchronizes, calls, waits
//              for callbacks and destroys the domain.
// Each child is bounded by alarm(): a hang ends in SIGALRM, and the parent
// reports it.
#include <gtest/gtest.h>
#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "impls/core/call_rcu_engine.h"
#include "impls/mb/mb.h"
#include "impls/ptmutex/ptmutex.h"
#include "impls/srcu/srcu.h"
#include "tests/cpp/test_support.h"

namespace rculab::test {
namespace {

constexpr unsigned kChildAlarmS = 10;

std::string describe_child(int status) {
  if (status == -1) return "did not end in time (killed)";
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("killed by ") + (WTERMSIG(status) == SIGALRM ? "SIGALRM (a hang)" : strsignal(WTERMSIG(status)));
  return "status " + std::to_string(status);
}

pid_t my_tid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// ---- ptmutex -----------------------------------------------------------------

TEST(ForkCorner, PtmutexChildOfAThreadForkingInsideItsSectionWhileAnUpdaterWaits) {
  RCULAB_REQUIRE_FORK();
  std::atomic<bool> inside{false}, forked{false};
  std::atomic<pid_t> updater_tid{0};
  int child_status = -1;
  task reader([&] {
    thread_scope<ptmutex> registered;
    ptmutex::read_lock();
    inside.store(true);
    // The updater has raised our flag and sleeps on our mutex.
    wait_until([&] { return updater_tid.load() && scheduler_state(updater_tid.load()) == 'S'; }, kStartBound);
    const pid_t pid = fork();
    if (pid == 0) {
      alarm(kChildAlarmS);
      ptmutex::read_unlock();
      ptmutex::read_lock();  // yielded forever while a parent's flag stayed set
      ptmutex::read_unlock();
      ptmutex::synchronize();
      _exit(0);
    }
    forked.store(true);
    ptmutex::read_unlock();
    child_status = wait_child(pid);
  });
  ASSERT_TRUE(wait_flag(inside, kStartBound));
  task updater([&] {
    updater_tid.store(my_tid());
    ptmutex::synchronize();
  });
  reader.join_or_die("the forking reader");
  updater.join_or_die("the updater");
  EXPECT_EQ(child_status, 0) << "ptmutex: child " << describe_child(child_status);
}

// ---- call_rcu: fork() inside a callback ------------------------------------------

// This process's threads named `name` (the call_rcu workers name themselves).
int threads_named(const std::string& name) {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/comm");
      std::string comm;
      std::getline(f, comm);
      n += comm == name;
    }
    closedir(dir);
  }
  return n;
}

std::atomic<pid_t> forked_child{0};
std::atomic<int> child_callbacks_run{0};
void count_in_child(rcu_head*) { child_callbacks_run.fetch_add(1); }

// The callback that forks: in the child the forking thread goes on as a
// call_rcu worker (it returns into the batch loop), and a thread of the
// child queues more callbacks, waits for them with barrier(), and compares
// the threads running as workers with the workers the engine knows: one
// more thread than that is a second consumer of some shard's queue.
void fork_inside_callback(rcu_head*) {
  const pid_t pid = fork();
  if (pid != 0) {
    forked_child.store(pid);
    return;
  }
  alarm(kChildAlarmS);
  // A thread of the child's own, so the callbacks run on the worker, not here.
  std::thread child_main([] {
    pthread_setname_np(pthread_self(), "child-main");  // not the worker's name it inherits
    static rcu_head nodes[16];
    for (rcu_head& n : nodes) mb::call(&n, &count_in_child);
    mb::barrier();
    const int running = threads_named("rcu-cb:mb");
    const int known = static_cast<int>(mb::helper_threads().size());
    _exit(child_callbacks_run.load() != 16 ? 20 : running != known ? 30 + running - known : 0);
  });
  child_main.detach();
  // Back into the batch loop, as the child's worker.
}

TEST(ForkCorner, ForkInsideACallbackKeepsOneWorkerPerShard) {
  RCULAB_REQUIRE_FORK();
  static rcu_head node;
  task caller([] {
    thread_scope<mb> registered;
    mb::call(&node, &fork_inside_callback);
    mb::barrier();
  });
  caller.join_or_die("barrier() behind the forking callback");
  ASSERT_TRUE(wait_until([] { return forked_child.load() != 0; }, kStartBound));
  const int status = wait_child(forked_child.load());
  EXPECT_EQ(status, 0) << "child " << describe_child(status)
                       << " (exit 20: callbacks lost or run twice; 30+N: N more threads running as call_rcu "
                          "workers than the engine knows)";
}

// ---- srcu_domain ---------------------------------------------------------------

std::atomic<int> srcu_child_callbacks{0};
void count_srcu(rcu_head*) { srcu_child_callbacks.fetch_add(1); }

TEST(ForkCorner, SrcuDomainWorksInTheChildOfAForkWithAReaderInsideItsSection) {
  RCULAB_REQUIRE_FORK();
  auto* domain = new srcu_domain;  // freed in both processes at the end
  std::atomic<bool> inside{false}, release{false};
  task reader([&] {
    srcu_domain::reader r(*domain);
    const unsigned idx = r.lock();
    inside.store(true);
    wait_flag(release, kDeadlockBound);
    r.unlock(idx);
  });
  ASSERT_TRUE(wait_flag(inside, kStartBound));
  rcu_head warm;
  domain->call(&warm, &count_srcu);  // the worker takes it and waits for the reader
  std::this_thread::sleep_for(20ms);
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(kChildAlarmS);
    {
      srcu_domain::reader mine(*domain);
      mine.unlock(mine.lock());
    }
    domain->synchronize();  // waited forever for the parent reader's section
    static rcu_head nodes[4];
    for (rcu_head& n : nodes) domain->call(&n, &count_srcu);
    domain->barrier();
    const int ran = srcu_child_callbacks.load();
    delete domain;  // barrier() and joins the child's own worker
    _exit(ran == 4 ? 0 : 20);
  }
  const int status = wait_child(pid);
  release.store(true);
  reader.join_or_die("the parent's reader");
  delete domain;
  EXPECT_EQ(status, 0) << "srcu: child " << describe_child(status) << " (exit 20: callbacks did not all run)";
}

}  // namespace
}  // namespace rculab::test
