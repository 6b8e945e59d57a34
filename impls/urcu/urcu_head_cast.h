// rculab::rcu_head is laid out like liburcu's struct rcu_head (a next
// pointer, then the callback), so our heads and callbacks pass through
// liburcu's call_rcu unchanged. The asserts keep that true.
#pragma once

#include <cstddef>

#include "impls/core/backend.h"

namespace rculab {

static_assert(sizeof(rcu_head) == sizeof(::rcu_head));
static_assert(alignof(rcu_head) == alignof(::rcu_head));
static_assert(offsetof(rcu_head, func) == offsetof(::rcu_head, func));

inline ::rcu_head* to_urcu(rcu_head* h) noexcept { return reinterpret_cast<::rcu_head*>(h); }

using urcu_callback = void (*)(::rcu_head*);
inline urcu_callback to_urcu(void (*f)(rcu_head*)) noexcept {
  return reinterpret_cast<urcu_callback>(f);
}

}  // namespace rculab
