// Safety net for threads that exit without unregister_thread(): their
// thread-local reader record would dangle in a registry. Backends hand
// their exit function here on register; it runs at thread exit and is a
// no-op if the thread already unregistered.
//
// A thread that exits inside a read-side section (a bug in the program: a
// pthread_exit() or an escaping exception past a section) can never leave
// it, and every later grace period would wait for it: our backends end the
// section for it at exit (the thread can no longer touch anything it read),
// say so in one line on stderr, and unregister. The same holds in every
// build; an explicit unregister_thread() inside a section is still a misuse
// (aborts where checks are on). QSBR has no sections: a thread exiting
// online goes offline as it unregisters.
//
// Kept apart from the records themselves: those must stay trivially
// destructible so the read side reaches them with a plain %fs-relative
// access instead of a TLS-wrapper call.
#pragma once

#include <algorithm>
#include <cstdio>
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

// The one line for a thread that exited inside a read-side section.
inline void report_exit_inside_section(const char* backend) noexcept {
  std::fprintf(stderr,
               "rculab: %s: a thread exited inside a read-side section; its section ends with it\n",
               backend);
}

inline void run_at_thread_exit(void (*fn)()) {
  thread_local thread_exit_hooks hooks;
  hooks.add(fn);
}

}  // namespace rculab
