#include "impls/qsbr/qsbr.h"

#include <mutex>

#include "impls/core/fork_repair.h"
#include "impls/core/futex.h"
#include "impls/core/thread_exit.h"
#include "impls/core/wait.h"

namespace rculab {

reader_registry<qsbr_reader>& qsbr::registry() {
  static constinit reader_registry<qsbr_reader> r;
  static const bool repaired_after_fork = (repair_after_fork(&keep_calling_thread, nullptr), true);
  (void)repaired_after_fork;
  return r;
}

// In the child of fork() (fork_repair.h): only the forking thread's record
// stays (online or not, as it was); no updater sleeps any more.
void qsbr::keep_calling_thread(void*) noexcept {
  registry().keep_only(tls_reader_.registered ? &tls_reader_ : nullptr);
  updater_sleeping_.value.store(0, std::memory_order_relaxed);
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
    updater_sleeping_.value.store(1, std::memory_order_seq_cst);
    // Store-load fence between announcing that we sleep and re-checking the
    // reader: pairs with wake_waiting_updater()'s fence (the reader stores
    // its counter, fences, loads the flag). Either we see its new counter or
    // it sees our flag and wakes us. A seq_cst store alone does not order a
    // later acquire load of another location (POWER: sync; stw; ld).
    full_fence();
    if (passed()) break;
    futex_wait_for(updater_sleeping_.value, 1, kSafetyNetNs);
    // Passed, yet nobody took the flag: the reader reported without waking
    // us, and only the timer did (a moment's grace for a reader between
    // its store and its wake-up).
    if (passed() && !cleared_within_a_moment(updater_sleeping_.value)) lost_wakeups_.fetch_add(1, std::memory_order_relaxed);
  }
  updater_sleeping_.value.store(0, std::memory_order_relaxed);
}

void qsbr::run_grace_period() {
  std::lock_guard lock(registry().mutex());
  // Full fences on both sides of the increment, not the RMW's own ordering:
  // before it, the caller's removal of the old pointer is ordered before the
  // new count; after it, the count (and the removal) before every load of
  // the scan. The second one pairs with thread_online()'s fence: either the
  // scan sees a reader coming online, or that reader sees the removal. An
  // RMW followed by RCpc acquire loads (Arm's LDAPR) does not give that.
  // (The RMW stays seq_cst, i.e. a release too: that is the hand-off
  // ThreadSanitizer sees for readers' acquire load of the count.)
  full_fence();
  const uint64_t target = global_.value.fetch_add(1, std::memory_order_seq_cst) + 1;
  full_fence();
  registry().for_each_locked([target](qsbr_reader& r) { wait_for(r, target); });
}

// An online caller goes offline for the wait (it would wait for itself) and
// comes back online however the wait ends: an exception that left it
// offline would leave its later reads unprotected.
class qsbr::offline_for_wait {
 public:
  offline_for_wait() noexcept : was_online_(online()) {
    if (was_online_) thread_offline();
  }
  ~offline_for_wait() {
    if (was_online_) thread_online();
  }
  offline_for_wait(const offline_for_wait&) = delete;
  offline_for_wait& operator=(const offline_for_wait&) = delete;

 private:
  const bool was_online_;
};

void qsbr::synchronize() {
  offline_for_wait offline;
  batcher().synchronize([] { run_grace_period(); });
}

void qsbr::barrier() {
  offline_for_wait offline;
  engine().barrier();
}

}  // namespace rculab
