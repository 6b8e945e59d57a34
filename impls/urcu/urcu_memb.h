// urcu-memb: liburcu's memb flavor as a reference backend (see urcu_reference.h).
// Compiler barriers on the read side; sys_membarrier on the update side.
// Include only from this backend's own translation unit.
#pragma once

#define RCULAB_URCU_FLAVOR_HEADER <urcu/urcu-memb.h>
#include "impls/urcu/urcu_flavor_include.h"

namespace rculab {
RCULAB_URCU_FLIPPING_FLAVOR(urcu_memb, "urcu-memb", "memb flavor, _LGPL_SOURCE inlined")
}  // namespace rculab
