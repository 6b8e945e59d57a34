#include "impls/ptmutex/ptmutex.h"

#include <mutex>

#include "impls/core/fork_repair.h"
#include "impls/core/thread_exit.h"

namespace rculab {

reader_registry<ptmutex_reader>& ptmutex::registry() {
  static constinit reader_registry<ptmutex_reader> r;
  static const bool repaired_after_fork = (repair_after_fork(&keep_calling_thread, nullptr), true);
  (void)repaired_after_fork;
  return r;
}

// In the child of fork() (fork_repair.h): only the forking thread's record
// stays. Its mutex may be held by a parent updater that does not exist here
// (unless the thread holds it itself, inside a section): made anew. The
// flag a parent updater raised goes in every case: that updater is not here
// to clear it, and the child's next outermost read_lock would yield forever
// (a thread forking inside its section used to keep it).
void ptmutex::keep_calling_thread(void*) noexcept {
  ptmutex_reader& me = tls_reader_;
  registry().keep_only(me.registered ? &me : nullptr);
  me.updater_waiting.store(false, std::memory_order_relaxed);
  if (me.registered && me.nesting == 0) me.mutex = PTHREAD_MUTEX_INITIALIZER;
}

void ptmutex::register_thread() {
  if (tls_reader_.registered) return;
  registry().add(&tls_reader_);
  tls_reader_.registered = true;
  run_at_thread_exit(&unregister_at_exit);
}

// At thread exit (thread_exit.h): a section the thread never left ends here
// (its mutex would otherwise stay locked, and every grace period wait on it).
void ptmutex::unregister_at_exit() {
  if (!tls_reader_.registered) return;
  if (tls_reader_.nesting != 0) {
    report_exit_inside_section(kName);
    tls_reader_.nesting = 0;
    pthread_mutex_unlock(&tls_reader_.mutex);
  }
  unregister_thread();
}

void ptmutex::unregister_thread() {
  if (!tls_reader_.registered) return;
  if (kChecks && tls_reader_.nesting != 0) misuse(kName, "unregister_thread() inside a read-side section");
  registry().remove(&tls_reader_);
  tls_reader_.registered = false;
}

void ptmutex::synchronize() {
  if (in_read_section())
    misuse(kName, "synchronize() inside a read-side section (it would wait for its own mutex forever)");
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
