// urcu-mb: liburcu's mb flavor as a reference backend (see urcu_reference.h).
// Two full fences per read-side section (cmm_smp_mb: mfence in 0.13).
// Include only from this backend's own translation unit.
#pragma once

#define RCULAB_URCU_FLAVOR_HEADER <urcu/urcu-mb.h>
#include "impls/urcu/urcu_flavor_include.h"

namespace rculab {
RCULAB_URCU_FLIPPING_FLAVOR(urcu_mb, "urcu-mb", "mb flavor, _LGPL_SOURCE inlined")
}  // namespace rculab
