// urcu-signal: liburcu's signal flavor as a reference backend (see urcu_reference.h).
// Compiler barriers on the read side; the updater signals readers (SIGUSR1) and polls.
//
// liburcu-signal installs its SIGUSR1 handler from a library constructor, so
// every lab binary has it at load, whether urcu-signal is used or not. A
// program that installs its own SIGUSR1 handler breaks urcu-signal's grace
// periods (readers never acknowledge): the backend then reports itself
// unavailable with that reason. Our `signal` backend uses another signal.
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
#include "impls/urcu/urcu_signal_handler.h"

namespace rculab {
RCULAB_URCU_FLIPPING_FLAVOR(
    urcu_signal, "urcu-signal",
    "signal flavor (SIGUSR1, handler installed at load by liburcu), _LGPL_SOURCE inlined",
    static std::string unavailable_reason() { return urcu_signal_handler_problem(); })
}  // namespace rculab
