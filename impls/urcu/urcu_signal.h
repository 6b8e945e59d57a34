// urcu-signal: liburcu's signal flavor as a reference backend (see urcu_reference.h).
// Compiler barriers on the read side; the updater signals readers (SIGUSR1) and polls.
// Include only from this backend's own translation unit.
#pragma once

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE  // inline liburcu's read-side fast paths
#endif
#include <urcu/urcu-signal.h>
// liburcu's publication macros would shadow rculab::rcu_dereference & co.
#undef rcu_dereference
#undef rcu_assign_pointer

#include "impls/urcu/urcu_reference.h"
#include "impls/urcu/urcu_head_cast.h"

namespace rculab {

struct urcu_signal_flavor {
  static constexpr bool kNeedsQuiescentStates = false;
  static constexpr const char* kDetail = "signal flavor, _LGPL_SOURCE inlined";
  static void register_thread() { urcu_signal_register_thread(); }
  static void unregister_thread() { urcu_signal_unregister_thread(); }
  static void read_lock() noexcept { urcu_signal_read_lock(); }
  static void read_unlock() noexcept { urcu_signal_read_unlock(); }
  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}
  static void synchronize_rcu() { urcu_signal_synchronize_rcu(); }
  static void call_rcu(rcu_head* h, void (*f)(rcu_head*)) { urcu_signal_call_rcu(to_urcu(h), to_urcu(f)); }
  static void rcu_barrier() { urcu_signal_barrier(); }
  static pthread_t call_rcu_thread() {
    return urcu_signal_get_call_rcu_thread(urcu_signal_get_default_call_rcu_data());
  }
  // The phase counter flips: grace periods cannot be counted from outside.
  static std::optional<uint64_t> grace_periods() { return std::nullopt; }
};

struct urcu_signal_backend : urcu_reference<urcu_signal_flavor> {
  static constexpr const char kName[] = "urcu-signal";
};

}  // namespace rculab
