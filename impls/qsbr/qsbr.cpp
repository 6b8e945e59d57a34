#include "impls/qsbr/qsbr.h"

#include <mutex>

#include "impls/core/futex.h"
#include "impls/core/thread_exit.h"
#include "impls/core/wait.h"

namespace rculab {

reader_registry<qsbr_reader>& qsbr::registry() {
  static constinit reader_registry<qsbr_reader> r;
  return r;
}

void qsbr::register_thread() {
  if (tls_reader_.registered) return;
  registry().add(&tls_reader_);
  tls_reader_.registered = true;
  thread_online();
  run_at_thread_exit(&unregister_thread);
}

void qsbr::unregister_thread() {
  if (!tls_reader_.registered) return;
  thread_offline();  // first: a grace period holding the registry may wait on us
  registry().remove(&tls_reader_);
  tls_reader_.registered = false;
}

void qsbr::wake_updater() noexcept {
  updater_sleeping_.value.store(0, std::memory_order_relaxed);
  futex_wake_all(updater_sleeping_.value);
}

// Returns once `r` is offline or has acknowledged grace period `target`.
void qsbr::wait_for(const qsbr_reader& r, uint64_t target) {
  auto passed = [&] {
    const uint64_t seen = r.ctr.load(std::memory_order_acquire);  // pairs with reader's release
    return seen == 0 || seen == target;
  };
  for (backoff_waiter spin; spin.spinning(); spin.wait())
    if (passed()) return;
  for (;;) {
    // seq_cst store then re-check: pairs with wake_waiting_updater()'s fence.
    updater_sleeping_.value.store(1, std::memory_order_seq_cst);
    if (passed()) break;
    futex_wait(updater_sleeping_.value, 1);
  }
  updater_sleeping_.value.store(0, std::memory_order_relaxed);
}

void qsbr::run_grace_period() {
  std::lock_guard lock(registry().mutex());
  // seq_cst RMW: a full barrier ordering the caller's removal before the new
  // count (and before the scan); pairs with thread_online()'s fence.
  const uint64_t target = global_.value.fetch_add(1, std::memory_order_seq_cst) + 1;
  registry().for_each_locked([target](qsbr_reader& r) { wait_for(r, target); });
}

void qsbr::synchronize() {
  const bool was_online = online();
  if (was_online) thread_offline();
  batcher().synchronize([] { run_grace_period(); });
  if (was_online) thread_online();
}

void qsbr::barrier() {
  const bool was_online = online();
  if (was_online) thread_offline();
  engine().barrier();
  if (was_online) thread_online();
}

}  // namespace rculab
