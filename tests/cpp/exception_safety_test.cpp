// Exception paths of the shared core, with an injected allocation failure
// (alloc_fault.h): barrier() that throws has queued nothing a worker could
// still run after the unwinding freed it, and a QSBR thread that went
// offline for a synchronize() or barrier() comes back online however that
// ends.
#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <vector>

#include "impls/core/call_rcu_engine.h"
#include "impls/mb/mb.h"
#include "impls/qsbr/qsbr.h"
#include "tests/cpp/alloc_fault.h"
#include "tests/cpp/test_support.h"

namespace rculab::test {
namespace {

std::atomic<uint64_t> callbacks_run{0};
void count_callback(rcu_head*) { callbacks_run.fetch_add(1); }

// Two shards with a worker each (two calling threads take turns), then
// barrier() with its n-th allocation failing, for every n up to the first
// that no longer fails. Each failed barrier() must leave no marker behind: a
// marker queued and then freed is poisoned by the fault scope, and its
// worker, running it later, crashes the test. Each time a later barrier()
// and callbacks still work.
TEST(ExceptionSafety, BarrierThatThrowsLeavesNoMarkerQueued) {
  static auto* engine = new call_rcu_engine(  // immortal, as backends' engines
      &mb::synchronize, "throw2", {&mb::register_thread, &mb::thread_online, &mb::thread_offline}, 2);
  rcu_head first[2];
  {
    std::vector<task> callers;
    for (rcu_head& h : first) callers.emplace_back([&h] { engine->call(&h, &count_callback); });
    for (task& t : callers) t.join_or_die("a thread starting a shard");
  }
  ASSERT_EQ(engine->workers().size(), 2u) << "two calling threads must start both shards";
  task drain([] { engine->barrier(); });  // the first callbacks ran: the counts below are ours
  drain.join_or_die("the first barrier()");
  int failures = 0;
  for (int n = 1; n <= 8; ++n) {
    bool threw = false;
    {
      alloc_fault_scope fault(n);
      try {
        engine->barrier();
      } catch (const std::bad_alloc&) {
        threw = true;
      }
      EXPECT_EQ(threw, fault.fired()) << "allocation " << n << ": a bad_alloc other than ours";
    }
    if (!threw) break;  // barrier() needs fewer than n allocations
    ++failures;
    // The workers get to run whatever is queued: a stale marker crashes here.
    rcu_head later;
    const uint64_t before = callbacks_run.load();
    engine->call(&later, &count_callback);
    task closer([] { engine->barrier(); });
    closer.join_or_die("barrier() after a barrier() that threw");
    EXPECT_EQ(callbacks_run.load(), before + 1) << "allocation " << n;
  }
  EXPECT_GT(failures, 0) << "barrier() never allocated: the injection tested nothing";
}

// An online QSBR thread whose barrier() throws must be online again: a
// grace period started afterwards waits for its next quiescent state. (An
// offline thread would let it pass at once, and its reads go unprotected.)
TEST(ExceptionSafety, QsbrThreadIsOnlineAgainAfterBarrierThrows) {
  thread_scope<qsbr> registered;  // online
  rcu_head h;
  qsbr::call(&h, &count_callback);  // a started shard: barrier() allocates
  bool threw = false;
  {
    alloc_fault_scope fault(1);
    try {
      qsbr::barrier();
    } catch (const std::bad_alloc&) {
      threw = true;
    }
  }
  ASSERT_TRUE(threw) << "the injected allocation failure did not reach barrier()";
  std::atomic<bool> returned{false};
  task updater([&] {
    qsbr::synchronize();
    returned.store(true);
  });
  std::this_thread::sleep_for(kHold);
  EXPECT_FALSE(returned.load()) << "qsbr: the thread stayed offline after barrier() threw";
  // Report quiescent states until it returns (it may have started its grace
  // period only after a first report, on a busy host).
  wait_until([&] {
    qsbr::quiescent_state();
    return returned.load();
  });
  updater.join_or_die("synchronize() waiting for our quiescent state");
  {
    offline_scope<qsbr> offline;
    qsbr::barrier();
  }
}

}  // namespace
}  // namespace rculab::test
