/* @NAME@: the lab's C ABI (rculab_backend.h, in the lab's impls/c_abi/). */
#ifndef @GUARD@
#define @GUARD@

#include <rculab_backend.h>

#ifdef __cplusplus
extern "C" {
#endif

RCULAB_DECLARE_BACKEND(@PREFIX@)

#ifdef __cplusplus
}
#endif

#endif
