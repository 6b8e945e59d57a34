/* The C ABI of an out-of-tree backend (docs/byob.md): what a scheme written
 * in C implements so the lab can torture and measure it. The lab wraps these
 * functions in one adapter (impls/c_abi/c_abi_backend.h); the descriptor's
 * `prefix` names them: prefix_register_thread(), ...
 *
 * Contract (the same as the C++ concept's, impls/core/backend.h):
 *   register_thread / unregister_thread  every thread that reads, calls
 *       synchronize or call is registered; it unregisters before it exits.
 *   read_lock / read_unlock  a read-side section; sections nest.
 *   synchronize  returns after every section that began before it ended.
 *       Never called inside a section.
 *   call(head, func)  runs func(head) once, after a grace period, on any
 *       thread, without the caller doing anything more (no polling by the
 *       caller: the lab's callers may exit right after). May be called inside
 *       a section and from any registered thread.
 *   barrier  returns after every callback queued before it (by any thread)
 *       has run. Never called inside a section.
 *   QSBR only (descriptor: quiescent_states = yes): quiescent_state,
 *       thread_offline, thread_online.
 *
 * Copy this header next to a prebuilt library if you like: it is the whole
 * contract, and it has no dependency on the lab. */
#ifndef RCULAB_BACKEND_H
#define RCULAB_BACKEND_H

#ifdef __cplusplus
extern "C" {
#endif

/* The lab's callback node, laid out as rculab::rcu_head (a next pointer,
 * then the callback). The backend may use both fields while the callback is
 * pending; the lab reads neither once it has handed the head to call(). */
struct rculab_head {
  struct rculab_head *next;
  void (*func)(struct rculab_head *);
};
typedef void rculab_callback(struct rculab_head *);

/* Declares the seven functions every backend provides, e.g.
 * RCULAB_DECLARE_BACKEND(my_rcu) declares my_rcu_register_thread() ... */
#define RCULAB_DECLARE_BACKEND(P)                                  \
  void P##_register_thread(void);                                  \
  void P##_unregister_thread(void);                                \
  void P##_read_lock(void);                                        \
  void P##_read_unlock(void);                                      \
  void P##_synchronize(void);                                      \
  void P##_call(struct rculab_head *head, rculab_callback *func); \
  void P##_barrier(void);

/* And the three of a QSBR backend. */
#define RCULAB_DECLARE_QSBR(P)      \
  void P##_quiescent_state(void); \
  void P##_thread_offline(void);  \
  void P##_thread_online(void);

#ifdef __cplusplus
}
#endif

#endif /* RCULAB_BACKEND_H */
