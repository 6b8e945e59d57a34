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

struct urcu_mb_flavor : urcu_no_quiescent_states {
  static constexpr const char* kDetail = "mb flavor, _LGPL_SOURCE inlined";
  RCULAB_URCU_COMMON_OPS(urcu_mb)
  static void register_thread() { urcu_mb_register_thread(); }
  static void unregister_thread() { urcu_mb_unregister_thread(); }
  // The phase counter flips: grace periods cannot be counted from outside.
  static std::optional<uint64_t> grace_periods() { return std::nullopt; }
};

struct urcu_mb_backend : urcu_reference<urcu_mb_flavor> {
  static constexpr const char kName[] = "urcu-mb";
};

}  // namespace rculab
