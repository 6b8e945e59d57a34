// Test-only allocation failure: the n-th operator new of this thread, from
// the scope's start, throws std::bad_alloc. While the scope lives, what this
// thread deletes after that throw is poisoned (0xA5) and kept, not freed: a
// pointer into it that someone still follows (a queued node freed by
// unwinding) then crashes in every build, not only under ASan.
// The whole test binary gets these operator new/delete (alloc_fault.cpp).
#pragma once

namespace rculab::test {

class alloc_fault_scope {
 public:
  explicit alloc_fault_scope(int fail_at_nth_allocation);
  ~alloc_fault_scope();
  alloc_fault_scope(const alloc_fault_scope&) = delete;
  alloc_fault_scope& operator=(const alloc_fault_scope&) = delete;
  // The injected bad_alloc was thrown.
  bool fired() const;
};

}  // namespace rculab::test
