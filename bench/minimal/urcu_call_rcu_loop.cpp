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
// usage: [PIN=1] rculab-minimal-callrcu [THREADS] [SECONDS] [READERS]
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

struct node {
  rcu_head head;
};

std::atomic<unsigned long long> invoked{0};
std::vector<int> cpus;  // the CPUs we may run on, in order; empty: no pinning

void pin(pthread_t thread, unsigned slot) {
  if (cpus.empty()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpus[slot % cpus.size()], &set);
  pthread_setaffinity_np(thread, sizeof set, &set);
}
std::atomic<bool> stop{false};

void free_node(rcu_head* h) {
  delete reinterpret_cast<node*>(h);  // head is the first member
  invoked.fetch_add(1, std::memory_order_relaxed);
}

void enqueue_until_stopped() {
  urcu_memb_register_thread();
  while (!stop.load(std::memory_order_relaxed))
    for (int i = 0; i < 64; ++i) urcu_memb_call_rcu(&(new node)->head, &free_node);
  urcu_memb_unregister_thread();
}

void read_until_stopped() {
  urcu_memb_register_thread();
  while (!stop.load(std::memory_order_relaxed)) {
    urcu_memb_read_lock();
    urcu_memb_read_unlock();
  }
  urcu_memb_unregister_thread();
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  const int readers = argc > 3 ? std::atoi(argv[3]) : 0;
  if (threads < 1 || threads > 4096 || !(seconds > 0) || readers < 0 || readers > 4096) {
    std::fprintf(stderr, "usage: rculab-minimal-callrcu [THREADS 1..4096] [SECONDS > 0] [READERS 0..4096]\n");
    return 2;
  }
  if (const char* p = std::getenv("PIN"); p && *p == '1') {
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  std::vector<std::thread> pool;
  for (int r = 0; r < readers; ++r) pool.emplace_back(read_until_stopped);
  for (int t = 0; t < threads; ++t) pool.emplace_back(enqueue_until_stopped);
  for (size_t i = 0; i < pool.size(); ++i) pin(pool[i].native_handle(), unsigned(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the worker exists by now
  pin(urcu_memb_get_call_rcu_thread(urcu_memb_get_default_call_rcu_data()), unsigned(pool.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  const unsigned long long at_open = invoked.load();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const unsigned long long at_close = invoked.load();
  const double window = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop.store(true);
  for (auto& t : pool) t.join();
  urcu_memb_barrier();
  std::printf("threads %d  readers %d  callbacks/s %.4g\n", threads, readers,
              double(at_close - at_open) / window);
  return 0;
}
