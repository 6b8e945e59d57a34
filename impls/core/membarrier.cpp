#include "impls/core/membarrier.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace rculab {
namespace {

long membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0, 0); }

}  // namespace

// Immortal, like the rest of the backends' shared state: the call_rcu worker
// may still run a grace period (and so ask) while static destructors run.
const std::string& membarrier_unavailable_reason() {
  static const std::string* reason = new std::string([]() -> std::string {
    if (const char* off = std::getenv("RCULAB_MEMB_DISABLE"); off && *off && *off != '0')
      return "disabled by RCULAB_MEMB_DISABLE";
    const long cmds = membarrier(MEMBARRIER_CMD_QUERY);
    if (cmds < 0) return std::string("membarrier(2) unsupported: ") + std::strerror(errno);
    if (!(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
      return "membarrier(2) lacks MEMBARRIER_CMD_PRIVATE_EXPEDITED (kernel < 4.14?)";
    if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
      return std::string("membarrier register failed: ") + std::strerror(errno);
    return {};
  }());
  return *reason;
}

void membarrier_all_threads() {
  if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) {
    std::fprintf(stderr, "rculab: membarrier failed: %s\n", std::strerror(errno));
    std::abort();
  }
}

}  // namespace rculab
