// urcu-bp: liburcu's bp flavor as a reference backend (see urcu_reference.h).
// Bulletproof: readers register lazily on first read_lock, no unregister needed.
// Include only from this backend's own translation unit.
#pragma once

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE  // inline liburcu's read-side fast paths
#endif
#include <urcu/urcu-bp.h>
// liburcu's publication macros would shadow rculab::rcu_dereference & co.
#undef rcu_dereference
#undef rcu_assign_pointer

#include "impls/urcu/urcu_reference.h"
#include "impls/urcu/urcu_head_cast.h"

namespace rculab {

struct urcu_bp_flavor {
  static constexpr bool kNeedsQuiescentStates = false;
  static constexpr const char* kDetail = "bp flavor, _LGPL_SOURCE inlined";
  static void register_thread() { urcu_bp_register_thread(); }
  static void unregister_thread() {}  // liburcu-bp cleans up at thread exit
  static void read_lock() noexcept { urcu_bp_read_lock(); }
  static void read_unlock() noexcept { urcu_bp_read_unlock(); }
  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}
  static void synchronize_rcu() { urcu_bp_synchronize_rcu(); }
  static void call_rcu(rcu_head* h, void (*f)(rcu_head*)) { urcu_bp_call_rcu(to_urcu(h), to_urcu(f)); }
  static void rcu_barrier() { urcu_bp_barrier(); }
  static pthread_t call_rcu_thread() {
    return urcu_bp_get_call_rcu_thread(urcu_bp_get_default_call_rcu_data());
  }
  static std::optional<uint64_t> grace_periods() { return std::nullopt; }
};

struct urcu_bp_backend : urcu_reference<urcu_bp_flavor> {
  static constexpr const char kName[] = "urcu-bp";
};

}  // namespace rculab
