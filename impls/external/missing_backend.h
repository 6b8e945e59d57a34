// missing_backend: the stand-in for an out-of-tree backend whose requirements
// (a pkg-config module: libck-dev for ck_epoch) were not found when the build
// was configured. It is listed, with the reason, and refused like any
// unavailable backend (rculab-core, rculab-bench and the tests skip it and
// say why); it is never replaced by something else under its name. Every
// operation reports misuse: nothing may run it.
#pragma once

#include <string>
#include <vector>

#include "impls/core/backend.h"
#include "impls/core/barrier.h"

namespace rculab {

// Why provides kName and kReason (generated per backend).
template <class Why>
class missing_backend {
 public:
  static constexpr const char* kName = Why::kName;
  static constexpr backend_traits kTraits{.ours = false};

  static std::string mode() { return std::string("unavailable: ") + Why::kReason; }
  static std::string unavailable_reason() { return Why::kReason; }

  static void register_thread() { refuse(); }
  static void unregister_thread() { refuse(); }
  static void read_lock() noexcept { refuse(); }
  static void read_unlock() noexcept { refuse(); }
  static void quiescent_state() noexcept { refuse(); }
  static void thread_offline() noexcept { refuse(); }
  static void thread_online() noexcept { refuse(); }
  static void synchronize() { refuse(); }
  static void call(rcu_head*, void (*)(rcu_head*)) { refuse(); }
  static void barrier() { refuse(); }
  static backend_stats stats() { return {}; }
  static std::vector<helper_thread> helper_threads() { return {}; }

 private:
  [[noreturn]] static void refuse() noexcept { misuse(kName, "used although unavailable in this build"); }
};

}  // namespace rculab
