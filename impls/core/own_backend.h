// What all of our own backends share: grace-period sharing (gp_batcher),
// call_rcu/rcu_barrier (call_rcu_engine) and the counters over both.
// A backend derives from own_backend<Itself> and supplies the rest, among it
// in_read_section(): barrier() inside a read-side section would wait for
// callbacks that wait for a grace period that waits for that section, so it
// is reported and aborts (every build: a slow path).
#pragma once

#include <string>
#include <vector>

#include "impls/core/backend.h"
#include "impls/core/barrier.h"
#include "impls/core/call_rcu_engine.h"
#include "impls/core/fork_repair.h"
#include "impls/core/gp_batcher.h"

namespace rculab {

template <class Derived>
class own_backend {
 public:
  static void call(rcu_head* head, void (*func)(rcu_head*)) { engine().call(head, func); }
  static void barrier() {
    if (Derived::in_read_section())
      misuse(Derived::kName,
             "barrier() inside a read-side section (its callbacks wait for a grace period that waits for "
             "this section)");
    engine().barrier();
  }

  static backend_stats stats() {
    backend_stats s;
    s.synchronize_calls = batcher().synchronize_calls();
    s.grace_periods = batcher().grace_periods();
    engine().add_to(s);
    if constexpr (requires { Derived::lost_wakeups(); }) s.lost_wakeups = Derived::lost_wakeups();
    return s;
  }

  static std::vector<helper_thread> helper_threads() {
    return engine().workers();
  }

  static std::string unavailable_reason() { return {}; }
  // Each started call_rcu worker's backlog now, in helper_threads() order.
  static std::vector<uint64_t> call_rcu_backlogs() { return engine().shard_backlogs(); }
  // "N call_rcu workers", appended to the backend's mode in listings.
  static std::string call_rcu_mode() { return engine().describe(); }

 protected:
  // Immortal on purpose: see call_rcu_engine.h. Both are repaired in the
  // child of fork() (fork_repair.h).
  static gp_batcher& batcher() {
    static gp_batcher* b = [] {
      auto* created = new gp_batcher;
      repair_after_fork(&gp_batcher::reset_after_fork, created);
      return created;
    }();
    return *b;
  }
  static call_rcu_engine& engine() {
    static call_rcu_engine* e = [] {
      auto* created = new call_rcu_engine(
          &Derived::synchronize, Derived::kName,
          {&Derived::register_thread, &Derived::thread_online, &Derived::thread_offline});
      repair_after_fork(&call_rcu_engine::restart_after_fork, created);
      return created;
    }();
    return *e;
  }
};

}  // namespace rculab
