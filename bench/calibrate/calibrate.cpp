#include "bench/calibrate/calibrate.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench/harness/placement.h"
#include "impls/core/barrier.h"

namespace rculab {

// ---- the measured loops ----------------------------------------------------------
//
// Out of line and outside the anonymous namespace so objdump finds them by name
// (objdump -d --no-show-raw-insn build/release/rculab-core | grep -A12 calib_loop).
// What GCC 12.2 -O2 made of them on x86-64 (objdump -d, checked 2026-11-23):
//   calib_loop_empty         add $0x1,%rax; cmp %rax,%rdi; jne       (the loop alone, 3 instructions a turn)
//   calib_loop_mfence        mfence; add; cmp; jne                     (one fence per turn, kept)
//   calib_loop_lock_or       lock orq $0x0,(%rsp); add; cmp; jne
//   calib_loop_thread_fence  lock orq $0x0,(%rsp); add; cmp; jne       (GCC >= 11 spells a seq_cst
//                            thread fence as a locked or, not mfence: same cost as lock_or)
//   calib_loop_increment     lock addq $0x1,(%rdi); add; cmp; jne      (n adds, not merged into one)
// No unrolling, so the empty loop is exactly the overhead each loop carries.
[[gnu::noinline]] void calib_loop_empty(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) asm volatile("" ::: "memory");
}

#if defined(__x86_64__)
[[gnu::noinline]] void calib_loop_mfence(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) asm volatile("mfence" ::: "memory");
}

[[gnu::noinline]] void calib_loop_lock_or(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) asm volatile("lock orq $0, (%%rsp)" ::: "memory", "cc");
}
#endif

[[gnu::noinline]] void calib_loop_thread_fence(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) std::atomic_thread_fence(std::memory_order_seq_cst);
}

[[gnu::noinline]] void calib_loop_increment(std::atomic<uint64_t>& counter, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) counter.fetch_add(1, std::memory_order_relaxed);
}

namespace {

using clock_type = std::chrono::steady_clock;
using loop_fn = std::function<void(uint64_t)>;

double elapsed_ns(clock_type::time_point since) {
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - since).count());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

struct timing {
  double ns_per_op;
  uint64_t operations;
};

double time_batch(const loop_fn& loop, uint64_t n) {
  const auto t0 = clock_type::now();
  loop(n);
  return elapsed_ns(t0);
}

// Doubles the batch until one takes a twentieth of the budget (this also warms
// up caches and frequency), then times batches until the budget is spent. The
// median batch ignores the ones a preemption or an interrupt landed in.
timing time_loop(const loop_fn& loop, double seconds) {
  const double target_ns = seconds * 1e9 / 20;
  uint64_t n = 1;
  while (time_batch(loop, n) < target_ns && n < (uint64_t{1} << 40)) n *= 2;
  std::vector<double> per_op;
  uint64_t operations = 0;
  const auto start = clock_type::now();
  do {
    per_op.push_back(time_batch(loop, n) / double(n));
    operations += n;
  } while (elapsed_ns(start) < seconds * 1e9 && per_op.size() < 1000);
  return {median(per_op), operations};
}

calibration_measure unavailable(std::string name, std::string what, std::string reason) {
  calibration_measure m;
  m.name = std::move(name);
  m.what = std::move(what);
  m.available = false;
  m.reason = std::move(reason);
  return m;
}

calibration_measure measured(std::string name, std::string what, unsigned threads, timing t, double loop_ns) {
  calibration_measure m;
  m.name = std::move(name);
  m.what = std::move(what);
  m.threads = threads;
  m.raw_ns = t.ns_per_op;
  m.loop_ns = loop_ns;
  m.ns = std::max(0.0, t.ns_per_op - loop_ns);
  m.operations = t.operations;
  return m;
}

// ---- threads pinned to distinct PUs --------------------------------------------

// PUs for `threads` threads, compact (sharing caches: the cheapest transfers).
std::vector<unsigned> plan_pus(const topology& topo, unsigned threads) {
  std::vector<unsigned> pus;
  for (const pu_slot& s : plan_placement(topo, {{"calibrate", threads, placement_policy::compact}}))
    pus.push_back(s.pu_os_index);
  return pus;
}

// Runs body(i) on `threads` threads, thread i pinned to pus[i]. A thread that
// cannot be pinned still runs its body (others may be waiting for it); the
// first error is thrown once all have finished.
void run_pinned(const topology& topo, const std::vector<unsigned>& pus,
                const std::function<void(unsigned)>& body) {
  std::vector<std::exception_ptr> errors(pus.size());
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < pus.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        if (const std::string err = bind_current_thread(topo, pus[i]); !err.empty())
          errors[i] = std::make_exception_ptr(std::runtime_error("calibrate: " + err));
        body(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Waits without hogging the PU forever: on a 1-PU host the other side needs it.
void relax(unsigned& spins) {
  cpu_relax();
  if (++spins % 256 == 0) std::this_thread::yield();
}

// A thread of this process busy on another PU: membarrier must IPI it, a
// signal sent to it interrupts running code (like an RCU reader's).
// ThreadSanitizer delivers signals only inside its interceptors, hence usleep.
void spin_until(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    cpu_relax();
    if (RCULAB_TSAN) usleep(1);
  }
}

// Measuring thread on pus[0], a spinning thread on pus[1]; measure() runs
// while the spinner is running and returns the timing.
timing with_spinner(const topology& topo, const std::function<void(pthread_t)>& on_spinner_start,
                    const std::function<timing()>& measure) {
  std::atomic<bool> stop{false}, spinning{false};
  timing result{};
  run_pinned(topo, plan_pus(topo, 2), [&](unsigned i) {
    if (i == 1) {
      on_spinner_start(pthread_self());
      spinning.store(true, std::memory_order_release);
      spin_until(stop);
      return;
    }
    unsigned spins = 0;
    while (!spinning.load(std::memory_order_acquire)) relax(spins);
    try {
      result = measure();
    } catch (...) {
      stop.store(true);
      throw;
    }
    stop.store(true);
  });
  return result;
}

// ---- the measures ---------------------------------------------------------------

calibration_measure single(const char* name, const char* what, void (*loop)(uint64_t), double seconds,
                           double loop_ns) {
  return measured(name, what, 1, time_loop(loop, seconds), loop_ns);
}

std::vector<calibration_measure> fences(double seconds, double loop_ns) {
  std::vector<calibration_measure> out;
#if defined(__x86_64__)
  out.push_back(single("mfence", "mfence", calib_loop_mfence, seconds, loop_ns));
  out.push_back(single("lock_or", "lock orq $0,(%rsp): a locked no-op on the stack", calib_loop_lock_or,
                       seconds, loop_ns));
#else
  out.push_back(unavailable("mfence", "mfence", "x86-64 instruction"));
  out.push_back(unavailable("lock_or", "lock orq $0,(%rsp)", "x86-64 instruction"));
#endif
  out.push_back(single("atomic_thread_fence", "std::atomic_thread_fence(seq_cst) as the compiler spells it",
                       calib_loop_thread_fence, seconds, loop_ns));
  return out;
}

calibration_measure uncontended_increment(double seconds, double loop_ns) {
  alignas(kCacheLine) std::atomic<uint64_t> counter{0};
  const timing t = time_loop([&](uint64_t n) { calib_loop_increment(counter, n); }, seconds);
  return measured("atomic_inc", "fetch_add(1) on a line no other thread touches", 1, t, loop_ns);
}

// `threads` threads increment one counter for `seconds` (thread 0 watches the
// clock); each thread's ns per increment over the window, averaged.
calibration_measure contended_increment(const topology& topo, const char* name, unsigned threads,
                                        double seconds, double loop_ns) {
  alignas(kCacheLine) std::atomic<uint64_t> counter{0};
  std::atomic<unsigned> ready{0};
  std::atomic<bool> stop{false};
  std::vector<double> per_op(threads);
  std::vector<uint64_t> ops(threads);
  run_pinned(topo, plan_pus(topo, threads), [&](unsigned i) {
    ready.fetch_add(1);
    unsigned spins = 0;
    while (ready.load() < threads) relax(spins);
    // Counted locally: ops[] and per_op[] share a line, writing them per batch
    // would add a second contended line. At least one batch, even for a
    // thread that only got a PU after the window closed.
    uint64_t done = 0;
    const auto t0 = clock_type::now();
    do {
      calib_loop_increment(counter, 256);
      done += 256;
      if (i == 0 && elapsed_ns(t0) >= seconds * 1e9) stop.store(true, std::memory_order_relaxed);
    } while (!stop.load(std::memory_order_relaxed));
    per_op[i] = elapsed_ns(t0) / double(done);
    ops[i] = done;
  });
  double sum = 0;
  for (double v : per_op) sum += v;
  return measured(name, "fetch_add(1) on one line shared by all threads, each pinned to its own PU if it can",
                  threads, {sum / threads, ops[0]}, loop_ns);
}

long membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0, 0); }

// Empty when MEMBARRIER_CMD_PRIVATE_EXPEDITED can be used by this process.
std::string membarrier_unusable() {
  const long cmds = membarrier(MEMBARRIER_CMD_QUERY);
  if (cmds < 0) return std::string("membarrier(2) unsupported: ") + std::strerror(errno);
  if (!(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) return "kernel lacks MEMBARRIER_CMD_PRIVATE_EXPEDITED";
  if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
    return std::string("MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED failed: ") + std::strerror(errno);
  return {};
}

void membarrier_loop(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i)
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
      throw std::runtime_error(std::string("membarrier(PRIVATE_EXPEDITED) failed: ") + std::strerror(errno));
}

std::vector<calibration_measure> membarriers(const topology& topo, double seconds, double loop_ns) {
  constexpr const char* kAlone = "membarrier(PRIVATE_EXPEDITED), no other thread of ours running: no IPI";
  constexpr const char* kIpi = "membarrier(PRIVATE_EXPEDITED), one other thread of ours spinning on another PU";
  if (const std::string why = membarrier_unusable(); !why.empty())
    return {unavailable("membarrier", kAlone, why), unavailable("membarrier_ipi", kIpi, why)};
  std::vector<calibration_measure> out;
  out.push_back(measured("membarrier", kAlone, 1, time_loop(membarrier_loop, seconds), loop_ns));
  const timing ipi = with_spinner(topo, [](pthread_t) {}, [&] { return time_loop(membarrier_loop, seconds); });
  out.push_back(measured("membarrier_ipi", kIpi, 2, ipi, loop_ns));
  return out;
}

// The signal round trip: pthread_kill, the target's handler acknowledges, the
// sender spins until it sees the acknowledgement. A real-time signal, so no
// backend's (SIGUSR1 for liburcu, SIGUSR2 for ours) is disturbed.
std::atomic<uint64_t> g_signal_acks{0};

void acknowledge(int) { g_signal_acks.fetch_add(1, std::memory_order_release); }

void signal_round_trips(pthread_t target, int signo, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t before = g_signal_acks.load(std::memory_order_acquire);
    if (const int err = pthread_kill(target, signo); err != 0)
      throw std::runtime_error(std::string("pthread_kill failed: ") + std::strerror(err));
    unsigned spins = 0;
    while (g_signal_acks.load(std::memory_order_acquire) == before) relax(spins);
  }
}

calibration_measure signal_round_trip(const topology& topo, double seconds, double loop_ns) {
  constexpr const char* kWhat = "pthread_kill to a thread spinning on another PU, its handler acknowledges";
  const int signo = SIGRTMIN + 1;
  struct sigaction old {}, sa {};
  sigaction(signo, nullptr, &old);
  if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
    return unavailable("signal_round_trip", kWhat, "signal SIGRTMIN+1 already has a handler");
  sa.sa_handler = acknowledge;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(signo, &sa, nullptr) != 0)
    return unavailable("signal_round_trip", kWhat, std::string("sigaction: ") + std::strerror(errno));
  pthread_t target{};
  timing t{};
  try {
    t = with_spinner(topo, [&](pthread_t self) { target = self; },
                     [&] { return time_loop([&](uint64_t n) { signal_round_trips(target, signo, n); }, seconds); });
  } catch (...) {
    sigaction(signo, &old, nullptr);
    throw;
  }
  sigaction(signo, &old, nullptr);
  return measured("signal_round_trip", kWhat, 2, t, loop_ns);
}

}  // namespace

std::vector<calibration_measure> run_calibration(double seconds) {
  const topology topo = topology::this_machine();
  const double loop_ns = time_loop(calib_loop_empty, seconds).ns_per_op;
  std::vector<calibration_measure> out = fences(seconds, loop_ns);
  out.push_back(uncontended_increment(seconds, loop_ns));
  out.push_back(contended_increment(topo, "atomic_inc_contended_2", 2, seconds, loop_ns));
  out.push_back(contended_increment(topo, "atomic_inc_contended_pus", topo.pu_count(), seconds, loop_ns));
  for (auto& m : membarriers(topo, seconds, loop_ns)) out.push_back(std::move(m));
  out.push_back(signal_round_trip(topo, seconds, loop_ns));
  return out;
}

}  // namespace rculab
