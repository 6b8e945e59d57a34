// The runtime view of the backends: one entry per backend, built in that
// backend's own translation unit (generated from impls/backends.cmake), so
// its read side inlines into everything instantiated there, and liburcu's
// flavor headers never meet in one unit. Tests and the CLI go through these
// entries; measured loops never do (they are instantiated per backend).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bench/quick/quick.h"
#include "bench/workloads/all.h"
#include "bench/torture/torture.h"
#include "impls/core/backend.h"

namespace rculab {

struct backend_entry {
  std::string_view name;
  backend_traits traits;
  std::string (*mode)();
  std::string (*unavailable_reason)();

  void (*register_thread)();
  void (*unregister_thread)();
  void (*read_lock)();
  void (*read_unlock)();
  void (*quiescent_state)();
  void (*thread_offline)();
  void (*thread_online)();
  void (*synchronize)();
  void (*call)(rcu_head*, void (*)(rcu_head*));
  void (*barrier)();
  backend_stats (*stats)();
  std::vector<helper_thread> (*helper_threads)();
  // A fork protocol the program must follow itself (liburcu's; see
  // urcu_reference.h): null for our backends, which repair themselves in
  // the child (impls/core/fork_repair.h).
  void (*before_fork)();
  void (*after_fork_parent)();
  void (*after_fork_child)();

  torture_result (*torture)(const torture_config&);
  quick_result (*quick)(uint64_t iterations, unsigned samples);
  void (*register_benchmarks)(const bench_options&);
};

template <Backend B>
backend_entry make_backend_entry() {
  return backend_entry{
      .name = B::kName,
      .traits = B::kTraits,
      .mode = [] {
        if constexpr (requires { B::call_rcu_mode(); }) return std::string(B::mode()) + "; " + B::call_rcu_mode();
        else return std::string(B::mode());
      },
      .unavailable_reason = [] { return std::string(B::unavailable_reason()); },
      .register_thread = [] { B::register_thread(); },
      .unregister_thread = [] { B::unregister_thread(); },
      .read_lock = [] { B::read_lock(); },
      .read_unlock = [] { B::read_unlock(); },
      .quiescent_state = [] { B::quiescent_state(); },
      .thread_offline = [] { B::thread_offline(); },
      .thread_online = [] { B::thread_online(); },
      .synchronize = [] { B::synchronize(); },
      .call = [](rcu_head* h, void (*f)(rcu_head*)) { B::call(h, f); },
      .barrier = [] { B::barrier(); },
      .stats = [] { return B::stats(); },
      .helper_threads = [] { return B::helper_threads(); },
      .before_fork = []() -> void (*)() {
        if constexpr (requires { B::before_fork(); }) return [] { B::before_fork(); };
        else return nullptr;
      }(),
      .after_fork_parent = []() -> void (*)() {
        if constexpr (requires { B::after_fork_parent(); }) return [] { B::after_fork_parent(); };
        else return nullptr;
      }(),
      .after_fork_child = []() -> void (*)() {
        if constexpr (requires { B::after_fork_child(); }) return [] { B::after_fork_child(); };
        else return nullptr;
      }(),
      .torture = [](const torture_config& c) { return run_torture<B>(c); },
      .quick = [](uint64_t iterations, unsigned samples) { return run_quick<B>(iterations, samples); },
      .register_benchmarks = [](const bench_options& o) { register_all_workloads<B>(o); },
  };
}

// Every backend of the build, in the order of impls/backends.cmake.
const std::vector<backend_entry>& all_backends();
// nullptr if there is no backend of that name.
const backend_entry* find_backend(std::string_view name);
// "qsbr, mb, ..." for error messages.
std::string backend_names();

}  // namespace rculab
