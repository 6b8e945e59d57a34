/* ckrcu: Concurrency Kit's ck_epoch (libck 0.7.1) behind the lab's C ABI.
 *
 * Mapping:
 *   register_thread    a record per thread: one a departed thread freed
 *                      (ck_epoch_recycle), else a new one (ck_epoch_register).
 *                      ck never frees records: memory follows the peak number
 *                      of registered threads.
 *   unregister_thread  ck_epoch_unregister: the record is free for the next.
 *   read_lock/unlock   ck_epoch_begin/ck_epoch_end on the thread's record,
 *                      without a section object (NULL): ck counts nesting in
 *                      the record's `active`. Sections would let a record
 *                      straddle two epochs; RCU's read side has nowhere to
 *                      keep one, and back-to-back sections re-read the epoch.
 *   synchronize        ck_epoch_synchronize_wait (what ck_epoch_synchronize
 *                      runs) with a wait callback: while a record holds the
 *                      epoch it spins briefly, then sleeps, where ck would
 *                      spin (wait_for_holder).
 *   call / barrier     see "Callbacks".
 *
 * Callbacks. ck_epoch_call pushes onto a list of the caller's own record
 * (no atomics: only the owner may push), and callbacks run only when the
 * owner calls ck_epoch_poll, ck_epoch_barrier or ck_epoch_reclaim on it.
 * RCU's call() may come from any thread, which may exit at once, and
 * barrier() covers every thread's callbacks. So one deferral thread owns one
 * record: call() pushes the head onto a lock-free list; the thread takes the
 * whole list, hands it to ck as one entry (ck_epoch_call on its record) and
 * calls ck_epoch_poll, again every POLL_INTERVAL_NS while entries wait,
 * sleeping when none do. ck runs the entries of one epoch newest first, so
 * its callback only marks a batch ready; the thread then runs ready batches
 * oldest first, each in queue order: callbacks run in the order call() queued
 * them. barrier() sends a marker down the same list; reaching it, the thread
 * runs ck_epoch_barrier_wait on its record (a grace period, then every
 * pending entry) and wakes the caller. Callbacks run on the deferral thread,
 * which is a registered reader (a callback may read).
 *
 * Where ck_epoch differs from RCU (and the lab's traits say so):
 *   - callbacks belong to a record and run only when its owner polls: the
 *     deferral thread above is the adapter's, not ck's;
 *   - a record's deferral lists are stacks: ck runs one epoch's entries
 *     newest first (the batches above put callbacks back in queue order);
 *   - sections must be bracketed by begin/end on a registered record; a
 *     thread that exits inside one holds every later grace period;
 *   - ck counts epochs, not grace periods (a grace period is two or three
 *     ticks): no grace-period count, and concurrent synchronize() calls
 *     share ticks only by chance;
 *   - no fork story: the pthread_atfork handlers below restart the deferral
 *     thread in the child, which adopts its record and pending callbacks;
 *     readers must be outside their sections at fork(), as for liburcu.
 *
 * Barriers. ck_epoch_begin: xchg on `active` (ck's fence for TSO), a full
 * barrier per outermost section, pairing with the fence in ck's scan of the
 * records (ck_epoch_synchronize_wait, ck_epoch_poll). ck_epoch_end: release
 * fence, then the store. Our hand-off: call()'s seq_cst push pairs with the
 * deferral thread's acquire exchange (the head, and the removal before it,
 * are visible before the head is handed to ck); the `sleeping` flag is a
 * Dekker pair with the push (see rest()).
 */
#define _GNU_SOURCE
#include "ckrcu.h"

#include <ck_epoch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CKRCU_CHECKS 1
#else
#define CKRCU_CHECKS 0
#endif

enum { POLL_INTERVAL_NS = 1000000, SPIN_ROUNDS = 100, MAX_SLEEP_NS = 1000000 };

static ck_epoch_t epoch;
static _Thread_local ck_epoch_record_t *record;
static _Thread_local bool on_deferral_thread;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* The deferral thread's state. Lock order: fork_mu, then mu. */
static _Atomic(struct rculab_head *) incoming;
static atomic_bool sleeping;       /* the thread waits for work (Dekker with the push) */
static atomic_bool worker_running;
static ck_epoch_record_t *worker_record; /* kept across fork(): the child adopts it */
static pthread_mutex_t fork_mu = PTHREAD_MUTEX_INITIALIZER; /* held while it works */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static bool wake_requested;        /* under mu */

/* One list taken from call()s, in queue order: what ck sees as one entry. */
struct batch {
  ck_epoch_entry_t entry; /* first: batch_ready casts back from the entry */
  uint64_t seq;
  struct rculab_head *first;
  struct batch *next_ready;
};
static uint64_t next_seq;   /* the deferral thread's */
static struct batch *ready; /* dispatched by ck, oldest first; the deferral thread's */

struct barrier_marker {
  struct rculab_head head; /* first: the thread casts back from the head */
  bool done;               /* under mu */
};

_Noreturn static void misuse(const char *what) {
  fprintf(stderr, "rculab: ck_epoch: misuse: %s\n", what);
  abort();
}

static void marker_func(struct rculab_head *head) { (void)head; } /* never called: identifies markers */

static void fork_prepare(void) {
  pthread_mutex_lock(&fork_mu);
  pthread_mutex_lock(&mu);
}

static void fork_parent(void) {
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&fork_mu);
}

/* The deferral thread did not survive fork(): fresh locks, and the next
 * call() or barrier() starts another, which adopts worker_record. */
static void fork_child(void) {
  pthread_mutex_init(&fork_mu, NULL);
  pthread_mutex_init(&mu, NULL);
  pthread_cond_init(&work_cv, NULL);
  pthread_cond_init(&done_cv, NULL);
  wake_requested = false;
  atomic_store(&sleeping, false);
  atomic_store(&worker_running, false);
}

static void init(void) {
  ck_epoch_init(&epoch);
  pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* How long this thread's current grace period has waited (wait_for_holder). */
static _Thread_local unsigned spins;
static _Thread_local long sleep_ns;

static void start_waiting(void) {
  spins = 0;
  sleep_ns = 1000;
}

/* ck's wait hook, called each time a record still holds the epoch. ck would
 * spin; this waits as the lab's own backends do (impls/core/wait.h): a few
 * microseconds of pause (the reader is usually running elsewhere and about to
 * leave), then sleeps from 1 us doubling to 1 ms, so a reader preempted on
 * our own CPU gets to run (a spin or a yield holds that CPU for a time slice). */
static void wait_for_holder(ck_epoch_t *global, ck_epoch_record_t *holder, void *context) {
  (void)global;
  (void)holder;
  (void)context;
  if (spins < SPIN_ROUNDS) {
    spins++;
    ck_pr_stall();
    return;
  }
  struct timespec pause = {0, sleep_ns};
  nanosleep(&pause, NULL);
  if (sleep_ns < MAX_SLEEP_NS) sleep_ns *= 2;
}

static void check_outside_section(const char *what) {
  if (record != NULL && ck_pr_load_uint(&record->active) != 0) misuse(what);
}

void ckrcu_register_thread(void) {
  pthread_once(&init_once, init);
  ck_epoch_record_t *r = ck_epoch_recycle(&epoch, NULL);
  if (r == NULL) {
    size_t size = (sizeof *r + CK_MD_CACHELINE - 1) / CK_MD_CACHELINE * CK_MD_CACHELINE;
    r = aligned_alloc(CK_MD_CACHELINE, size);
    if (r == NULL) misuse("out of memory for an epoch record");
    memset(r, 0, size);
    ck_epoch_register(&epoch, r, NULL);
  }
  record = r;
}

void ckrcu_unregister_thread(void) {
  if (CKRCU_CHECKS) check_outside_section("unregister_thread() inside a read-side section");
  ck_epoch_unregister(record);
  record = NULL;
}

void ckrcu_read_lock(void) {
  if (CKRCU_CHECKS && record == NULL) misuse("read_lock() from an unregistered thread");
  ck_epoch_begin(record, NULL);
}

void ckrcu_read_unlock(void) { ck_epoch_end(record, NULL); }

void ckrcu_synchronize(void) {
  pthread_once(&init_once, init);
  check_outside_section("synchronize() inside a read-side section (it would wait for itself)");
  start_waiting();
  ck_epoch_synchronize_wait(&epoch, wait_for_holder, NULL);
}

/* ---- the deferral thread ------------------------------------------------ */

static struct rculab_head *reversed(struct rculab_head *h) {
  struct rculab_head *out = NULL;
  while (h != NULL) {
    struct rculab_head *next = h->next;
    h->next = out;
    out = h;
    h = next;
  }
  return out;
}

/* ck's callback for a batch, run inside ck_epoch_poll/_barrier_wait on the
 * deferral thread: keeps the ready list in queue order (ck runs one epoch's
 * entries newest first). */
static void batch_ready(ck_epoch_entry_t *entry) {
  struct batch *b = (struct batch *)entry;
  struct batch **at = &ready;
  while (*at != NULL && (*at)->seq < b->seq) at = &(*at)->next_ready;
  b->next_ready = *at;
  *at = b;
}

static void run_ready(void) {
  while (ready != NULL) {
    struct batch *b = ready;
    ready = b->next_ready;
    for (struct rculab_head *h = b->first; h != NULL;) {
      struct rculab_head *next = h->next; /* the callback may free it */
      h->func(h);
      h = next;
    }
    free(b);
  }
}

static void hand_to_ck(struct rculab_head *first) {
  if (first == NULL) return;
  struct batch *b = malloc(sizeof *b);
  if (b == NULL) misuse("out of memory for a callback batch");
  b->seq = next_seq++;
  b->first = first;
  ck_epoch_call(record, &b->entry, batch_ready);
}

static void finish_barrier(struct barrier_marker *marker) {
  start_waiting();
  ck_epoch_barrier_wait(record, wait_for_holder, NULL);
  run_ready();
  pthread_mutex_lock(&mu);
  marker->done = true;
  pthread_cond_broadcast(&done_cv);
  pthread_mutex_unlock(&mu);
}

/* Hands the heads to ck in the order call() queued them, one batch between
 * markers; a marker first flushes everything before it. */
static void feed(struct rculab_head *h) {
  struct rculab_head *first = NULL, **last = &first;
  while (h != NULL) {
    struct rculab_head *next = h->next;
    if (h->func == marker_func) {
      hand_to_ck(first);
      first = NULL;
      last = &first;
      finish_barrier((struct barrier_marker *)h);
    } else {
      h->next = NULL;
      *last = h;
      last = &h->next;
    }
    h = next;
  }
  hand_to_ck(first);
}

/* Sleeps until there is work: indefinitely if no callback waits, else at
 * most POLL_INTERVAL_NS (a barrier wakes it early). */
static void rest(bool callbacks_wait) {
  pthread_mutex_lock(&mu);
  if (!callbacks_wait) {
    /* seq_cst store, then load of incoming: with call()'s seq_cst push then
     * load of `sleeping`, one of the two sees the other. */
    atomic_store(&sleeping, true);
    while (!wake_requested && atomic_load(&incoming) == NULL) pthread_cond_wait(&work_cv, &mu);
    atomic_store(&sleeping, false);
  } else if (!wake_requested) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += POLL_INTERVAL_NS;
    if (until.tv_nsec >= 1000000000) {
      until.tv_sec += 1;
      until.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&work_cv, &mu, &until);
  }
  wake_requested = false;
  pthread_mutex_unlock(&mu);
}

static void *deferral_main(void *unused) {
  (void)unused;
  pthread_setname_np(pthread_self(), "ckrcu-deferral");
  on_deferral_thread = true;
  if (worker_record != NULL) {
    record = worker_record; /* after fork(): the parent's thread's, with its callbacks */
  } else {
    ckrcu_register_thread();
    worker_record = record;
  }
  for (;;) {
    pthread_mutex_lock(&fork_mu);
    /* acquire: pairs with call()'s push; the heads' fields are visible. */
    feed(reversed(atomic_exchange_explicit(&incoming, NULL, memory_order_acquire)));
    if (record->n_pending != 0) ck_epoch_poll(record);
    run_ready();
    bool callbacks_wait = record->n_pending != 0;
    pthread_mutex_unlock(&fork_mu);
    if (atomic_load_explicit(&incoming, memory_order_relaxed) == NULL) rest(callbacks_wait);
  }
  return NULL;
}

static void ensure_deferral_thread(void) {
  pthread_once(&init_once, init);
  if (atomic_load_explicit(&worker_running, memory_order_acquire)) return;
  pthread_mutex_lock(&mu);
  if (!atomic_load_explicit(&worker_running, memory_order_relaxed)) {
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, deferral_main, NULL) != 0) misuse("cannot start the deferral thread");
    pthread_attr_destroy(&attr);
    atomic_store_explicit(&worker_running, true, memory_order_release);
  }
  pthread_mutex_unlock(&mu);
}

static void push(struct rculab_head *head) {
  struct rculab_head *old = atomic_load_explicit(&incoming, memory_order_relaxed);
  do {
    head->next = old;
  } while (!atomic_compare_exchange_weak(&incoming, &old, head)); /* seq_cst: see rest() */
}

static void wake(void) {
  pthread_mutex_lock(&mu);
  wake_requested = true;
  pthread_cond_signal(&work_cv);
  pthread_mutex_unlock(&mu);
}

void ckrcu_call(struct rculab_head *head, rculab_callback *func) {
  ensure_deferral_thread();
  head->func = func;
  push(head);
  if (atomic_load(&sleeping)) wake();
}

void ckrcu_barrier(void) {
  check_outside_section("barrier() inside a read-side section (its grace period waits for it)");
  if (on_deferral_thread) misuse("barrier() inside a callback (the deferral thread would wait for itself)");
  ensure_deferral_thread();
  struct barrier_marker marker = {.head = {.next = NULL, .func = marker_func}, .done = false};
  push(&marker.head);
  pthread_mutex_lock(&mu);
  wake_requested = true;
  pthread_cond_signal(&work_cv);
  while (!marker.done) pthread_cond_wait(&done_cv, &mu);
  pthread_mutex_unlock(&mu);
}
