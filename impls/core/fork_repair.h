// fork(): what the child of a multi-threaded parent inherits is one thread
// (the one that called fork) and a copy of all memory, including state the
// parent's other threads were in the middle of: a mutex one of them held, a
// grace period one of them was running, their reader records (a grace period
// in the child would wait for, or signal, threads that do not exist), a
// call_rcu worker that is gone. Each piece of such process-wide state
// registers a repair here; the repairs run in the child right after fork()
// (a pthread_atfork child handler), in the order they were registered, before
// the child's code goes on. So the child can use every backend of ours at
// once: synchronize, call_rcu (a fresh worker starts on first use) and barrier.
//
// No prepare handler on purpose: taking the backends' locks before fork()
// would wait for a grace period that may wait for the very thread calling
// fork() (an online QSBR reader, or a reader inside a section). The price:
// callbacks the parent's worker had already taken into a batch when fork()
// ran are not run in the child (they stay counted as pending there).
//
// Only immortal objects may register (the repairs are never removed).
#pragma once

namespace rculab {

void repair_after_fork(void (*repair)(void* object), void* object);

}  // namespace rculab
