// Includes the liburcu flavor header RCULAB_URCU_FLAVOR_HEADER names (e.g.
// <urcu/urcu-mb.h>) the way every reference backend needs it: with
// _LGPL_SOURCE, so liburcu's read-side fast paths inline into the measured
// loops, and without liburcu's publication macros, which would shadow
// rculab::rcu_dereference & co. No include guard: a backend's unit includes
// it once, for its one flavor (flavor headers never meet in one unit).
#ifndef RCULAB_URCU_FLAVOR_HEADER
#error "define RCULAB_URCU_FLAVOR_HEADER before including urcu_flavor_include.h"
#endif

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include RCULAB_URCU_FLAVOR_HEADER
#undef rcu_dereference
#undef rcu_assign_pointer

#include "impls/urcu/urcu_reference.h"
#include "impls/urcu/urcu_head_cast.h"
