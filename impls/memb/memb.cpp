#include "impls/memb/memb.h"

#include <cstdio>
#include <cstdlib>

#include "impls/core/membarrier.h"

namespace rculab {

std::string memb::unavailable_reason() { return membarrier_unavailable_reason(); }

std::string memb::mode() {
  const std::string& why = membarrier_unavailable_reason();
  return why.empty() ? "membarrier private expedited" : "unavailable (" + why + ")";
}

void memb::require_available() {
  if (const std::string& why = membarrier_unavailable_reason(); !why.empty()) {
    std::fprintf(stderr, "rculab: backend memb is unavailable here: %s\n", why.c_str());
    std::exit(2);
  }
}

void memb::master_barrier() {
  require_available();
  membarrier_all_threads();
}

// The reader's compiler barrier between its counter store and its flag load
// becomes a full fence: either we see it gone or it sees our flag.
bool memb::order_reader(phase_reader&) {
  membarrier_all_threads();
  return true;
}

}  // namespace rculab
