// Safety net for threads that exit without unregister_thread(): their
// thread-local reader record would dangle in a registry. Backends hand
// their unregister function here on register; it runs at thread exit and
// is a no-op if the thread already unregistered.
//
// Kept apart from the records themselves: those must stay trivially
// destructible so the read side reaches them with a plain %fs-relative
// access instead of a TLS-wrapper call.
#pragma once

#include <algorithm>
#include <vector>

namespace rculab {

class thread_exit_hooks {
 public:
  ~thread_exit_hooks() {
    for (auto fn : hooks_) fn();
  }
  void add(void (*fn)()) {
    if (std::find(hooks_.begin(), hooks_.end(), fn) == hooks_.end()) hooks_.push_back(fn);
  }

 private:
  std::vector<void (*)()> hooks_;
};

inline void run_at_thread_exit(void (*fn)()) {
  thread_local thread_exit_hooks hooks;
  hooks.add(fn);
}

}  // namespace rculab
