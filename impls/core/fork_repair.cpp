#include "impls/core/fork_repair.h"

#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace rculab {
namespace {

struct repair_entry {
  void (*repair)(void*);
  void* object;
};

// A fixed table: the child handler must not allocate (the parent's other
// threads may have held the allocator's locks). A few entries per backend.
constexpr int kMaxRepairs = 64;
repair_entry repairs[kMaxRepairs];
// Entries [0, count) are complete: count is published with release after
// the entry is written, and read with acquire by the handler.
std::atomic<int> repair_count{0};
std::mutex registration_mu;

void run_repairs_in_child() {
  new (&registration_mu) std::mutex;  // a parent thread may have held it
  const int n = repair_count.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) repairs[i].repair(repairs[i].object);
}

}  // namespace

void repair_after_fork(void (*repair)(void*), void* object) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    if (int err = pthread_atfork(nullptr, nullptr, &run_repairs_in_child)) {
      std::fprintf(stderr, "rculab: pthread_atfork: %s\n", std::strerror(err));
      std::abort();
    }
  });
  std::lock_guard lock(registration_mu);
  const int n = repair_count.load(std::memory_order_relaxed);
  if (n == kMaxRepairs) {
    std::fprintf(stderr, "rculab: more than %d fork repairs registered\n", kMaxRepairs);
    std::abort();
  }
  repairs[n] = {repair, object};
  repair_count.store(n + 1, std::memory_order_release);
}

}  // namespace rculab
