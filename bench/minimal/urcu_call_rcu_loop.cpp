// rculab-minimal-callrcu: an independent yardstick for the call_rcu workload.
// The least a call_rcu benchmark can do with liburcu's memb flavour, none of
// the lab's code: N registered threads allocate a node and call_rcu it as fast
// as they can; the callback frees the node and bumps one counter; R reader
// threads spin in read-side sections (the lab's call_rcu workload always runs
// at least one, which on a small host takes a CPU from the worker). Prints
// callbacks invoked per second over the window. The lab's
// call_rcu/backend:urcu-memb/readers:R/updaters:N/interval_ns:0 figure should
// agree with it.
//
// With PIN=1 in the environment, threads are pinned as the lab's compact
// placement pins them: readers on the first CPUs, enqueuers next, liburcu's
// default call_rcu worker on the CPU after those (wrapping around).
//
// With PUBLISH=K, one node in K that an enqueuer retires is the one it had
// published, and the readers read the published nodes in turn, as the lab's
// readers do for its use-after-free check (the lab's K is cb_publish_every):
// what that sharing costs, held apart from what the lab's own code costs.
//
// usage: [PIN=1] [PUBLISH=K] rculab-minimal-callrcu [THREADS] [SECONDS] [READERS]
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

struct node {
  rcu_head head;
  unsigned long value = 1;
};

// One enqueuer's published node, on a cache line of its own.
struct alignas(64) published_slot {
  std::atomic<node*> ptr{nullptr};
};
std::vector<published_slot> published;
unsigned publish_every = 0;  // 0: nothing published, readers read nothing

// Written on every callback by the worker: a cache line of its own, or the
// readers' and enqueuers' reads of the globals beside it (stop, the settings)
// would bounce it (that alone halved the rate).
struct alignas(64) invoked_counter {
  std::atomic<unsigned long long> n{0};
};
invoked_counter invoked;
std::vector<int> cpus;  // the CPUs we may run on, in order; empty: no pinning

void pin(pthread_t thread, unsigned slot) {
  if (cpus.empty()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpus[slot % cpus.size()], &set);
  pthread_setaffinity_np(thread, sizeof set, &set);
}
std::atomic<bool> stop{false};

double thread_cpu_seconds(pthread_t thread) {
  clockid_t clock;
  timespec ts{};
  if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &ts) != 0) return 0;
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void free_node(rcu_head* h) {
  delete reinterpret_cast<node*>(h);  // head is the first member
  invoked.n.fetch_add(1, std::memory_order_relaxed);
}

node* next_retired(published_slot& mine, unsigned long& made) {
  if (publish_every && made++ % publish_every == 0) return mine.ptr.exchange(new node, std::memory_order_acq_rel);
  return new node;
}

void enqueue_until_stopped(unsigned index) {
  urcu_memb_register_thread();
  unsigned long made = 0;
  while (!stop.load(std::memory_order_relaxed))
    for (int i = 0; i < 64; ++i) urcu_memb_call_rcu(&next_retired(published[index], made)->head, &free_node);
  urcu_memb_unregister_thread();
}

void read_until_stopped() {
  urcu_memb_register_thread();
  unsigned long sum = 0;
  size_t next = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    urcu_memb_read_lock();
    if (publish_every) {
      sum += published[next].ptr.load(std::memory_order_acquire)->value;  // pairs with the exchange
      next = next + 1 == published.size() ? 0 : next + 1;
    }
    urcu_memb_read_unlock();
  }
  if (sum == 1) std::puts("");  // keeps the reads
  urcu_memb_unregister_thread();
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  const int readers = argc > 3 ? std::atoi(argv[3]) : 0;
  if (threads < 1 || threads > 4096 || !(seconds > 0) || readers < 0 || readers > 4096) {
    std::fprintf(stderr, "usage: [PIN=1] [PUBLISH=K] rculab-minimal-callrcu [THREADS 1..4096] [SECONDS > 0] [READERS 0..4096]\n");
    return 2;
  }
  if (const char* p = std::getenv("PUBLISH"); p && *p) {
    char* end = nullptr;
    const unsigned long k = std::strtoul(p, &end, 10);
    publish_every = *end == '\0' && k <= 1u << 20 ? unsigned(k) : 0;
    if (publish_every < 1) {
      std::fprintf(stderr, "rculab-minimal-callrcu: PUBLISH must be 1..1048576, got '%s'\n", p);
      return 2;
    }
  }
  published = std::vector<published_slot>(unsigned(threads));
  for (published_slot& slot : published) slot.ptr.store(new node);
  if (const char* p = std::getenv("PIN"); p && *p == '1') {
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  std::vector<std::thread> pool;
  for (int r = 0; r < readers; ++r) pool.emplace_back(read_until_stopped);
  for (int t = 0; t < threads; ++t) pool.emplace_back(enqueue_until_stopped, unsigned(t));
  for (size_t i = 0; i < pool.size(); ++i) pin(pool[i].native_handle(), unsigned(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the worker exists by now
  const pthread_t worker = urcu_memb_get_call_rcu_thread(urcu_memb_get_default_call_rcu_data());
  pin(worker, unsigned(pool.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  const unsigned long long at_open = invoked.n.load();
  const double worker_cpu_at_open = thread_cpu_seconds(worker);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const unsigned long long at_close = invoked.n.load();
  const double worker_cpu = thread_cpu_seconds(worker) - worker_cpu_at_open;
  const double window = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop.store(true);
  for (auto& t : pool) t.join();
  urcu_memb_barrier();
  // The worker's CPU time per callback, to hold against the lab's
  // helper0_cpu_ns / cb_invoked_window: where the two figures part, this says
  // whether the worker did more per callback or just ran less.
  const double callbacks = double(at_close - at_open);
  for (published_slot& slot : published) delete slot.ptr.load();  // never retired: no reader left
  std::printf("threads %d  readers %d  callbacks/s %.4g  worker_cpu_s %.3f  worker_ns_per_cb %.1f\n",
              threads, readers, callbacks / window, worker_cpu, callbacks ? worker_cpu * 1e9 / callbacks : 0.0);
  return 0;
}
