#include "impls/ptmutex/ptmutex.h"

#include <mutex>

#include "impls/core/thread_exit.h"

namespace rculab {

reader_registry<ptmutex_reader>& ptmutex::registry() {
  static constinit reader_registry<ptmutex_reader> r;
  return r;
}

void ptmutex::register_thread() {
  if (tls_reader_.registered) return;
  registry().add(&tls_reader_);
  tls_reader_.registered = true;
  run_at_thread_exit(&unregister_thread);
}

void ptmutex::unregister_thread() {
  if (!tls_reader_.registered) return;
  if (kChecks && tls_reader_.nesting != 0) misuse(kName, "unregister_thread() inside a read-side section");
  registry().remove(&tls_reader_);
  tls_reader_.registered = false;
}

void ptmutex::synchronize() {
  batcher().synchronize([] {
    std::lock_guard lock(registry().mutex());
    registry().for_each_locked([](ptmutex_reader& r) {
      r.updater_waiting.store(true, std::memory_order_relaxed);  // the reader yields its next turn
      pthread_mutex_lock(&r.mutex);  // waits for a reader inside its section
      pthread_mutex_unlock(&r.mutex);
      r.updater_waiting.store(false, std::memory_order_relaxed);
    });
  });
}

}  // namespace rculab
