#include "tests/cpp/scenarios.h"

#include <algorithm>
#include <sched.h>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace rculab::test {
namespace {

void sleep_until_set(const std::atomic<bool>& flag) {
  while (!flag.load(std::memory_order_acquire)) std::this_thread::sleep_for(1ms);
}

// ---- callbacks ------------------------------------------------------------

struct cb_log {
  std::mutex mu;
  std::vector<unsigned> order;
  std::atomic<unsigned> count{0};
};

struct cb_node {
  rcu_head head;  // first: the callback casts back from &head
  unsigned seq = 0;
  cb_log* log = nullptr;
};
static_assert(std::is_standard_layout_v<cb_node> && offsetof(cb_node, head) == 0);

void record_callback(rcu_head* h) {
  auto* n = reinterpret_cast<cb_node*>(h);
  {
    std::lock_guard lock(n->log->mu);
    n->log->order.push_back(n->seq);
  }
  n->log->count.fetch_add(1, std::memory_order_release);
}

// Queues n callbacks on `log` from the calling (registered) thread, in bursts
// of 64 with a short pause, so that they span several worker batches.
void queue_callbacks(const backend_entry& b, cb_node* nodes, unsigned n, cb_log* log) {
  for (unsigned i = 0; i < n; ++i) {
    nodes[i].seq = i;
    nodes[i].log = log;
    b.call(&nodes[i].head, &record_callback);
    if (i % 64 == 63) {
      b.quiescent_state();
      std::this_thread::sleep_for(200us);
    }
  }
}

// barrier() with the caller offline: a QSBR caller that stays online would
// hold up the very grace period the callbacks wait for (and liburcu-qsbr's
// rcu_barrier refuses to wait when called online: it takes that for a call
// from inside a read-side section).
unsigned barrier_then_count(const backend_entry& b, const cb_log& log) {
  b.thread_offline();
  b.barrier();
  const unsigned seen = log.count.load(std::memory_order_acquire);
  b.thread_online();
  return seen;
}

struct counting_node {
  rcu_head head;
  std::atomic<uint64_t>* counter;
};

void count_and_free(rcu_head* h) {
  auto* n = reinterpret_cast<counting_node*>(h);
  n->counter->fetch_add(1, std::memory_order_relaxed);
  delete n;
}

// Callbacks a broken barrier() did not wait for may still run, so their nodes
// and log must stay valid: they are kept here for the rest of the process,
// reachable (LeakSanitizer does not report them) and never freed.
void keep_forever(cb_log* log, cb_node* nodes) {
  static auto* kept = new std::vector<std::pair<cb_log*, cb_node*>>;
  static std::mutex mu;
  std::lock_guard lock(mu);
  kept->emplace_back(log, nodes);
}

void release_or_keep(bool all_ran, cb_log* log, cb_node* nodes) {
  if (!all_ran) return keep_forever(log, nodes);
  delete[] nodes;
  delete log;
}

std::optional<uint64_t> delta(const std::optional<uint64_t>& after,
                              const std::optional<uint64_t>& before) {
  if (after && before) return *after - *before;
  return std::nullopt;
}

}  // namespace

const char* pose_name(reader_pose p) {
  switch (p) {
    case reader_pose::inside: return "inside a read-side section";
    case reader_pose::nested_inner: return "in the outer section after the inner unlock";
    case reader_pose::outside: return "registered, outside any section";
    case reader_pose::offline: return "registered and offline";
    case reader_pose::reporting: return "registered, reporting quiescent states";
  }
  return "?";
}

sync_observation synchronize_against_reader(const backend_entry& b, reader_pose pose,
                                            std::chrono::milliseconds outside_bound) {
  sync_observation obs;
  std::atomic<bool> ready{false}, release{false}, stop{false};

  task reader([&] {
    b.register_thread();
    bool offline = false;
    switch (pose) {
      case reader_pose::inside:
        b.read_lock();
        ready.store(true, std::memory_order_release);
        sleep_until_set(release);
        b.read_unlock();
        break;
      case reader_pose::nested_inner:
        b.read_lock();
        b.read_lock();
        b.read_unlock();  // inner: the reader is still inside the outer section
        ready.store(true, std::memory_order_release);
        sleep_until_set(release);
        b.read_unlock();
        break;
      case reader_pose::outside:
        b.read_lock();
        b.read_unlock();
        ready.store(true, std::memory_order_release);
        sleep_until_set(release);
        break;
      case reader_pose::offline:
        b.read_lock();
        b.read_unlock();
        b.thread_offline();
        offline = true;
        ready.store(true, std::memory_order_release);
        sleep_until_set(release);
        break;
      case reader_pose::reporting:
        do {
          b.read_lock();
          b.read_unlock();
          b.quiescent_state();
          ready.store(true, std::memory_order_release);
          std::this_thread::sleep_for(1ms);
        } while (!release.load(std::memory_order_acquire));
        break;
    }
    // Out of the way (QSBR: offline), so the grace period can end.
    if (!offline) b.thread_offline();
    sleep_until_set(stop);
    b.thread_online();
    b.unregister_thread();
  });

  if (!wait_flag(ready, kStartBound)) {
    release = true;
    stop = true;
    reader.join_or_die("reader thread that never reached its pose");
    return obs;
  }
  obs.reader_ready = true;

  const uint64_t calls_before = b.stats().synchronize_calls;
  std::atomic<bool> returned{false};
  task updater([&] {
    b.synchronize();
    returned.store(true, std::memory_order_release);
  });
  obs.sync_entered = wait_until(
      [&] { return returned.load() || b.stats().synchronize_calls > calls_before; }, kStartBound);

  if (pose_is_inside(pose)) std::this_thread::sleep_for(kHold);
  else wait_flag(returned, outside_bound);
  obs.returned_while_held = returned.load(std::memory_order_acquire);

  release.store(true, std::memory_order_release);
  obs.returned_after_release = wait_flag(returned);
  stop.store(true, std::memory_order_release);
  updater.join_or_die(std::string("synchronize() after the reader (") + pose_name(pose) +
                      ") was released");
  reader.join_or_die("reader thread");
  return obs;
}

// Keeps the calling thread on the CPU it runs on now (for backends that queue
// callbacks per CPU, whose per-thread order holds only without migration).
static bool stay_on_current_cpu() {
  const int cpu = sched_getcpu();
  if (cpu < 0) return false;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return sched_setaffinity(0, sizeof one, &one) == 0;
}

callback_observation call_rcu_in_order(const backend_entry& b, unsigned n) {
  callback_observation obs;
  obs.queued = n;
  auto* log = new cb_log;
  auto* nodes = new cb_node[n];
  task t([&] {
    if (!b.traits.callbacks_fifo_per_thread && !stay_on_current_cpu())
      obs.setup_failure = "could not pin the queueing thread to one CPU";
    registered r(b);
    queue_callbacks(b, nodes, n, log);
    obs.invoked_when_barrier_returned = barrier_then_count(b, *log);
  });
  t.join_or_die("call_rcu + barrier");

  std::vector<unsigned> order;
  {
    std::lock_guard lock(log->mu);
    order = log->order;
  }
  obs.in_enqueue_order = order.size() == n;
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] != i) {
      obs.in_enqueue_order = false;
      obs.disorder = "position " + std::to_string(i) + " ran callback #" +
                     std::to_string(order[i]);
      break;
    }
  }
  release_or_keep(obs.invoked_when_barrier_returned == n, log, nodes);
  return obs;
}

barrier_observation barrier_from_threads(const backend_entry& b, unsigned threads,
                                         unsigned per_thread) {
  barrier_observation obs;
  obs.threads = threads;
  obs.per_thread = per_thread;
  std::vector<unsigned> seen(threads, 0);
  std::vector<cb_log*> logs;
  std::vector<cb_node*> nodes;
  for (unsigned t = 0; t < threads; ++t) {
    logs.push_back(new cb_log);
    nodes.push_back(new cb_node[per_thread]);
  }
  std::atomic<unsigned> at_start{0};
  {
    std::vector<task> tasks;
    for (unsigned t = 0; t < threads; ++t)
      tasks.emplace_back([&, t] {
        registered r(b);
        at_start.fetch_add(1);
        while (at_start.load() < threads) std::this_thread::yield();
        queue_callbacks(b, nodes[t], per_thread, logs[t]);
        seen[t] = barrier_then_count(b, *logs[t]);
      });
    for (auto& t : tasks) t.join_or_die("thread in call_rcu + barrier");
  }
  obs.min_invoked_when_barrier_returned = *std::min_element(seen.begin(), seen.end());
  for (unsigned t = 0; t < threads; ++t)
    release_or_keep(seen[t] == per_thread, logs[t], nodes[t]);
  return obs;
}

exiting_threads_observation call_rcu_from_exiting_threads(const backend_entry& b, unsigned waves,
                                                          unsigned per_wave, unsigned per_thread) {
  exiting_threads_observation obs;
  obs.threads = waves * per_wave;
  obs.per_thread = per_thread;
  obs.check_order = b.traits.callbacks_fifo_per_thread;
  std::vector<cb_log*> logs;
  std::vector<cb_node*> nodes;
  for (unsigned t = 0; t < obs.threads; ++t) {
    logs.push_back(new cb_log);
    nodes.push_back(new cb_node[per_thread]);
  }
  for (unsigned w = 0; w < waves; ++w) {
    std::vector<task> tasks;
    for (unsigned i = 0; i < per_wave; ++i)
      tasks.emplace_back([&, t = w * per_wave + i] {
        registered r(b);  // unregisters as the thread exits, callbacks still queued
        for (unsigned k = 0; k < per_thread; ++k) {
          nodes[t][k].seq = k;
          nodes[t][k].log = logs[t];
          b.call(&nodes[t][k].head, &record_callback);
        }
      });
    for (auto& t : tasks) t.join_or_die("thread queuing callbacks, then exiting");
  }
  task closer([&] {
    registered r(b);
    b.thread_offline();  // see barrier_then_count
    b.barrier();
    b.thread_online();
  });
  closer.join_or_die("barrier() after the queuing threads exited");

  for (unsigned t = 0; t < obs.threads; ++t) {
    std::vector<unsigned> order;
    {
      std::lock_guard lock(logs[t]->mu);
      order = logs[t]->order;
    }
    std::vector<unsigned> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    bool once_each = sorted.size() == per_thread;
    for (unsigned k = 0; once_each && k < per_thread; ++k) once_each = sorted[k] == k;
    if (!once_each) {
      if (obs.wrong_count_threads++ == 0)
        obs.first_wrong = "thread " + std::to_string(t) + ": " + std::to_string(order.size()) +
                          " invocations for " + std::to_string(per_thread) + " callbacks";
    } else if (obs.check_order && obs.disorder.empty() && order != sorted) {
      const auto at = std::mismatch(order.begin(), order.end(), sorted.begin()).first - order.begin();
      obs.disorder = "thread " + std::to_string(t) + ": position " + std::to_string(at) +
                     " ran callback #" + std::to_string(order[at]);
    }
    release_or_keep(once_each, logs[t], nodes[t]);
  }
  return obs;
}

late_caller_observation synchronize_called_during_grace_period(const backend_entry& b) {
  late_caller_observation obs;
  std::atomic<bool> r1_in{false}, r1_release{false}, r2_registered{false}, r2_enter{false},
      r2_in{false}, r2_release{false}, stop{false};
  auto out_of_the_way = [&] {
    b.thread_offline();
    sleep_until_set(stop);
    b.thread_online();
    b.unregister_thread();
  };
  task r1([&] {
    b.register_thread();
    b.read_lock();
    r1_in.store(true, std::memory_order_release);
    sleep_until_set(r1_release);
    b.read_unlock();
    out_of_the_way();
  });
  if (!wait_flag(r1_in, kStartBound)) obs.setup_failure = "reader 1 never entered its section";
  task r2([&] {
    b.register_thread();
    // Outside a section until told; QSBR: reporting quiescent states, so it
    // acknowledges the grace period that starts meanwhile.
    while (!r2_enter.load(std::memory_order_acquire)) {
      b.quiescent_state();
      r2_registered.store(true, std::memory_order_release);
      std::this_thread::sleep_for(1ms);
    }
    b.read_lock();
    r2_in.store(true, std::memory_order_release);
    sleep_until_set(r2_release);
    b.read_unlock();
    out_of_the_way();
  });

  // Registered before A's grace period takes the registry (else it would
  // wait for that grace period to end, which waits for R1).
  if (obs.setup_failure.empty() && !wait_flag(r2_registered, kStartBound))
    obs.setup_failure = "reader 2 never registered";

  std::atomic<bool> a_returned{false}, b_returned{false};
  task caller_a, caller_b;
  const uint64_t calls0 = b.stats().synchronize_calls;
  if (obs.setup_failure.empty()) {
    caller_a = task([&] {
      b.synchronize();
      a_returned.store(true, std::memory_order_release);
    });
    if (!wait_until([&] { return b.stats().synchronize_calls > calls0; }, kStartBound))
      obs.setup_failure = "the first synchronize() was never counted";
  }
  if (obs.setup_failure.empty()) {
    // A's grace period is now waiting for R1 (after its phase flip; R2 has
    // acknowledged its count).
    std::this_thread::sleep_for(kHold);
    if (a_returned.load()) obs.setup_failure = "synchronize() returned while reader 1 was inside";
  }
  if (obs.setup_failure.empty()) {
    r2_enter.store(true, std::memory_order_release);
    if (!wait_flag(r2_in, kStartBound)) obs.setup_failure = "reader 2 never entered its section";
  }
  if (obs.setup_failure.empty()) {
    caller_b = task([&] {
      b.synchronize();
      b_returned.store(true, std::memory_order_release);
    });
    if (!wait_until([&] { return b.stats().synchronize_calls > calls0 + 1; }, kStartBound))
      obs.setup_failure = "the second synchronize() was never counted";
  }
  if (obs.setup_failure.empty()) {
    std::this_thread::sleep_for(kHold);  // B waits inside synchronize()
    r1_release.store(true, std::memory_order_release);
    if (!wait_flag(a_returned)) obs.setup_failure = "the first synchronize() never returned";
  }
  if (obs.setup_failure.empty()) {
    obs.setup_ok = true;
    std::this_thread::sleep_for(kHold);
    obs.late_returned_early = b_returned.load(std::memory_order_acquire);
  }
  r1_release = true;
  r2_enter = true;
  r2_release.store(true, std::memory_order_release);
  if (obs.setup_ok) obs.late_returned = wait_flag(b_returned);
  stop.store(true, std::memory_order_release);
  caller_a.join_or_die("first synchronize()");
  caller_b.join_or_die("second synchronize()");
  r1.join_or_die("reader 1");
  r2.join_or_die("reader 2");
  return obs;
}

// A registered reader that enters a section, sets `ready`, stays inside until
// `release`, then stays offline (a quiescent state for QSBR) until `stop`.
static task reader_held_inside(const backend_entry& b, std::atomic<bool>& ready,
                        std::atomic<bool>& release, std::atomic<bool>& stop) {
  return task([&b, &ready, &release, &stop] {
    b.register_thread();
    b.read_lock();
    ready.store(true, std::memory_order_release);
    sleep_until_set(release);
    b.read_unlock();
    b.thread_offline();
    sleep_until_set(stop);
    b.thread_online();
    b.unregister_thread();
  });
}

held_barrier_observation barrier_behind_reader(const backend_entry& b, unsigned n) {
  held_barrier_observation obs;
  obs.queued = n;
  std::atomic<bool> ready{false}, release{false}, stop{false};
  task reader = reader_held_inside(b, ready, release, stop);
  obs.reader_ready = wait_flag(ready, kStartBound);

  auto* log = new cb_log;
  auto* nodes = new cb_node[n];
  std::atomic<bool> queued{false}, returned{false};
  std::atomic<unsigned> seen_at_return{0};
  task caller;
  if (obs.reader_ready) {
    caller = task([&] {
      registered r(b);
      for (unsigned i = 0; i < n; ++i) {
        nodes[i].seq = i;
        nodes[i].log = log;
        b.call(&nodes[i].head, &record_callback);
      }
      queued.store(true, std::memory_order_release);
      seen_at_return = barrier_then_count(b, *log);
      returned.store(true, std::memory_order_release);
    });
    obs.all_queued = wait_flag(queued, kStartBound);
    std::this_thread::sleep_for(kHold);
    obs.invoked_while_held = log->count.load(std::memory_order_acquire);
    obs.barrier_returned_while_held = returned.load(std::memory_order_acquire);
  }
  release.store(true, std::memory_order_release);
  if (obs.reader_ready) {
    obs.barrier_returned = wait_flag(returned);
    caller.join_or_die("barrier() after the reader left");
    obs.invoked_when_barrier_returned = seen_at_return.load();
  }
  stop.store(true, std::memory_order_release);
  reader.join_or_die("reader thread");
  release_or_keep(obs.invoked_when_barrier_returned == n, log, nodes);
  return obs;
}

namespace {
struct callback_reader {
  rcu_head head;  // first: the callback casts back from &head
  const backend_entry* b = nullptr;
  std::atomic<bool> inside{false}, release{false}, left{false};
};
static_assert(offsetof(callback_reader, head) == 0);

void read_inside_callback(rcu_head* h) {
  auto* st = reinterpret_cast<callback_reader*>(h);
  st->b->read_lock();
  st->inside.store(true, std::memory_order_release);
  sleep_until_set(st->release);
  st->b->read_unlock();
  st->left.store(true, std::memory_order_release);
}
}  // namespace

callback_reader_observation synchronize_against_callback_reader(const backend_entry& b) {
  callback_reader_observation obs;
  auto* st = new callback_reader;
  st->b = &b;
  task queuer([&] {
    registered r(b);
    b.call(&st->head, &read_inside_callback);
  });
  queuer.join_or_die("call() from a registered thread");
  obs.callback_inside = wait_flag(st->inside, kStartBound);
  std::atomic<bool> returned{false};
  task caller;
  if (obs.callback_inside) {
    caller = task([&] {
      b.synchronize();
      returned.store(true, std::memory_order_release);
    });
    std::this_thread::sleep_for(kHold);
    obs.returned_while_held = returned.load(std::memory_order_acquire);
  }
  st->release.store(true, std::memory_order_release);
  if (obs.callback_inside) {
    obs.returned_after_release = wait_flag(returned);
    caller.join_or_die("synchronize() after the callback left its section");
  }
  // Freed only once the callback is done with it (a callback that never ran
  // keeps it, reachable through the queue, for the rest of the process).
  if (wait_flag(st->left, kStartBound)) delete st;
  return obs;
}

progress_observation updater_progress(const backend_entry& b, unsigned readers, uint64_t wanted,
                                      std::chrono::milliseconds bound) {
  progress_observation obs;
  obs.readers = readers;
  obs.wanted = wanted;
  std::atomic<bool> stop{false};
  std::atomic<unsigned> ready{0};
  std::atomic<uint64_t> sections{0};
  std::vector<task> spinners;
  for (unsigned i = 0; i < readers; ++i)
    spinners.emplace_back([&] {
      registered r(b);
      ready.fetch_add(1);
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        b.read_lock();
        b.read_unlock();
        if (++n % 64 == 0) b.quiescent_state();
      }
      b.thread_offline();
      sections.fetch_add(n);
    });
  wait_until([&] { return ready.load() == readers; }, kStartBound);
  std::atomic<uint64_t> completed{0};
  std::atomic<bool> give_up{false};
  task updater([&] {
    while (completed.load() < wanted && !give_up.load()) {
      b.synchronize();
      completed.fetch_add(1);
    }
  });
  wait_until([&] { return completed.load() >= wanted; }, bound);
  obs.completed = completed.load();  // what the updater managed while the readers ran
  give_up.store(true);
  stop.store(true);  // a starved updater gets through once the readers stop
  updater.join_or_die("synchronize() after the spinning readers stopped");
  for (task& t : spinners) t.join_or_die("spinning reader");
  obs.read_sections = sections.load();
  return obs;
}

batching_observation synchronize_behind_reader(const backend_entry& b, unsigned updaters) {
  batching_observation obs;
  obs.updaters = updaters;
  std::atomic<bool> ready{false}, release{false}, stop{false};
  task reader = reader_held_inside(b, ready, release, stop);
  obs.reader_ready = wait_flag(ready, kStartBound);

  const backend_stats before = b.stats();
  std::atomic<unsigned> returned{0};
  std::vector<task> tasks;
  if (obs.reader_ready) {
    for (unsigned i = 0; i < updaters; ++i)
      tasks.emplace_back([&] {
        b.synchronize();
        returned.fetch_add(1);
      });
    obs.all_entered = wait_until(
        [&] { return b.stats().synchronize_calls - before.synchronize_calls >= updaters; },
        kStartBound);
    // Counted means "inside synchronize()": give each time to reach its wait.
    std::this_thread::sleep_for(kHold * kSlowdown);
    obs.returned_while_held = returned.load();
  }
  release.store(true, std::memory_order_release);
  for (auto& t : tasks) t.join_or_die("synchronize() queued behind a reader");
  const backend_stats after = b.stats();
  stop.store(true, std::memory_order_release);
  reader.join_or_die("reader thread");

  obs.synchronize_calls = after.synchronize_calls - before.synchronize_calls;
  obs.grace_periods = delta(after.grace_periods, before.grace_periods);
  return obs;
}

hammer_observation synchronize_hammer(const backend_entry& b, unsigned updaters,
                                      unsigned calls_each, std::chrono::milliseconds time_cap) {
  hammer_observation obs;
  std::atomic<bool> go{false}, stop{false};
  std::atomic<uint64_t> reads{0};
  std::atomic<unsigned> readers_in{0};
  std::vector<task> readers;
  for (int r = 0; r < 2; ++r)
    readers.emplace_back([&] {
      registered reg(b);
      uint64_t n = 0;
      while (!stop.load(std::memory_order_acquire)) {
        b.read_lock();
        if (n == 0) readers_in.fetch_add(1);
        std::this_thread::sleep_for(200us);  // grace periods take a while: callers overlap
        b.read_unlock();
        b.quiescent_state();
        ++n;
      }
      reads.fetch_add(n);
    });

  const backend_stats before = b.stats();
  std::atomic<uint64_t> made{0};
  std::vector<task> tasks;
  for (unsigned u = 0; u < updaters; ++u)
    tasks.emplace_back([&] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      // Bounded in time too: some flavors (liburcu-bp) sleep 10 ms per grace
      // period while a reader is inside; the run stays short either way.
      const auto until = clock::now() + time_cap;
      unsigned k = 0;
      do {
        b.synchronize();
      } while (++k < calls_each && clock::now() < until);
      made.fetch_add(k);
    });
  // Readers first: otherwise the updaters can be done before a reader ever
  // ran (2 cores, 10 threads), with grace periods that wait for nobody.
  wait_until([&] { return readers_in.load() == 2; }, kStartBound);
  go.store(true, std::memory_order_release);
  for (auto& t : tasks) t.join_or_die("updater calling synchronize() in a loop");
  const backend_stats after = b.stats();
  stop.store(true, std::memory_order_release);
  for (auto& r : readers) r.join_or_die("reader thread");

  obs.calls_made = made.load();
  obs.synchronize_calls = after.synchronize_calls - before.synchronize_calls;
  obs.grace_periods = delta(after.grace_periods, before.grace_periods);
  obs.reads = reads.load();
  return obs;
}

churn_observation register_churn(const backend_entry& b, unsigned waves, unsigned threads,
                                 unsigned cycles, bool exit_registered) {
  churn_observation obs;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> register_cycles{0}, sections{0}, syncs{0}, callbacks{0};

  // Both loops run at least once: on a loaded host the churn can be over
  // before they first get a CPU, and the checks expect one of each.
  task sync_loop([&] {
    do {
      b.synchronize();
      syncs.fetch_add(1, std::memory_order_relaxed);
    } while (!stop.load(std::memory_order_acquire));
  });
  task call_loop([&] {
    registered r(b);
    for (unsigned i = 1; i == 1 || !stop.load(std::memory_order_acquire); ++i) {
      b.call(&(new counting_node{{}, &callbacks})->head, &count_and_free);
      b.quiescent_state();
      if (i % 8 == 0) {
        b.thread_offline();
        b.barrier();
        b.thread_online();
      }
      std::this_thread::sleep_for(100us);
    }
    b.thread_offline();
    b.barrier();  // nothing queued may outlive the scenario
    b.thread_online();
  });

  for (unsigned w = 0; w < waves; ++w) {
    std::vector<task> tasks;
    for (unsigned t = 0; t < threads; ++t)
      tasks.emplace_back([&] {
        for (unsigned c = 0; c < cycles; ++c) {
          b.register_thread();
          // Yields interleave the 16 threads on few cores: some are preempted
          // inside sections, some between register and unregister.
          if (c % 4 == 0) std::this_thread::yield();
          for (int j = 0; j < 4; ++j) {
            b.read_lock();
            if (j & 1) {
              b.read_lock();
              b.read_unlock();
            }
            if (j == 2 && c % 8 == 0) std::this_thread::yield();
            b.read_unlock();
            b.quiescent_state();
            sections.fetch_add(1, std::memory_order_relaxed);
          }
          register_cycles.fetch_add(1, std::memory_order_relaxed);
          if (exit_registered && c + 1 == cycles) return;  // exits still registered
          b.unregister_thread();
        }
      });
    for (auto& t : tasks) t.join_or_die("thread in the register/unregister churn");
  }
  // The churn can be over in milliseconds: let grace periods complete alongside
  // it at least a few times before stopping (bounded; the test checks the count).
  wait_until([&] { return syncs.load() >= 3; });
  stop.store(true, std::memory_order_release);
  sync_loop.join_or_die("synchronize() loop during the churn");
  call_loop.join_or_die("call_rcu/barrier loop during the churn");

  obs.register_cycles = register_cycles.load();
  obs.read_sections = sections.load();
  obs.synchronize_calls = syncs.load();
  obs.callbacks = callbacks.load();
  return obs;
}

// ---- verdicts ---------------------------------------------------------------

std::string verdict(const sync_observation& o, reader_pose pose) {
  const std::string where = pose_name(pose);
  if (!o.reader_ready) return "the reader thread never got " + where;
  if (!o.sync_entered) return "synchronize() was never counted as called (stats().synchronize_calls)";
  if (pose_is_inside(pose)) {
    if (o.returned_while_held)
      return "synchronize() returned while a reader was " + where + " (held " +
             std::to_string(kHold.count()) + " ms): the grace period did not wait for it";
    if (!o.returned_after_release) return "synchronize() did not return after the reader left";
    return {};
  }
  if (!o.returned_while_held)
    return "synchronize() waited for a reader that was " + where +
           " (it returned only after the reader was released, or never)";
  return {};
}

std::string verdict(const callback_observation& o) {
  if (!o.setup_failure.empty()) return "setup: " + o.setup_failure;
  if (o.invoked_when_barrier_returned != o.queued)
    return "barrier() returned when " + std::to_string(o.invoked_when_barrier_returned) + " of " +
           std::to_string(o.queued) + " callbacks queued before it had run";
  if (!o.in_enqueue_order)
    return "callbacks from one thread ran out of enqueue order: " +
           (o.disorder.empty() ? std::string("wrong count") : o.disorder);
  return {};
}

std::string verdict(const exiting_threads_observation& o) {
  if (o.wrong_count_threads)
    return std::to_string(o.wrong_count_threads) + " of " + std::to_string(o.threads) +
           " exited threads' callbacks did not run exactly once by barrier() (" + o.first_wrong + ")";
  if (!o.disorder.empty()) return "callbacks of an exited thread ran out of enqueue order: " + o.disorder;
  return {};
}

std::string verdict(const barrier_observation& o) {
  if (o.min_invoked_when_barrier_returned != o.per_thread)
    return "a thread's barrier() returned when only " +
           std::to_string(o.min_invoked_when_barrier_returned) + " of the " +
           std::to_string(o.per_thread) + " callbacks it queued before it had run (" +
           std::to_string(o.threads) + " threads)";
  return {};
}

std::string verdict(const held_barrier_observation& o) {
  if (!o.reader_ready) return "the reader never entered its section";
  if (!o.all_queued) return "the caller never finished queueing its callbacks";
  if (o.invoked_while_held)
    return std::to_string(o.invoked_while_held) + " of " + std::to_string(o.queued) +
           " callbacks ran while a reader that entered before call() was still inside";
  if (o.barrier_returned_while_held)
    return "barrier() returned while the callbacks queued before it still waited for a "
           "grace period (a reader was inside)";
  if (!o.barrier_returned) return "barrier() did not return after the reader left";
  if (o.invoked_when_barrier_returned != o.queued)
    return "barrier() returned when " + std::to_string(o.invoked_when_barrier_returned) +
           " of " + std::to_string(o.queued) + " callbacks queued before it had run";
  return {};
}

std::string verdict(const late_caller_observation& o) {
  if (!o.setup_ok) return "scenario did not get in place: " + o.setup_failure;
  if (o.late_returned_early)
    return "a synchronize() that began while another grace period was running returned at "
           "the end of that grace period, while a reader that entered before the call was "
           "still inside";
  if (!o.late_returned) return "the second synchronize() did not return after the readers left";
  return {};
}

std::string verdict(const batching_observation& o, bool expect_sharing) {
  if (!o.reader_ready) return "the reader never entered its section";
  if (!o.all_entered)
    return "not all " + std::to_string(o.updaters) +
           " synchronize() calls were counted while the reader was inside";
  if (o.returned_while_held)
    return std::to_string(o.returned_while_held) + " of " + std::to_string(o.updaters) +
           " synchronize() calls returned while a reader was still inside its section";
  if (o.synchronize_calls != o.updaters)
    return "stats() counted " + std::to_string(o.synchronize_calls) + " synchronize calls, " +
           std::to_string(o.updaters) + " were made";
  if (!expect_sharing) return {};
  if (!o.grace_periods) return "the backend reports no grace-period count";
  if (*o.grace_periods == 0) return "no grace period was counted";
  if (*o.grace_periods > kMaxGracePeriodsForHeldBatch || *o.grace_periods >= o.synchronize_calls)
    return std::to_string(o.synchronize_calls) + " concurrent synchronize() calls took " +
           std::to_string(*o.grace_periods) + " grace periods; sharing should serve them with <= " +
           std::to_string(kMaxGracePeriodsForHeldBatch);
  return {};
}

std::string verdict(const callback_reader_observation& o) {
  if (!o.callback_inside) return "the call_rcu callback never entered its read-side section";
  if (o.returned_while_held)
    return "synchronize() returned while a call_rcu callback was inside a read-side section: "
           "the worker that runs callbacks is not a reader the grace period waits for";
  if (!o.returned_after_release) return "synchronize() did not return after the callback left";
  return {};
}

}  // namespace rculab::test
