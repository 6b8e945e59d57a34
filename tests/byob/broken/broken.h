/* broken-ext: the lab's C ABI with no grace periods (see rculab-backend.txt). */
#ifndef BROKEN_BACKEND_H
#define BROKEN_BACKEND_H

#include <rculab_backend.h>

#ifdef __cplusplus
extern "C" {
#endif

RCULAB_DECLARE_BACKEND(broken)

#ifdef __cplusplus
}
#endif

#endif
