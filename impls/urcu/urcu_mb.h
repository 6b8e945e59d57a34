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
RCULAB_URCU_FLIPPING_FLAVOR(urcu_mb, "urcu-mb", "mb flavor, _LGPL_SOURCE inlined")
}  // namespace rculab
