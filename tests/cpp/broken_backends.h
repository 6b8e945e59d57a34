// Backends broken on purpose, shared by the self-tests: a check that passes
// on one of these proves nothing about the real backends.
#pragma once

#include "impls/core/backend.h"
#include "impls/mb/mb.h"

namespace rculab::test {

// No grace period at all: synchronize returns at once, callbacks run at once.
// mb's read side is left intact, so readers still register and run sections.
struct broken : rculab::mb {
  static constexpr const char kName[] = "broken";
  static void synchronize() {}
  static void call(rcu_head* h, void (*f)(rcu_head*)) { f(h); }
  static void barrier() {}
};
static_assert(Backend<broken>);

}  // namespace rculab::test
