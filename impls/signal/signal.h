// signal: signal-based RCU. The read side has compiler barriers only, like
// memb; the updater makes each registered reader execute a full fence by
// sending it a signal whose handler fences and acknowledges.
//
// Algorithm: the two-phase counter of core/phase_counter.h.
// Barriers:
//   read_lock    compiler barrier after the counter store; the handler's
//                fence promotes it, pairs with master_barrier();
//   handler      full fence, then clears the reader's need_barrier flag and
//                counts down the updater's pending acknowledgements;
//   updater      master_barrier(): flag every reader, signal it, wait for all
//                acknowledgements (spin briefly, then sleep on a futex that
//                the last handler wakes: no timed sleep, unlike liburcu-signal's
//                1 ms polling), then a full fence that pairs with the handlers';
//   order_reader the same for one reader, before an updater sleeps on it:
//                pairs with the compiler barrier between read_unlock's
//                counter store and its flag load (phase_counter.h).
// A reader that does not acknowledge (the signal blocked, its handler
// replaced, the thread stopped) would hold grace periods silently: after
// ack_warning_after() (5 s) the updater names it and the likely cause in one
// stderr line, and keeps waiting.
// The signal is SIGUSR2 by default (liburcu-signal owns SIGUSR1; both run in
// one process), overridable with RCULAB_SIGNAL_NUM or set_signal_number()
// before first use. SA_RESTART keeps readers blocked in restartable syscalls
// from seeing EINTR. Registration unblocks the signal in the reader thread.
// A signal that already has a handler is not taken over: the backend is then
// unavailable and says why.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "impls/core/phase_counter.h"

namespace rculab {

class signal_rcu : public phase_counter_backend<signal_rcu> {
 public:
  static constexpr const char kName[] = "signal";
  static constexpr backend_traits kTraits{};

  static std::string mode();
  static std::string unavailable_reason();
  // Before the first use; returns false (and changes nothing) after it.
  static bool set_signal_number(int signo);
  static int signal_number();

  static void prepare_reader_thread();
  static void reader_barrier() noexcept { compiler_barrier(); }
  static void master_barrier();
  static bool order_reader(phase_reader& r);

  // How long a grace period waits for acknowledgements before it names the
  // readers that have not answered (tests shorten it).
  static std::chrono::nanoseconds ack_warning_after();
  static void set_ack_warning_after(std::chrono::nanoseconds after);

 private:
  static void on_signal(int);
  static void require_available();
  static void signal_reader(const phase_reader& r, int signo);
  static void wait_for_acks();
  static void report_unacknowledged(std::chrono::nanoseconds waited);
  static std::atomic<int32_t> pending_acks_;
};

}  // namespace rculab
