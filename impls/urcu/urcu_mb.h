// urcu-mb: liburcu's mb flavor as a reference backend (see urcu_reference.h).
// Two full fences per read-side section (cmm_smp_mb: mfence in 0.13).
// Include only from this backend's own translation unit.
#pragma once

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE  // inline liburcu's read-side fast paths
#endif
#include <urcu/urcu-mb.h>
// liburcu's publication macros would shadow rculab::rcu_dereference & co.
#undef rcu_dereference
#undef rcu_assign_pointer

#include "impls/urcu/urcu_reference.h"
#include "impls/urcu/urcu_head_cast.h"

namespace rculab {

struct urcu_mb_flavor {
  static constexpr bool kNeedsQuiescentStates = false;
  static constexpr const char* kDetail = "mb flavor, _LGPL_SOURCE inlined";
  static void register_thread() { urcu_mb_register_thread(); }
  static void unregister_thread() { urcu_mb_unregister_thread(); }
  static void read_lock() noexcept { urcu_mb_read_lock(); }
  static void read_unlock() noexcept { urcu_mb_read_unlock(); }
  static void quiescent_state() noexcept {}
  static void thread_offline() noexcept {}
  static void thread_online() noexcept {}
  static void synchronize_rcu() { urcu_mb_synchronize_rcu(); }
  static void call_rcu(rcu_head* h, void (*f)(rcu_head*)) { urcu_mb_call_rcu(to_urcu(h), to_urcu(f)); }
  static void rcu_barrier() { urcu_mb_barrier(); }
  static pthread_t call_rcu_thread() {
    return urcu_mb_get_call_rcu_thread(urcu_mb_get_default_call_rcu_data());
  }
  // The phase counter flips: grace periods cannot be counted from outside.
  static std::optional<uint64_t> grace_periods() { return std::nullopt; }
};

struct urcu_mb_backend : urcu_reference<urcu_mb_flavor> {
  static constexpr const char kName[] = "urcu-mb";
};

}  // namespace rculab
