# Every backend of the lab, one line each: name|header|C++ type.
# Adding a backend = one folder under impls/ plus one line here; the build
# generates its translation unit and its entry in the runtime registry.
set(RCULAB_BACKENDS
  "qsbr|impls/qsbr/qsbr.h|rculab::qsbr"
  "mb|impls/mb/mb.h|rculab::mb"
  "memb|impls/memb/memb.h|rculab::memb"
  "signal|impls/signal/signal.h|rculab::signal_rcu"
  "rwlock|impls/rwlock/rwlock.h|rculab::rwlock"
  "ptmutex|impls/ptmutex/ptmutex.h|rculab::ptmutex"
  "none|impls/none/none.h|rculab::none"
  "urcu-qsbr|impls/urcu/urcu_qsbr.h|rculab::urcu_qsbr_backend"
  "urcu-mb|impls/urcu/urcu_mb.h|rculab::urcu_mb_backend"
  "urcu-memb|impls/urcu/urcu_memb.h|rculab::urcu_memb_backend"
  "urcu-memb-percpu|impls/urcu/urcu_memb_percpu.h|rculab::urcu_memb_percpu_backend"
  "urcu-signal|impls/urcu/urcu_signal.h|rculab::urcu_signal_backend"
  "urcu-bp|impls/urcu/urcu_bp.h|rculab::urcu_bp_backend"
)
