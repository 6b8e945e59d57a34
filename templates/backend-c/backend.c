/* @NAME@: a correct, simple RCU to start from (rculab new-backend wrote it).
 *
 * Readers take a global writer-preferring rwlock for reading (only the
 * outermost section: sections nest); a grace period takes it for writing
 * and drops it, which waits for every reader inside. Callbacks go to one
 * deferral thread: it takes the whole queue, waits for a grace period, runs
 * them in order. barrier() waits until everything queued before it has run.
 * Correct, and slow: every section bounces the lock's cache line. Replace
 * the read side and synchronize with your scheme, keep the contract of
 * rculab_backend.h, and the lab's torture gate tells you if it still holds.
 *
 * fork(): the handlers below give the child a fresh lock (read-held again
 * if the forking thread was inside a section) and a new deferral thread;
 * callbacks the parent's thread had taken but not run stay the parent's. */
#define _GNU_SOURCE
#include "backend.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_rwlock_t gp_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static _Thread_local unsigned nesting;

/* The deferral queue and its counters, under mu. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static struct rculab_head *first;
static struct rculab_head **last = &first;
static unsigned long long queued, invoked, taken;
static bool running;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

void @PREFIX@_register_thread(void) {}
void @PREFIX@_unregister_thread(void) {}

/* The lock's acquire and release order the section against grace periods. */
void @PREFIX@_read_lock(void) {
  if (nesting++ == 0) pthread_rwlock_rdlock(&gp_lock);
}

void @PREFIX@_read_unlock(void) {
  if (--nesting == 0) pthread_rwlock_unlock(&gp_lock);
}

void @PREFIX@_synchronize(void) {
  if (nesting != 0) {
    fputs("@NAME@: synchronize() inside a read-side section\n", stderr);
    abort();
  }
  pthread_rwlock_wrlock(&gp_lock);
  pthread_rwlock_unlock(&gp_lock);
}

static void *deferral_main(void *unused) {
  (void)unused;
  pthread_mutex_lock(&mu);
  for (;;) {
    while (first == NULL) pthread_cond_wait(&work_cv, &mu);
    struct rculab_head *batch = first;
    first = NULL;
    last = &first;
    taken = queued - invoked;
    pthread_mutex_unlock(&mu);
    @PREFIX@_synchronize(); /* every reader that could see them has left */
    unsigned long long ran = 0;
    while (batch != NULL) {
      struct rculab_head *next = batch->next; /* the callback may free it */
      batch->func(batch);
      batch = next;
      ran++;
    }
    pthread_mutex_lock(&mu);
    invoked += ran;
    taken = 0;
    pthread_cond_broadcast(&done_cv);
  }
  return NULL;
}

static void fork_prepare(void) { pthread_mutex_lock(&mu); }
static void fork_parent(void) { pthread_mutex_unlock(&mu); }

static void fork_child(void) {
  pthread_rwlock_t fresh = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
  gp_lock = fresh;
  if (nesting != 0) pthread_rwlock_rdlock(&gp_lock);
  pthread_mutex_init(&mu, NULL);
  pthread_cond_init(&work_cv, NULL);
  pthread_cond_init(&done_cv, NULL);
  queued -= taken; /* the batch the parent's thread held is not ours to run */
  taken = 0;
  running = false;
}

static void install_fork_handlers(void) { pthread_atfork(fork_prepare, fork_parent, fork_child); }

/* Under mu. */
static void start_deferral_thread(void) {
  if (running) return;
  pthread_attr_t attr;
  pthread_t thread;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&thread, &attr, deferral_main, NULL) != 0) {
    fputs("@NAME@: cannot start the deferral thread\n", stderr);
    abort();
  }
  pthread_attr_destroy(&attr);
  running = true;
}

void @PREFIX@_call(struct rculab_head *head, rculab_callback *func) {
  pthread_once(&fork_once, install_fork_handlers);
  head->func = func;
  head->next = NULL;
  pthread_mutex_lock(&mu);
  start_deferral_thread();
  *last = head;
  last = &head->next;
  queued++;
  pthread_cond_signal(&work_cv);
  pthread_mutex_unlock(&mu);
}

void @PREFIX@_barrier(void) {
  pthread_once(&fork_once, install_fork_handlers);
  pthread_mutex_lock(&mu);
  const unsigned long long target = queued;
  if (invoked < target) start_deferral_thread(); /* after fork(): queued in the parent */
  while (invoked < target) pthread_cond_wait(&done_cv, &mu);
  pthread_mutex_unlock(&mu);
}
