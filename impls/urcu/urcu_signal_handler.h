// Whether liburcu-signal's SIGUSR1 handler is still the one installed.
#pragma once

#include <string>

namespace rculab {

// Empty while SIGUSR1 still has the handler liburcu-signal installed at
// load; otherwise why urcu-signal's grace periods cannot work.
std::string urcu_signal_handler_problem();

}  // namespace rculab
