// urcu-bp: liburcu's bp flavor as a reference backend (see urcu_reference.h).
// Bulletproof: readers register lazily on first read_lock, no unregister needed.
// Include only from this backend's own translation unit.
#pragma once

#define RCULAB_URCU_FLAVOR_HEADER <urcu/urcu-bp.h>
#include "impls/urcu/urcu_flavor_include.h"

namespace rculab {

struct urcu_bp_flavor : urcu_no_quiescent_states {
  static constexpr const char* kDetail = "bp flavor, _LGPL_SOURCE inlined";
  RCULAB_URCU_COMMON_OPS(urcu_bp)
  static void register_thread() { urcu_bp_register_thread(); }
  static void unregister_thread() {}  // liburcu-bp cleans up at thread exit
  static std::optional<uint64_t> grace_periods() { return std::nullopt; }
  // bp's own part of the fork protocol: locks out grace periods and
  // registration across fork(), prunes the parent's readers in the child.
  static void readers_before_fork() { urcu_bp_before_fork(); }
  static void readers_after_fork_parent() { urcu_bp_after_fork_parent(); }
  static void readers_after_fork_child() { urcu_bp_after_fork_child(); }
};

struct urcu_bp_backend : urcu_reference<urcu_bp_flavor> {
  static constexpr const char kName[] = "urcu-bp";
};

}  // namespace rculab
