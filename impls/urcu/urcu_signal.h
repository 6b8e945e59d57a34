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
RCULAB_URCU_FLIPPING_FLAVOR(urcu_signal, "urcu-signal", "signal flavor, _LGPL_SOURCE inlined")
}  // namespace rculab
