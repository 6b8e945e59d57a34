#include "impls/urcu/urcu_signal_handler.h"

#include <csignal>

namespace rculab {
namespace {

// Shared libraries' constructors run before the executable's static
// initializers, so this sees the handler liburcu-signal installed (if any).
struct sigaction handler_at_load() {
  struct sigaction sa {};
  sigaction(SIGUSR1, nullptr, &sa);
  return sa;
}
const struct sigaction& at_load() {
  static const struct sigaction sa = handler_at_load();
  return sa;
}
// Captured during static initialization, before main() can install anything.
[[maybe_unused]] const bool kCaptured = (at_load(), true);

bool is_real_handler(const struct sigaction& sa) {
  return (sa.sa_flags & SA_SIGINFO) ? sa.sa_sigaction != nullptr
                                    : (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
}

bool same_handler(const struct sigaction& a, const struct sigaction& b) {
  return (a.sa_flags & SA_SIGINFO) == (b.sa_flags & SA_SIGINFO) &&
         ((a.sa_flags & SA_SIGINFO) ? a.sa_sigaction == b.sa_sigaction
                                    : a.sa_handler == b.sa_handler);
}

}  // namespace

std::string urcu_signal_handler_problem() {
  if (!is_real_handler(at_load())) return "liburcu-signal installed no SIGUSR1 handler at load";
  struct sigaction now {};
  sigaction(SIGUSR1, nullptr, &now);
  if (!same_handler(now, at_load()))
    return "SIGUSR1's handler was replaced after load; liburcu-signal needs its own there";
  return {};
}

}  // namespace rculab
