#include "impls/core/call_rcu_engine.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "impls/core/futex.h"

namespace rculab {

struct call_rcu_engine::barrier_marker {
  rcu_head head;  // first member: the callback gets &head == this
  call_rcu_engine* engine;
  std::atomic<int32_t> done{0};
};

void call_rcu_engine::push(rcu_head* head) noexcept {
  rcu_head* top = stack_.load(std::memory_order_relaxed);
  do {
    head->next = top;
    // seq_cst: pairs with the worker's seq_cst store of worker_parked_ then
    // load of stack_ (Dekker): either it sees this node or we see it parked.
  } while (!stack_.compare_exchange_weak(top, head, std::memory_order_seq_cst,
                                         std::memory_order_relaxed));
  if (worker_parked_.load(std::memory_order_seq_cst)) {
    wake_seq_.fetch_add(1, std::memory_order_release);
    futex_wake_all(wake_seq_);
  }
}

void call_rcu_engine::call(rcu_head* head, void (*func)(rcu_head*)) {
  start_worker_once();
  head->func = func;
  queued_.fetch_add(1, std::memory_order_relaxed);
  push(head);
}

void call_rcu_engine::barrier_reached(rcu_head* head) {
  auto* marker = reinterpret_cast<barrier_marker*>(head);
  call_rcu_engine* engine = marker->engine;
  // Release: the waiter's acquire load sees every callback before the marker.
  marker->done.store(1, std::memory_order_release);
  // The marker may be gone from here on (its waiter can return): touch only the engine.
  engine->barrier_seq_.fetch_add(1, std::memory_order_release);
  futex_wake_all(engine->barrier_seq_);
}

void call_rcu_engine::barrier() {
  start_worker_once();
  barrier_marker marker{{nullptr, &barrier_reached}, this};
  push(&marker.head);
  for (;;) {
    const int32_t seq = barrier_seq_.load(std::memory_order_acquire);
    if (marker.done.load(std::memory_order_acquire)) return;
    futex_wait(barrier_seq_, seq);
  }
}

std::optional<helper_thread> call_rcu_engine::worker() const {
  const pid_t tid = worker_tid_.load(std::memory_order_acquire);
  if (tid == 0) return std::nullopt;
  return helper_thread{"call_rcu_worker", worker_, tid};
}

void call_rcu_engine::start_worker_once() {
  std::call_once(started_, [this] {
    if (int err = pthread_create(&worker_, nullptr, &worker_main, this)) {
      std::fprintf(stderr, "rculab: cannot start call_rcu worker: %s\n", std::strerror(err));
      std::abort();
    }
    // Publish the tid before the first call returns, so the harness can pin it.
    while (worker_tid_.load(std::memory_order_acquire) == 0) sched_yield();
  });
}

void* call_rcu_engine::worker_main(void* self) {
  auto* engine = static_cast<call_rcu_engine*>(self);
  const std::string thread_name = std::string("rcu-cb:") + engine->name_;
  pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());
  engine->worker_tid_.store(static_cast<pid_t>(syscall(SYS_gettid)), std::memory_order_release);
  engine->worker_loop();
  return nullptr;
}

void call_rcu_engine::park_until_work() noexcept {
  const int32_t seq = wake_seq_.load(std::memory_order_acquire);
  // seq_cst store then load: the other half of the Dekker pair in push().
  worker_parked_.store(1, std::memory_order_seq_cst);
  if (stack_.load(std::memory_order_seq_cst) == nullptr) futex_wait(wake_seq_, seq);
  worker_parked_.store(0, std::memory_order_relaxed);
}

void call_rcu_engine::worker_loop() {
  for (;;) {
    // Acquire: pairs with the pushers' CAS, so callback fields are visible.
    rcu_head* batch = stack_.exchange(nullptr, std::memory_order_acquire);
    if (batch == nullptr) {
      park_until_work();
      continue;
    }
    run_batch(batch);
  }
}

void call_rcu_engine::run_batch(rcu_head* newest_first) {
  rcu_head* oldest_first = nullptr;
  while (newest_first) {
    rcu_head* next = newest_first->next;
    newest_first->next = oldest_first;
    oldest_first = newest_first;
    newest_first = next;
  }
  synchronize_();
  // The backlog is largest right now: this batch is due and more has arrived.
  const uint64_t pending = queued() - invoked();
  if (pending > pending_peak()) pending_peak_.store(pending, std::memory_order_relaxed);

  uint64_t counted = 0;
  while (oldest_first) {
    rcu_head* next = oldest_first->next;  // the callback may free the node
    if (oldest_first->func != &barrier_reached) ++counted;
    oldest_first->func(oldest_first);
    oldest_first = next;
  }
  invoked_.fetch_add(counted, std::memory_order_relaxed);
}

}  // namespace rculab
