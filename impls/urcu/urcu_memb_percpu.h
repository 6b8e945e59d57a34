// urcu-memb-percpu: liburcu's memb flavor with its scalable call_rcu
// configuration, one call_rcu worker per CPU (create_all_cpu_call_rcu_data):
// a callback is queued to the worker of the CPU its caller runs on. liburcu
// binds each worker to its CPU; the harness leaves them there (neither pinned
// nor timed). The read side and grace periods are urcu-memb's.
// Include only from this backend's own translation unit.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <unistd.h>

#include "impls/urcu/urcu_memb.h"

namespace rculab {

// urcu-memb's read side and grace periods; only call_rcu differs.
struct urcu_memb_percpu_flavor : urcu_memb_flavor {
  static constexpr const char* kDetail = "memb flavor, one call_rcu worker per CPU, _LGPL_SOURCE inlined";
  // Each call() goes to the queue of the caller's current CPU.
  static constexpr bool kCallbacksFifoPerThread = false;

  // Creates the per-CPU workers once, before the first callback.
  static std::string unavailable_reason() {
    static const std::string* why = new std::string([]() -> std::string {
      if (int err = urcu_memb_create_all_cpu_call_rcu_data(0))
        return std::string("create_all_cpu_call_rcu_data failed: ") + std::strerror(err < 0 ? -err : err);
      return {};
    }());
    return *why;
  }
  static void call_rcu(rcu_head* h, void (*f)(rcu_head*)) {
    unavailable_reason();  // the per-CPU workers exist before the first callback
    urcu_memb_set_thread_call_rcu_data(nullptr);  // undo urcu-memb's choice of the default worker
    urcu_memb_call_rcu(to_urcu(h), to_urcu(f));
  }
  static std::vector<helper_thread> call_rcu_threads() {
    std::vector<helper_thread> threads;
    const long cpus = sysconf(_SC_NPROCESSORS_CONF);
    for (long cpu = 0; cpu < cpus; ++cpu)
      if (call_rcu_data* data = urcu_memb_get_cpu_call_rcu_data(int(cpu)))
        if (const pthread_t worker = urcu_memb_get_call_rcu_thread(data); worker != pthread_t{})
          threads.push_back({"call_rcu_worker_cpu" + std::to_string(cpu), worker, 0, true});
    return threads;
  }
};

struct urcu_memb_percpu_backend : urcu_reference<urcu_memb_percpu_flavor> {
  static constexpr const char kName[] = "urcu-memb-percpu";
};

}  // namespace rculab
