// urcu-memb: liburcu's memb flavor as a reference backend (see urcu_reference.h).
// Compiler barriers on the read side; sys_membarrier on the update side.
// Include only from this backend's own translation unit.
#pragma once

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE  // inline liburcu's read-side fast paths
#endif
#include <urcu/urcu-memb.h>
// liburcu's publication macros would shadow rculab::rcu_dereference & co.
#undef rcu_dereference
#undef rcu_assign_pointer

#include "impls/urcu/urcu_reference.h"
#include "impls/urcu/urcu_head_cast.h"

namespace rculab {

struct urcu_memb_flavor {
  static constexpr bool kNeedsQuiescentStates = false;
  static constexpr const char* kDetail = "memb flavor, _LGPL_SOURCE inlined";
  static void register_thread() { urcu_memb_register_thread(); }
  static void unregister_thread() { urcu_memb_unregister_thread(); }
  static void read_lock() noexcept { urcu_memb_read_lock(); }
  static void read_unlock() noexcept { urcu_memb_read_unlock(); }
  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}
  static void synchronize_rcu() { urcu_memb_synchronize_rcu(); }
  static void call_rcu(rcu_head* h, void (*f)(rcu_head*)) { urcu_memb_call_rcu(to_urcu(h), to_urcu(f)); }
  static void rcu_barrier() { urcu_memb_barrier(); }
  static pthread_t call_rcu_thread() {
    return urcu_memb_get_call_rcu_thread(urcu_memb_get_default_call_rcu_data());
  }
  // The phase counter flips: grace periods cannot be counted from outside.
  static std::optional<uint64_t> grace_periods() { return std::nullopt; }
};

struct urcu_memb_backend : urcu_reference<urcu_memb_flavor> {
  static constexpr const char kName[] = "urcu-memb";
};

}  // namespace rculab
