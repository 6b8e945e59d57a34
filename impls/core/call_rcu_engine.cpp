#include "impls/core/call_rcu_engine.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "impls/core/futex.h"
#include "impls/core/wait.h"

namespace rculab {

struct call_rcu_engine::barrier_marker {
  rcu_head head;  // first member: the callback gets &head == this
  call_rcu_engine* engine;
  std::atomic<int32_t> done{0};
};

namespace {

// rcu_head::next is a plain pointer (layout-compatible with liburcu); the
// queue hands nodes between threads through it, so access it atomically.
std::atomic_ref<rcu_head*> next_of(rcu_head* node) noexcept { return std::atomic_ref<rcu_head*>(node->next); }

// A producer has exchanged the tail but not linked its node yet: a window of
// a few instructions, so spin first. But the producer may have been
// preempted inside it (more threads than CPUs, or our worker pinned on its
// CPU), and then only its running again helps: sleep, so that it can (a
// plain spin would burn our timeslice, and under SCHED_FIFO on one CPU
// never end).
rcu_head* wait_next(rcu_head* node) noexcept {
  rcu_head* next;
  for (backoff_waiter waiter; (next = next_of(node).load(std::memory_order_acquire)) == nullptr;)
    waiter.wait();
  return next;
}

}  // namespace

void call_rcu_engine::push(rcu_head* head) noexcept {
  next_of(head).store(nullptr, std::memory_order_relaxed);
  // seq_cst: orders this exchange before the load of worker_parked_ below
  // (Dekker with the worker's seq_cst store of worker_parked_ then load of
  // tail_): either it sees this node or we see it parked. Acquire/release
  // also carries the previous tail's ownership between producers.
  rcu_head* prev = tail_.exchange(head, std::memory_order_seq_cst);
  // Release: the worker's acquire in wait_next() sees the node's fields.
  next_of(prev).store(head, std::memory_order_release);
  if (worker_parked_.load(std::memory_order_seq_cst)) {
    wake_seq_.fetch_add(1, std::memory_order_release);
    futex_wake_all(wake_seq_);
  }
}

rcu_head* call_rcu_engine::take_all(rcu_head*& last) noexcept {
  if (tail_.load(std::memory_order_acquire) == &head_) return nullptr;  // empty
  rcu_head* first = wait_next(&head_);
  // Reset the stub before it becomes the tail again: a producer that gets it
  // from the exchange below writes its next only after that (release/acquire
  // through tail_), so our store cannot overwrite its link.
  next_of(&head_).store(nullptr, std::memory_order_relaxed);
  last = tail_.exchange(&head_, std::memory_order_acq_rel);
  return first;
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

namespace {
// Every engine that started a worker, for the report at exit. Engines are
// immortal, so the pointers stay valid.
constexpr int kMaxEngines = 32;
std::atomic<call_rcu_engine*> started_engines[kMaxEngines];
std::atomic<int> started_count{0};

void report_all_pending_at_exit() {
  const int n = std::min(started_count.load(std::memory_order_acquire), kMaxEngines);
  for (int i = 0; i < n; ++i)
    if (call_rcu_engine* e = started_engines[i].load(std::memory_order_acquire))
      e->report_pending_at_exit();
}
}  // namespace

void call_rcu_engine::report_pending_at_exit() const noexcept {
  if (const uint64_t left = pending())
    std::fprintf(stderr, "rculab: %s: %llu call_rcu callback(s) still pending at exit, not run\n",
                 name_, static_cast<unsigned long long>(left));
}

void call_rcu_engine::start_worker_once() {
  std::call_once(started_, [this] {
    const int slot = started_count.fetch_add(1, std::memory_order_acq_rel);
    if (slot < kMaxEngines) started_engines[slot].store(this, std::memory_order_release);
    if (slot == 0) std::atexit(&report_all_pending_at_exit);
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
  // The tid first: the first call() waits for it, and registering may wait
  // for a grace period (the registry's lock) that waits for that very caller
  // (an online QSBR reader): publishing after registering would deadlock.
  engine->worker_tid_.store(static_cast<pid_t>(syscall(SYS_gettid)), std::memory_order_release);
  if (engine->hooks_.register_thread) {
    engine->hooks_.register_thread();
    engine->hooks_.thread_offline();  // online only while invoking callbacks
  }
  engine->worker_loop();
  return nullptr;
}

void call_rcu_engine::park_until_work() noexcept {
  const int32_t seq = wake_seq_.load(std::memory_order_acquire);
  // seq_cst store then load: the other half of the Dekker pair in push().
  worker_parked_.store(1, std::memory_order_seq_cst);
  if (tail_.load(std::memory_order_seq_cst) == &head_) futex_wait(wake_seq_, seq);
  worker_parked_.store(0, std::memory_order_relaxed);
}

void call_rcu_engine::worker_loop() {
  for (;;) {
    rcu_head* last = nullptr;
    rcu_head* first = take_all(last);
    if (first == nullptr) {
      park_until_work();
      continue;
    }
    run_batch(first, last);
  }
}

void call_rcu_engine::run_batch(rcu_head* first, rcu_head* last) {
  synchronize_();
  // The backlog is largest right now: this batch is due and more has arrived.
  const uint64_t pending = queued() - invoked();
  if (pending > pending_peak()) pending_peak_.store(pending, std::memory_order_relaxed);

  uint64_t counted = 0;
  if (hooks_.thread_online) hooks_.thread_online();
  for (rcu_head* node = first;;) {
    const bool is_last = node == last;
    // Read the link before the callback frees the node. The last node has no
    // successor here: producers after take_all() link behind the stub.
    rcu_head* next = is_last ? nullptr : wait_next(node);
    if (node->func != &barrier_reached) ++counted;
    node->func(node);
    if (is_last) break;
    node = next;
  }
  if (hooks_.thread_offline) hooks_.thread_offline();
  invoked_.fetch_add(counted, std::memory_order_relaxed);
}

}  // namespace rculab
