// none: no synchronization at all. The ideal line for read-only work: what a
// read costs when nothing protects it. Not safe for updates: synchronize,
// call and barrier refuse (throw) instead of pretending to wait.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "impls/core/backend.h"

namespace rculab {

class none {
 public:
  static constexpr const char kName[] = "none";
  static constexpr backend_traits kTraits{.safe_for_updates = false};

  static std::string mode() { return "unsynchronized"; }
  static std::string unavailable_reason() { return {}; }

  static void register_thread() noexcept {}
  static void unregister_thread() noexcept {}
  static void read_lock() noexcept {}
  static void read_unlock() noexcept {}
  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}

  [[noreturn]] static void synchronize() { refuse("synchronize"); }
  [[noreturn]] static void call(rcu_head*, void (*)(rcu_head*)) { refuse("call_rcu"); }
  [[noreturn]] static void barrier() { refuse("rcu_barrier"); }

  static backend_stats stats() { return {}; }
  static std::vector<helper_thread> helper_threads() { return {}; }

 private:
  [[noreturn]] static void refuse(const char* what) {
    throw std::logic_error(std::string("backend 'none' is not safe for updates: ") + what +
                           " would free memory under running readers");
  }
};

}  // namespace rculab
