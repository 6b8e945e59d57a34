#include "impls/core/call_rcu_engine.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>

#include "impls/core/futex.h"
#include "impls/core/wait.h"

namespace rculab {

// Queued and not yet invoked, from counts read invoked first (so queued is
// not the smaller one); clamped all the same: a wrapped 2^64 would be
// reported as a backlog.
static uint64_t backlog_of(uint64_t queued, uint64_t invoked) noexcept {
  return queued > invoked ? queued - invoked : 0;
}

// One queue and the worker that drains it.
struct call_rcu_engine::shard {
  shard(call_rcu_engine& e, unsigned i) noexcept : engine(e), index(i) {}

  void push(rcu_head* node) noexcept;
  // Detaches every node pushed so far: [first, last], or nullptr if none.
  rcu_head* take_all(rcu_head*& last) noexcept;
  void start_worker();
  // Fork child (restart_after_fork): parent producers' unlinked nodes and
  // parent barriers' markers leave the queue; the worker is gone (the next
  // push() starts a fresh one, restart_worker), unless the forking thread is
  // this shard's worker itself (fork() inside a callback): it stays the one
  // consumer.
  void repair_after_fork() noexcept;
  void forget_worker_after_fork() noexcept;
  void adopt_forking_worker_after_fork() noexcept;
  void drop_parent_nodes_after_fork() noexcept;
  void restart_worker();
  static void* worker_main(void* self);
  void worker_loop();
  void park_until_work() noexcept;
  void run_batch(rcu_head* first, rcu_head* last);
  uint64_t backlog() const noexcept {
    // Invoked first (acquire, pairs with the worker's release add): every
    // callback counted there was counted queued before it was pushed, so
    // the later load of queued is not smaller.
    const uint64_t done = invoked.load(std::memory_order_acquire);
    return backlog_of(queued.load(std::memory_order_relaxed), done);
  }

  call_rcu_engine& engine;
  const unsigned index;

  // The queue: head is a stub node owned by the worker; producers exchange
  // tail and then link the node behind the previous tail. Written by every
  // producer of this shard: kept together on one line, apart from the
  // worker's fields.
  alignas(kCacheLine) std::atomic<rcu_head*> tail{&head};
  std::atomic<uint64_t> queued{0};
  alignas(kCacheLine) rcu_head head;

  alignas(kCacheLine) std::atomic<uint64_t> invoked{0};
  std::atomic<int32_t> worker_parked{0};
  std::atomic<int32_t> worker_gone{0};  // 1 in a fork child until a push restarts it
  std::atomic<int32_t> wake_seq{0};     // futex the worker parks on
  pthread_t worker{};
  std::atomic<pid_t> worker_tid{0};
};

struct call_rcu_engine::barrier_marker {
  rcu_head head;  // first member: the callback gets &head == this
  call_rcu_engine* engine = nullptr;
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

unsigned allowed_cpus() noexcept {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

// Threads take turns for shards: the n-th thread that ever calls call()
// (on any engine) gets ticket n, and shard n mod shards of every engine.
std::atomic<unsigned> next_ticket{0};

unsigned my_ticket() noexcept {
  thread_local const unsigned ticket = next_ticket.fetch_add(1, std::memory_order_relaxed);
  return ticket;
}

// The engine whose callbacks this thread is invoking right now (a worker
// inside run_batch), and the shard whose worker this thread is: barrier()
// from a callback would wait for its own queue, and fork() from one must
// keep the forking worker as its shard's only consumer.
thread_local const void* invoking_callbacks_of = nullptr;
thread_local const void* worker_of_shard = nullptr;

}  // namespace

namespace {
// RCULAB_CALL_RCU_WORKERS as a number, 0 if unset, nullopt if malformed.
std::optional<unsigned> workers_from_env() {
  const char* text = std::getenv("RCULAB_CALL_RCU_WORKERS");
  if (text == nullptr || *text == '\0') return 0u;
  char* end = nullptr;
  errno = 0;
  const unsigned long n = std::strtoul(text, &end, 10);
  if (errno != 0 || *end != '\0' || text[0] < '0' || text[0] > '9' || n < 1 || n > kMaxShards)
    return std::nullopt;
  return static_cast<unsigned>(n);
}
}  // namespace

std::string call_rcu_workers_env_error() {
  if (workers_from_env()) return {};
  return std::string("RCULAB_CALL_RCU_WORKERS=") + std::getenv("RCULAB_CALL_RCU_WORKERS") +
         ": expected a number of call_rcu workers per backend, 1.." + std::to_string(kMaxShards);
}

unsigned configured_call_rcu_shards() {
  static const unsigned shards = [] {
    const std::optional<unsigned> n = workers_from_env();
    if (!n) {  // programs check first; this is the last line of defence
      std::fprintf(stderr, "rculab: %s\n", call_rcu_workers_env_error().c_str());
      std::exit(2);
    }
    return *n ? *n : std::min(allowed_cpus(), kDefaultMaxShards);
  }();
  return shards;
}

call_rcu_engine::call_rcu_engine(synchronize_fn synchronize, const char* name, reader_hooks hooks,
                                 unsigned shards)
    : synchronize_(synchronize),
      name_(name),
      hooks_(hooks),
      shard_count_(std::clamp(shards, 1u, kMaxShards)),
      shards_(new std::atomic<shard*>[shard_count_]) {
  for (unsigned i = 0; i < shard_count_; ++i) shards_[i].store(nullptr, std::memory_order_relaxed);
}

// ---- producers ----------------------------------------------------------------

void call_rcu_engine::shard::push(rcu_head* node) noexcept {
  next_of(node).store(nullptr, std::memory_order_relaxed);
  // seq_cst: orders this exchange before the load of worker_parked below
  // (Dekker with the worker's seq_cst store of worker_parked then load of
  // tail in park_until_work): either it sees this node or we see it parked.
  // Acquire/release also carries the previous tail's ownership between producers.
  rcu_head* prev = tail.exchange(node, std::memory_order_seq_cst);
  // Release: the worker's acquire in wait_next() sees the node's fields.
  next_of(prev).store(node, std::memory_order_release);
  if (worker_parked.load(std::memory_order_seq_cst)) {
    // In a fork child, the first push finds the worker gone (parked, to the
    // fast path) and starts a new one: no cost on the fast path.
    if (worker_gone.load(std::memory_order_acquire)) restart_worker();
    wake_seq.fetch_add(1, std::memory_order_release);
    futex_wake_all(wake_seq);
  }
}

call_rcu_engine::shard& call_rcu_engine::started_shard(unsigned index) {
  // Acquire: pairs with the release store below; the shard is fully built.
  if (shard* s = shards_[index].load(std::memory_order_acquire)) return *s;
  std::lock_guard lock(start_mu_);
  if (shard* s = shards_[index].load(std::memory_order_relaxed)) return *s;
  register_for_exit_report();
  auto* s = new shard(*this, index);  // immortal, as the engine
  s->start_worker();
  shards_[index].store(s, std::memory_order_release);
  return *s;
}

call_rcu_engine::shard& call_rcu_engine::my_shard() {
  return started_shard(my_ticket() % shard_count_);
}

void call_rcu_engine::call(rcu_head* head, void (*func)(rcu_head*)) {
  shard& s = my_shard();
  head->func = func;
  s.queued.fetch_add(1, std::memory_order_relaxed);
  s.push(head);
}

// ---- barrier ------------------------------------------------------------------

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
  if (invoking_callbacks_of == this)
    misuse(name_, "barrier() inside a call_rcu callback (the worker would wait for its own queue)");
  // A callback queued before this call (happens-before) started its shard
  // before queuing, so the acquire loads here see that shard.
  std::vector<shard*> started;
  started.reserve(shard_count_);
  for (unsigned i = 0; i < shard_count_; ++i)
    if (shard* s = shards_[i].load(std::memory_order_acquire)) started.push_back(s);
  // Everything that can throw (these two allocations) before the first
  // marker is queued: a marker queued and then freed by an unwinding
  // barrier() would still be run, after the free, by its worker.
  std::unique_ptr<barrier_marker[]> markers(new barrier_marker[started.size()]);
  for (size_t i = 0; i < started.size(); ++i) {
    markers[i].head.func = &barrier_reached;
    markers[i].engine = this;
    started[i]->push(&markers[i].head);
  }
  for (size_t i = 0; i < started.size(); ++i) {
    for (;;) {
      const int32_t seq = barrier_seq_.load(std::memory_order_acquire);
      // Acquire: pairs with barrier_reached's release; the shard's callbacks before it ran.
      if (markers[i].done.load(std::memory_order_acquire)) break;
      futex_wait(barrier_seq_, seq);
    }
  }
}

// ---- counters -----------------------------------------------------------------

uint64_t call_rcu_engine::queued() const noexcept {
  uint64_t n = 0;
  for (unsigned i = 0; i < shard_count_; ++i)
    if (const shard* s = shards_[i].load(std::memory_order_acquire)) n += s->queued.load(std::memory_order_relaxed);
  return n;
}

// Acquire: pairs with the workers' release adds (see shard::backlog).
uint64_t call_rcu_engine::invoked() const noexcept {
  uint64_t n = 0;
  for (unsigned i = 0; i < shard_count_; ++i)
    if (const shard* s = shards_[i].load(std::memory_order_acquire)) n += s->invoked.load(std::memory_order_acquire);
  return n;
}

uint64_t call_rcu_engine::pending() const noexcept {
  const uint64_t done = invoked();  // first: see shard::backlog
  return backlog_of(queued(), done);
}

std::vector<uint64_t> call_rcu_engine::shard_backlogs() const {
  std::vector<uint64_t> backlogs;
  for (unsigned i = 0; i < shard_count_; ++i)
    if (const shard* s = shards_[i].load(std::memory_order_acquire)) backlogs.push_back(s->backlog());
  return backlogs;
}

void call_rcu_engine::note_backlog() noexcept {
  // Invoked counts lag (added after each batch), so this may overstate by a
  // batch in flight elsewhere: a peak, as before sharding.
  const uint64_t now = pending();
  uint64_t peak = pending_peak_.load(std::memory_order_relaxed);
  while (now > peak && !pending_peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

std::vector<helper_thread> call_rcu_engine::workers() const {
  std::vector<helper_thread> threads;
  for (unsigned i = 0; i < shard_count_; ++i) {
    const shard* s = shards_[i].load(std::memory_order_acquire);
    if (s == nullptr) continue;
    const pid_t tid = s->worker_tid.load(std::memory_order_acquire);
    if (tid != 0) threads.push_back({"call_rcu_worker" + std::to_string(i), s->worker, tid});
  }
  return threads;
}

std::string call_rcu_engine::describe() const {
  return std::to_string(shard_count_) + (shard_count_ == 1 ? " call_rcu worker" : " call_rcu workers");
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

void call_rcu_engine::register_for_exit_report() {
  std::call_once(exit_report_, [this] {
    const int slot = started_count.fetch_add(1, std::memory_order_acq_rel);
    if (slot < kMaxEngines) started_engines[slot].store(this, std::memory_order_release);
    if (slot == 0) std::atexit(&report_all_pending_at_exit);
  });
}

void call_rcu_engine::report_pending_at_exit() const noexcept {
  if (const uint64_t left = pending())
    std::fprintf(stderr, "rculab: %s: %llu call_rcu callback(s) still pending at exit, not run\n",
                 name_, static_cast<unsigned long long>(left));
}

// ---- fork ---------------------------------------------------------------------

void call_rcu_engine::restart_after_fork(void* self) noexcept {
  auto* engine = static_cast<call_rcu_engine*>(self);
  new (&engine->start_mu_) std::mutex;  // a parent thread may have held it
  for (unsigned i = 0; i < engine->shard_count_; ++i)
    if (shard* s = engine->shards_[i].load(std::memory_order_relaxed)) s->repair_after_fork();
}

void call_rcu_engine::shard::repair_after_fork() noexcept {
  if (worker_of_shard == this) adopt_forking_worker_after_fork();
  else forget_worker_after_fork();
}

// fork() from inside one of our callbacks: the forking thread is this
// shard's worker, and it goes on with its batch and its loop in the child.
// It stays the shard's worker (a second one would be a second consumer of a
// single-consumer queue), under its new thread id.
void call_rcu_engine::shard::adopt_forking_worker_after_fork() noexcept {
  worker = pthread_self();
  worker_tid.store(static_cast<pid_t>(syscall(SYS_gettid)), std::memory_order_relaxed);
  worker_gone.store(0, std::memory_order_relaxed);
  worker_parked.store(0, std::memory_order_relaxed);  // it is running: it will look at the queue
  drop_parent_nodes_after_fork();
}

void call_rcu_engine::shard::forget_worker_after_fork() noexcept {
  worker = pthread_t{};
  worker_tid.store(0, std::memory_order_relaxed);
  // "Parked": the next push() takes its wake-up path, which starts a worker.
  worker_gone.store(1, std::memory_order_relaxed);
  worker_parked.store(1, std::memory_order_relaxed);
  drop_parent_nodes_after_fork();
}

void call_rcu_engine::shard::drop_parent_nodes_after_fork() noexcept {
  // Only this thread runs now: plain walks are enough. A producer that had
  // exchanged the tail but not linked its node left a null link short of
  // the tail; the queue ends there. Barrier markers come out: their waiters
  // are parent threads that do not exist here.
  rcu_head* const last = tail.load(std::memory_order_relaxed);
  rcu_head* kept = &head;  // the last node staying in the queue
  for (rcu_head* node = &head; node != last;) {
    rcu_head* next = next_of(node).load(std::memory_order_relaxed);
    if (next == nullptr) break;  // an unwritten link: nothing past it is reachable
    if (next->func != &barrier_reached) {
      next_of(kept).store(next, std::memory_order_relaxed);
      kept = next;
    }
    node = next;
  }
  next_of(kept).store(nullptr, std::memory_order_relaxed);
  tail.store(kept, std::memory_order_relaxed);
}

void call_rcu_engine::shard::restart_worker() {
  std::lock_guard lock(engine.start_mu_);
  if (!worker_gone.load(std::memory_order_relaxed)) return;  // another producer did
  start_worker();
  worker_gone.store(0, std::memory_order_release);
}

// ---- the worker ---------------------------------------------------------------

void call_rcu_engine::shard::start_worker() {
  if (int err = pthread_create(&worker, nullptr, &worker_main, this)) {
    std::fprintf(stderr, "rculab: cannot start call_rcu worker: %s\n", std::strerror(err));
    std::abort();
  }
  // Publish the tid before the first call returns, so the harness can pin it.
  while (worker_tid.load(std::memory_order_acquire) == 0) sched_yield();
}

void* call_rcu_engine::shard::worker_main(void* self) {
  auto* s = static_cast<shard*>(self);
  const std::string thread_name = std::string("rcu-cb:") + s->engine.name_;
  pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());
  // The tid first: the first call() waits for it, and registering may wait
  // for a grace period (the registry's lock) that waits for that very caller
  // (an online QSBR reader): publishing after registering would deadlock.
  s->worker_tid.store(static_cast<pid_t>(syscall(SYS_gettid)), std::memory_order_release);
  worker_of_shard = s;
  const reader_hooks& hooks = s->engine.hooks_;
  if (hooks.register_thread) {
    hooks.register_thread();
    hooks.thread_offline();  // online only while invoking callbacks
  }
  s->worker_loop();
  return nullptr;
}

rcu_head* call_rcu_engine::shard::take_all(rcu_head*& last) noexcept {
  if (tail.load(std::memory_order_acquire) == &head) return nullptr;  // empty
  rcu_head* first = wait_next(&head);
  // Reset the stub before it becomes the tail again: a producer that gets it
  // from the exchange below writes its next only after that (release/acquire
  // through tail), so our store cannot overwrite its link.
  next_of(&head).store(nullptr, std::memory_order_relaxed);
  last = tail.exchange(&head, std::memory_order_acq_rel);
  return first;
}

void call_rcu_engine::shard::park_until_work() noexcept {
  const int32_t seq = wake_seq.load(std::memory_order_acquire);
  // seq_cst store then load: the other half of the Dekker pair in push().
  worker_parked.store(1, std::memory_order_seq_cst);
  if (tail.load(std::memory_order_seq_cst) == &head) futex_wait(wake_seq, seq);
  worker_parked.store(0, std::memory_order_relaxed);
}

void call_rcu_engine::shard::worker_loop() {
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

void call_rcu_engine::shard::run_batch(rcu_head* first, rcu_head* last) {
  engine.synchronize_();  // shared with the other workers' and updaters' (gp_batcher)
  // The backlog is largest right now: this batch is due and more has arrived.
  engine.note_backlog();

  const reader_hooks& hooks = engine.hooks_;
  uint64_t counted = 0;
  if (hooks.thread_online) hooks.thread_online();
  invoking_callbacks_of = &engine;
  for (rcu_head* node = first;;) {
    const bool is_last = node == last;
    // Read the link before the callback frees the node. The last node has no
    // successor here: producers after take_all() link behind the stub.
    rcu_head* next = is_last ? nullptr : wait_next(node);
    if (node->func != &barrier_reached) {
      ++counted;
    } else {
      // Count what ran before the marker first: its barrier() returns as
      // soon as the marker runs, and whoever called it may read the
      // counters (or exit, reporting them) before this batch ends. The
      // marker's release store publishes this add.
      invoked.fetch_add(counted, std::memory_order_release);  // pairs with invoked()'s acquire
      counted = 0;
    }
    node->func(node);
    if (is_last) break;
    node = next;
  }
  invoking_callbacks_of = nullptr;
  if (hooks.thread_offline) hooks.thread_offline();
  invoked.fetch_add(counted, std::memory_order_release);  // pairs with invoked()'s acquire
}

}  // namespace rculab
