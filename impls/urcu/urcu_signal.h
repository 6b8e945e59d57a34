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

struct urcu_signal_flavor : urcu_no_quiescent_states {
  static constexpr const char* kDetail = "signal flavor, _LGPL_SOURCE inlined";
  RCULAB_URCU_COMMON_OPS(urcu_signal)
  static void register_thread() { urcu_signal_register_thread(); }
  static void unregister_thread() { urcu_signal_unregister_thread(); }
  // The phase counter flips: grace periods cannot be counted from outside.
  static std::optional<uint64_t> grace_periods() { return std::nullopt; }
};

struct urcu_signal_backend : urcu_reference<urcu_signal_flavor> {
  static constexpr const char kName[] = "urcu-signal";
};

}  // namespace rculab
