#include "impls/signal/signal.h"

#include <pthread.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>

#include "impls/core/futex.h"

namespace rculab {
namespace {

std::atomic<int> chosen_signal{0};  // 0 until first use fixes it
std::once_flag install_once;
std::atomic<int64_t> ack_warning_ns{5'000'000'000};

// Written once under install_once. Immortal: the call_rcu worker may still
// run a grace period (and so read it) while static destructors run.
std::string& install_error() {
  static std::string* error = new std::string;
  return *error;
}

constexpr const char* kSignalEnv = "RCULAB_SIGNAL_NUM";

// The signal RCULAB_SIGNAL_NUM names, SIGUSR2 without it; 0 (invalid) for a
// value that is not a whole number ("12abc" must not pass as 12).
int default_signal() {
  const char* s = std::getenv(kSignalEnv);
  if (!s || !*s) return SIGUSR2;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s, &end, 10);
  return *end == '\0' && errno == 0 && v > 0 && v < NSIG ? static_cast<int>(v) : 0;
}

std::string invalid_signal_reason(int signo) {
  if (const char* s = std::getenv(kSignalEnv); s && *s && default_signal() == signo)
    return std::string(kSignalEnv) + "='" + s + "' is not a usable signal number (1-" + std::to_string(NSIG - 1) +
           ", not SIGKILL or SIGSTOP)";
  return "invalid signal number " + std::to_string(signo);
}

}  // namespace

std::atomic<int32_t> signal_rcu::pending_acks_{0};

bool signal_rcu::set_signal_number(int signo) {
  int expected = 0;
  return chosen_signal.compare_exchange_strong(expected, signo);
}

int signal_rcu::signal_number() {
  int expected = 0;
  chosen_signal.compare_exchange_strong(expected, default_signal());
  return chosen_signal.load();
}

void signal_rcu::on_signal(int) {
  const int saved_errno = errno;
  // The barrier the updater asked for: everything this thread did before the
  // signal is ordered before its later accesses. Pairs with master_barrier().
  full_fence();
  if (self().need_barrier.exchange(0, std::memory_order_acq_rel) == 1 &&
      pending_acks_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    futex_wake_all(pending_acks_);
  }
  errno = saved_errno;
}

std::string signal_rcu::unavailable_reason() {
  std::call_once(install_once, [] {
    const int signo = signal_number();
    if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) {
      install_error() = invalid_signal_reason(signo);
      return;
    }
    struct sigaction old {};
    sigaction(signo, nullptr, &old);
    if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
      install_error() = "signal " + std::to_string(signo) +
                      " already has a handler; choose another with RCULAB_SIGNAL_NUM";
      return;
    }
    struct sigaction sa {};
    sa.sa_handler = &on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(signo, &sa, nullptr) != 0)
      install_error() = std::string("sigaction failed: ") + std::strerror(errno);
  });
  return install_error();
}

std::string signal_rcu::mode() {
  const std::string why = unavailable_reason();
  if (!why.empty()) return "unavailable (" + why + ")";
  const int signo = signal_number();
  const char* name = sigabbrev_np(signo);
  return "signal " + std::to_string(signo) + (name ? std::string(" (SIG") + name + ")" : "");
}

void signal_rcu::require_available() {
  if (const std::string why = unavailable_reason(); !why.empty()) {
    std::fprintf(stderr, "rculab: backend signal is unavailable here: %s\n", why.c_str());
    std::exit(2);
  }
}

void signal_rcu::prepare_reader_thread() {
  require_available();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal_number());
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void signal_rcu::signal_reader(const phase_reader& r, int signo) {
  if (int err = pthread_kill(r.thread, signo)) {
    std::fprintf(stderr, "rculab: signal backend: pthread_kill: %s\n", std::strerror(err));
    std::abort();
  }
}

// Called with the registry locked, so the set of readers is fixed.
void signal_rcu::master_barrier() {
  require_available();
  const pthread_t me = pthread_self();
  int32_t others = 0;
  registry().for_each_locked([&](phase_reader& r) { others += !pthread_equal(r.thread, me); });
  // The count first, then the flags: a stray signal handled between the two
  // then counts as that reader's acknowledgement (its fence comes after our
  // flag, so after the removal) instead of decrementing a count we would
  // overwrite and so losing an acknowledgement.
  pending_acks_.store(others, std::memory_order_seq_cst);
  registry().for_each_locked([&](phase_reader& r) {
    if (pthread_equal(r.thread, me)) return;  // our own fence is below
    r.need_barrier.store(1, std::memory_order_seq_cst);
  });
  const int signo = signal_number();
  registry().for_each_locked([&](phase_reader& r) {
    if (!pthread_equal(r.thread, me)) signal_reader(r, signo);
  });
  wait_for_acks();
  full_fence();  // pairs with the handlers' fences
}

// Also with the registry locked (the updater's wait). Every earlier
// acknowledgement has been counted (pending_acks_ reached 0), so no reader's
// need_barrier is still set: only `r` answers this one.
bool signal_rcu::order_reader(phase_reader& r) {
  if (pthread_equal(r.thread, pthread_self())) {  // not a reader we can wait for
    full_fence();
    return true;
  }
  pending_acks_.store(1, std::memory_order_seq_cst);
  r.need_barrier.store(1, std::memory_order_seq_cst);
  signal_reader(r, signal_number());
  wait_for_acks();
  full_fence();  // pairs with the handler's fence
  return true;
}

std::chrono::nanoseconds signal_rcu::ack_warning_after() {
  return std::chrono::nanoseconds(ack_warning_ns.load(std::memory_order_relaxed));
}

void signal_rcu::set_ack_warning_after(std::chrono::nanoseconds after) {
  ack_warning_ns.store(after.count(), std::memory_order_relaxed);
}

// Spin briefly, then sleep on the futex the last handler wakes. The sleep is
// sliced only to notice, once, a wait longer than ack_warning_after().
void signal_rcu::wait_for_acks() {
  for (int spins = 0; spins < 2000 && pending_acks_.load(std::memory_order_acquire) != 0; ++spins)
    cpu_relax();
  const auto start = std::chrono::steady_clock::now();
  bool warned = false;
  for (int32_t left; (left = pending_acks_.load(std::memory_order_acquire)) != 0;) {
    futex_wait_for(pending_acks_, left, 100'000'000);
    const auto waited = std::chrono::steady_clock::now() - start;
    if (!warned && waited >= ack_warning_after()) {
      warned = true;
      report_unacknowledged(std::chrono::duration_cast<std::chrono::nanoseconds>(waited));
    }
  }
}

namespace {

std::string task_file(pid_t tid, const char* name) {
  std::ifstream f("/proc/self/task/" + std::to_string(tid) + "/" + name);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return text;
}

// The signal mask of thread `tid` has `signo` blocked ("SigBlk:" in status).
bool blocks_signal(pid_t tid, int signo) {
  const std::string status = task_file(tid, "status");
  const auto at = status.find("SigBlk:");
  if (at == std::string::npos) return false;
  const unsigned long long mask = std::strtoull(status.c_str() + at + 7, nullptr, 16);
  return (mask >> (signo - 1)) & 1;
}

// The thread's scheduler state letter ('T' stopped, 't' traced, ...).
char scheduler_state(pid_t tid) {
  const std::string stat = task_file(tid, "stat");
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

}  // namespace

void signal_rcu::report_unacknowledged(std::chrono::nanoseconds waited) {
  const int signo = signal_number();
  struct sigaction current {};
  sigaction(signo, nullptr, &current);
  const bool handler_replaced = current.sa_handler != &on_signal;
  registry().for_each_locked([&](phase_reader& r) {
    if (r.need_barrier.load(std::memory_order_acquire) == 0) return;
    std::string name = task_file(r.tid, "comm");
    if (!name.empty() && name.back() == '\n') name.pop_back();
    const char state = scheduler_state(r.tid);
    std::string why;
    if (handler_replaced)
      why = "the signal's handler was replaced after the backend installed it";
    else if (blocks_signal(r.tid, signo))
      why = "the thread blocks the signal (pthread_sigmask/sigprocmask after registering)";
    else if (state == 'T' || state == 't')
      why = "the thread is stopped (SIGSTOP or a debugger)";
    else
      why = "the thread has not run since it was signalled (an oversubscribed or starved CPU)";
    std::fprintf(stderr,
                 "rculab: signal: a grace period has waited %.1f s for thread %d (%s) to acknowledge "
                 "signal %d: %s; still waiting\n",
                 double(waited.count()) * 1e-9, int(r.tid), name.c_str(), signo, why.c_str());
  });
}

}  // namespace rculab
