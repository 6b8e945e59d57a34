#include "tests/cpp/alloc_fault.h"

#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <cstdlib>
#include <cstring>
#include <new>

namespace {

// Per thread: allocations left before the failure (0: none planned), and
// whether it fired while the scope is open (then deletes poison and keep).
thread_local int allocations_left = 0;
thread_local bool fault_fired = false;
thread_local bool scope_open = false;

void* allocate(std::size_t n) {
  if (allocations_left > 0 && --allocations_left == 0) {
    fault_fired = true;
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  if (scope_open && fault_fired) {
    std::memset(p, 0xA5, malloc_usable_size(p));  // kept: a late reader finds garbage
#if defined(__SANITIZE_ADDRESS__)
    __lsan_ignore_object(p);  // kept on purpose, not a leak
#endif
    return;
  }
  std::free(p);
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }

namespace rculab::test {

alloc_fault_scope::alloc_fault_scope(int fail_at_nth_allocation) {
  allocations_left = fail_at_nth_allocation;
  fault_fired = false;
  scope_open = true;
}

alloc_fault_scope::~alloc_fault_scope() {
  allocations_left = 0;
  scope_open = false;
}

bool alloc_fault_scope::fired() const { return fault_fired; }

}  // namespace rculab::test
