/* broken-ext: synchronize() returns at once and call() runs the callback at
 * once, so readers see objects freed under them. Exists to show that the
 * lab's checks catch a backend like this. */
#include "broken.h"

void broken_register_thread(void) {}
void broken_unregister_thread(void) {}
void broken_read_lock(void) {}
void broken_read_unlock(void) {}
void broken_synchronize(void) {}
void broken_call(struct rculab_head *head, rculab_callback *func) { func(head); }
void broken_barrier(void) {}
