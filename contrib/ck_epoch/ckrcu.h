/* ckrcu: the lab's C ABI (impls/c_abi/rculab_backend.h) over Concurrency
 * Kit's ck_epoch. The design, and where it differs from RCU, is in ckrcu.c. */
#ifndef CKRCU_H
#define CKRCU_H

#include <rculab_backend.h>

#ifdef __cplusplus
extern "C" {
#endif

RCULAB_DECLARE_BACKEND(ckrcu)

#ifdef __cplusplus
}
#endif

#endif /* CKRCU_H */
