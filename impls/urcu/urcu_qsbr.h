// urcu-qsbr: liburcu's qsbr flavor as a reference backend (see urcu_reference.h).
// Empty read side; quiescent states via urcu_qsbr_quiescent_state().
// Include only from this backend's own translation unit.
#pragma once

#define RCULAB_URCU_FLAVOR_HEADER <urcu/urcu-qsbr.h>
#include "impls/urcu/urcu_flavor_include.h"

namespace rculab {

struct urcu_qsbr_flavor {
  static constexpr bool kNeedsQuiescentStates = true;
  static constexpr const char* kDetail = "qsbr flavor, _LGPL_SOURCE inlined";
  RCULAB_URCU_COMMON_OPS(urcu_qsbr)
  static void register_thread() { urcu_qsbr_register_thread(); }
  static void unregister_thread() { urcu_qsbr_unregister_thread(); }
  static void quiescent_state() noexcept { urcu_qsbr_quiescent_state(); }
  static void thread_offline() noexcept { urcu_qsbr_thread_offline(); }
  static void thread_online() noexcept { urcu_qsbr_thread_online(); }
  // 64-bit liburcu: the counter starts at GP_ONLINE and adds GP_CTR per grace period.
  static std::optional<uint64_t> grace_periods() {
    return (CMM_LOAD_SHARED(urcu_qsbr_gp.ctr) - URCU_QSBR_GP_ONLINE) / URCU_QSBR_GP_CTR;
  }
};

struct urcu_qsbr_backend : urcu_reference<urcu_qsbr_flavor> {
  static constexpr const char kName[] = "urcu-qsbr";
};

}  // namespace rculab
