#include "impls/qsbr/qsbr.h"

#include <mutex>

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

void qsbr::run_grace_period() {
  std::lock_guard lock(registry().mutex());
  // seq_cst RMW: a full barrier ordering the caller's removal before the new
  // count (and before the scan); pairs with thread_online()'s fence.
  const uint64_t target = global_.value.fetch_add(1, std::memory_order_seq_cst) + 1;
  registry().for_each_locked([target](qsbr_reader& r) {
    backoff_waiter waiter;
    for (;;) {
      const uint64_t seen = r.ctr.load(std::memory_order_acquire);  // pairs with reader's release
      if (seen == 0 || seen == target) break;
      waiter.wait();
    }
  });
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
