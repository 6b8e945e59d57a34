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
RCULAB_URCU_FLIPPING_FLAVOR(urcu_memb, "urcu-memb", "memb flavor, _LGPL_SOURCE inlined")
}  // namespace rculab
