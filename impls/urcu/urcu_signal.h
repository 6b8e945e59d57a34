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

#define RCULAB_URCU_FLAVOR_HEADER <urcu/urcu-signal.h>
#include "impls/urcu/urcu_flavor_include.h"
#include "impls/urcu/urcu_signal_handler.h"

namespace rculab {
RCULAB_URCU_FLIPPING_FLAVOR(
    urcu_signal, "urcu-signal",
    "signal flavor (SIGUSR1, handler installed at load by liburcu), _LGPL_SOURCE inlined",
    static std::string unavailable_reason() { return urcu_signal_handler_problem(); })
}  // namespace rculab
