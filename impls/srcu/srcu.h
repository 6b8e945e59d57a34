// srcu_domain: a sleepable-RCU-style domain (perfbook's user-space SRCU,
// defer/srcu.{h,c}, and Linux's srcu_struct), an *object* with its own
// readers, grace periods and callbacks. Readers of one domain hold up only
// that domain's grace periods: a reader that stays in a section for
// milliseconds (a long traversal) delays nobody who synchronizes on another
// domain or on the process-wide backends. Use: one srcu_domain per subsystem
// whose readers may be long; readers register a srcu_domain::reader handle
// (per thread), take `unsigned idx = r.lock()` and give it back to
// `r.unlock(idx)`; updaters call synchronize(), call() and barrier().
//
// Algorithm (Linux's classic SRCU on per-thread counters):
//   completed_   a grace-period counter; its low bit is the index new
//                readers count themselves in;
//   reader slot  per registered thread, count[2]: sections open on index 0/1
//                (nesting adds up; only the owner thread writes its slot).
//   lock():   idx = completed_ & 1; count[idx] += 1; full fence (B); return idx
//   unlock(): count[idx] -= 1 with release (C)
//   synchronize(), under gp_mutex_:
//     full fence (A); drain(idx ^ 1); completed_ += 1 (the flip); drain(idx);
//     full fence (D)           where idx = completed_ & 1 before the flip,
//   drain(i) = scan every slot until sum(count[i]) == 0 (acquire loads).
// Why it is safe: a reader either has its increment seen by the scan of its
// index (then the drain waits for its unlock, and C->acquire orders its whole
// section before our return), or the scan missed it; then fence A (after the
// caller's removal, before both scans) and fence B (after the increment,
// before the section's loads) form a store-buffering pair, so the reader's
// loads see the removal and cannot reach the removed object. Both indices are
// scanned after A, so this holds for a reader that loaded a stale index too.
// Why it ends: after the flip new readers count on the other index; only a
// thread that loaded completed_ before the flip can still add to the drained
// index, once, and its section is finite. drain(idx ^ 1) first catches the
// stragglers of the previous flip, so the second drain waits for one
// generation of readers only.
// Barriers and what they pair with:
//   A (synchronize, before the scans)  pairs with B (store-buffering);
//   B (lock, after the counter store)  pairs with A;
//   C (unlock's release store)         pairs with the scan's acquire load:
//                                      the section happens before the free;
//   completed_ flip: release store, read by lock() with acquire: a reader that
//                    counts on the new index sees every store before the flip;
//   D (synchronize, after the scans)   orders the scans before the caller's
//                                      free (the acquire loads already do;
//                                      kept for the fence-based argument).
// call()/barrier(): a worker thread per domain takes the whole queue (one
// batch), runs one synchronize() for it and invokes it in order; barrier()
// queues a marker and waits for it (batches run in order). The destructor
// runs barrier() and joins the worker: no callback outlives its domain.
//
// fork(): the child gets one thread, and a copy of every domain in the state
// the parent's other threads left it: mutexes they held, their reader slots
// (one may be inside a section: the child's grace periods would wait for it
// forever), a worker thread that is gone. Each live domain is on a list that
// one fork repair walks in the child (fork_repair.h): fresh mutexes and
// condition variables, only the forking thread's slots kept, parent
// barriers' markers dropped (their waiters are not here), and the worker
// restarted by the first call() or barrier() that needs it. Callbacks of a
// batch the parent's worker had taken are not run (they stay pending).
//
// A domain constructed with srcu_options{.wait_for_readers = false} is broken on
// purpose (synchronize does not drain): the self-tests show that the torture
// check and the long_reader workload see it.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <pthread.h>

#include "impls/core/backend.h"
#include "impls/core/barrier.h"
#include "impls/core/fork_repair.h"
#include "impls/core/wait.h"

namespace rculab {

struct srcu_options {
  bool wait_for_readers = true;  // false: a broken domain, for self-tests only
};

class srcu_domain {
  struct slot;  // a reader's counters, below

 public:
  using options = srcu_options;

  struct counters {
    uint64_t synchronize_calls = 0;
    uint64_t grace_periods = 0;  // flips
    uint64_t callbacks_queued = 0;
    uint64_t callbacks_invoked = 0;
    uint64_t callbacks_pending_peak = 0;
  };

  explicit srcu_domain(options o = {}) : options_(o), worker_([this] { worker_loop(); }) { live_domains::add(this); }

  ~srcu_domain() {
    barrier();
    {
      std::lock_guard lock(queue_mutex_);
      stop_ = true;
    }
    queue_cv_.notify_all();
    worker_.join();
    live_domains::remove(this);
    if (kChecks && !slots_.empty()) misuse("srcu", "domain destroyed with registered readers");
  }
  srcu_domain(const srcu_domain&) = delete;
  srcu_domain& operator=(const srcu_domain&) = delete;

  // A thread's registration with the domain, for the handle's lifetime.
  // lock()/unlock() only from the thread that made it.
  class reader {
   public:
    explicit reader(srcu_domain& d) : domain_(d), slot_(d.add_slot()) {}
    ~reader() { domain_.remove_slot(slot_); }
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;

    unsigned lock() noexcept {
      // Acquire pairs with the flip's release: counting on the new index
      // implies seeing every store the flipping updater made before it.
      const unsigned idx = unsigned(domain_.completed_.value.load(std::memory_order_acquire) & 1);
      std::atomic<uint64_t>& c = slot_->count[idx];
      c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // owner-only writer
      full_fence();  // B: pairs with A (store-buffering), see the header comment
      return idx;
    }
    void unlock(unsigned idx) noexcept {
      std::atomic<uint64_t>& c = slot_->count[idx];
      const uint64_t n = c.load(std::memory_order_relaxed);
      if (kChecks && n == 0) misuse("srcu", "unlock without a matching lock");
      // C: release pairs with drain()'s acquire load: the section's accesses
      // happen before the updater that sees this decrement frees anything.
      c.store(n - 1, std::memory_order_release);
    }

   private:
    srcu_domain& domain_;
    slot* slot_;
  };

  // Waits until every section of this domain open at the call has closed.
  void synchronize() {
    synchronize_calls_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard gp(gp_mutex_);
    full_fence();  // A: pairs with B; orders the caller's removal before both scans
    const uint64_t c = completed_.value.load(std::memory_order_relaxed);  // only we write it
    const unsigned idx = unsigned(c & 1);
    drain(idx ^ 1);  // stragglers of the previous flip
    // Release pairs with lock()'s acquire of completed_.
    completed_.value.store(c + 1, std::memory_order_release);
    grace_periods_.fetch_add(1, std::memory_order_relaxed);
    full_fence();  // orders the flip before the scan (so new readers leave idx alone)
    drain(idx);
    full_fence();  // D: the scans before the caller's free
  }

  // Runs func(head) on the domain's worker after a grace period of this domain.
  void call(rcu_head* head, void (*func)(rcu_head*)) {
    head->func = func;
    head->next = nullptr;
    {
      std::lock_guard lock(queue_mutex_);
      start_worker_if_gone_locked();
      queue_.push_back(head);
      ++queued_;
      callbacks_pending_peak_ = std::max(callbacks_pending_peak_, queued_ - invoked_);
    }
    queue_cv_.notify_one();
  }

  // Waits until every callback queued before it has run.
  void barrier() {
    barrier_marker m;
    m.domain = this;
    m.head.func = &barrier_reached;
    m.head.next = nullptr;
    {
      std::lock_guard lock(queue_mutex_);
      start_worker_if_gone_locked();
      queue_.push_back(&m.head);
    }
    queue_cv_.notify_one();
    std::unique_lock lock(queue_mutex_);
    barrier_cv_.wait(lock, [&] { return m.reached; });
  }

  counters stats() const {
    counters s;
    s.synchronize_calls = synchronize_calls_.load(std::memory_order_relaxed);
    s.grace_periods = grace_periods_.load(std::memory_order_relaxed);
    std::lock_guard lock(queue_mutex_);
    s.callbacks_queued = queued_;
    s.callbacks_invoked = invoked_;
    s.callbacks_pending_peak = callbacks_pending_peak_;
    return s;
  }
  // Queued and not yet invoked.
  uint64_t pending() const {
    std::lock_guard lock(queue_mutex_);
    return queued_ - invoked_;
  }

 private:
  struct barrier_marker {
    rcu_head head;  // first member: the callback casts back
    srcu_domain* domain;
    bool reached = false;
  };
  static void barrier_reached(rcu_head* h) {
    barrier_marker* m = reinterpret_cast<barrier_marker*>(h);
    std::lock_guard lock(m->domain->queue_mutex_);
    m->reached = true;
    m->domain->barrier_cv_.notify_all();
  }

  struct alignas(kCacheLine) slot {
    std::atomic<uint64_t> count[2] = {0, 0};
    pthread_t owner = pthread_self();  // fork: only the forking thread's slots stay
  };

  slot* add_slot() {
    std::lock_guard lock(registry_mutex_);
    slots_.push_back(new slot);
    return slots_.back();
  }

  // ---- fork --------------------------------------------------------------
  // Every live domain, for the repair in the child. Immortal list head and
  // mutex (the repair is never removed); a domain unlinks itself when it dies.
  struct live_domains {
    static std::mutex& mutex() {
      static std::mutex* mu = new std::mutex;
      return *mu;
    }
    static std::vector<srcu_domain*>& list() {
      static auto* domains = [] {
        auto* created = new std::vector<srcu_domain*>;
        repair_after_fork(&repair_all_in_child, nullptr);
        return created;
      }();
      return *domains;
    }
    static void add(srcu_domain* d) {
      std::vector<srcu_domain*>& domains = list();  // registers the repair before the first lock
      std::lock_guard lock(mutex());
      domains.push_back(d);
    }
    static void remove(srcu_domain* d) {
      std::lock_guard lock(mutex());
      std::vector<srcu_domain*>& domains = list();
      domains.erase(std::find(domains.begin(), domains.end(), d));
    }
    static void repair_all_in_child(void*) noexcept {
      new (&mutex()) std::mutex;  // a parent thread may have held it
      for (srcu_domain* d : list()) d->repair_in_child();
    }
  };

  // In the child of fork(): only this thread runs. No allocation (a parent
  // thread may have held the allocator's locks): slots of parent threads
  // are unlinked and leaked, not freed.
  void repair_in_child() noexcept {
    new (&gp_mutex_) std::mutex;
    new (&registry_mutex_) std::mutex;
    new (&queue_mutex_) std::mutex;
    new (&queue_cv_) std::condition_variable;
    new (&barrier_cv_) std::condition_variable;
    const pthread_t me = pthread_self();
    std::erase_if(slots_, [me](const slot* s) { return !pthread_equal(s->owner, me); });
    std::erase_if(queue_, [](const rcu_head* h) { return h->func == &barrier_reached; });
    // The worker is gone: forget its handle without joining (a std::thread
    // destroyed joinable terminates), and start a new one on first need.
    new (&worker_) std::thread;
    worker_gone_ = true;
  }

  // Called with queue_mutex_ held.
  void start_worker_if_gone_locked() {
    if (!worker_gone_) return;
    worker_ = std::thread([this] { worker_loop(); });
    worker_gone_ = false;
  }
  void remove_slot(slot* s) {
    if (kChecks && (s->count[0].load() || s->count[1].load()))
      misuse("srcu", "reader unregistered inside a section");
    std::lock_guard lock(registry_mutex_);
    slots_.erase(std::find(slots_.begin(), slots_.end(), s));
    delete s;
  }

  void drain(unsigned idx) {
    if (!options_.wait_for_readers) return;  // the broken domain of the self-tests
    backoff_waiter waiter;
    for (;;) {
      uint64_t open = 0;
      {
        std::lock_guard lock(registry_mutex_);
        // Acquire pairs with unlock()'s release (C).
        for (const slot* s : slots_) open += s->count[idx].load(std::memory_order_acquire);
      }
      if (open == 0) return;
      waiter.wait();
    }
  }

  void worker_loop() {
    std::vector<rcu_head*> batch, markers;
    for (;;) {
      {
        std::unique_lock lock(queue_mutex_);
        queue_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stop_ and nothing left
        batch.swap(queue_);
      }
      synchronize();
      // Real callbacks first, then the count, then the barrier markers: a
      // barrier() that returns sees every callback queued before it both run
      // and counted. (A marker still runs after every callback queued before
      // it; ones queued after it in the same batch may run first.)
      uint64_t n = 0;
      markers.clear();
      for (rcu_head* h : batch) {
        if (h->func == &barrier_reached) {
          markers.push_back(h);
        } else {
          h->func(h);
          ++n;
        }
      }
      {
        std::lock_guard lock(queue_mutex_);
        invoked_ += n;
      }
      for (rcu_head* m : markers) barrier_reached(m);  // ends its barrier(): last use of m
      batch.clear();
    }
  }

  const options options_;
  cacheline_atomic<uint64_t> completed_{0};  // every reader loads it: its own line
  std::mutex gp_mutex_;                       // one grace period at a time
  std::mutex registry_mutex_;
  std::vector<slot*> slots_;
  std::atomic<uint64_t> synchronize_calls_{0};
  std::atomic<uint64_t> grace_periods_{0};

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_cv_, barrier_cv_;
  std::vector<rcu_head*> queue_;
  uint64_t queued_ = 0, invoked_ = 0, callbacks_pending_peak_ = 0;
  bool stop_ = false;
  bool worker_gone_ = false;  // in a fork child, until a call() or barrier() restarts it
  std::thread worker_;        // last: started once everything above exists
};

}  // namespace rculab
