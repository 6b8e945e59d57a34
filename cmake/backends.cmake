# The backends of this build: the lab's own (impls/backends.cmake), narrowed
# by RCULAB_BUILTIN_BACKENDS, then the out-of-tree ones (cmake/extra_backends.cmake):
# the contrib folders (ck_epoch) and the user's (RCULAB_EXTRA_BACKENDS).
# Sets, for bench/, tests/ and the test suite:
#   RCULAB_BUILTIN_SPECS       "name|header|type" of the lab's backends built here
#   RCULAB_EXTERNAL_IDENTS     one identifier per out-of-tree backend (ext_<name>)
#   RCULAB_BACKEND_NAMES       every backend's name, in registry order
#   RCULAB_EXTERNAL_NAMES      the out-of-tree ones among them
#   RCULAB_TSAN_VISIBLE_NAMES  those ThreadSanitizer can check (ours but signal,
#                              and out-of-tree ones the lab compiles whole)
include(${PROJECT_SOURCE_DIR}/impls/backends.cmake)
include(${PROJECT_SOURCE_DIR}/cmake/extra_backends.cmake)

set(RCULAB_BUILTIN_BACKENDS "all" CACHE STRING
    "the lab's own backends to build: all, or a ;-list of names from impls/backends.cmake (the C++ tests need all)")

set(RCULAB_BUILTIN_SPECS "")
set(RCULAB_BACKEND_NAMES "")
set(RCULAB_TSAN_VISIBLE_NAMES "")
set(builtin_names "")
foreach(spec IN LISTS RCULAB_BACKENDS)
  string(REPLACE "|" ";" fields "${spec}")
  list(GET fields 0 name)
  list(APPEND builtin_names ${name})
  if(RCULAB_BUILTIN_BACKENDS STREQUAL "all" OR name IN_LIST RCULAB_BUILTIN_BACKENDS)
    list(APPEND RCULAB_BUILTIN_SPECS "${spec}")
    list(APPEND RCULAB_BACKEND_NAMES ${name})
    # liburcu is not built with TSan; signal: see tests/smoke/CMakeLists.txt.
    if(NOT name MATCHES "^urcu-" AND NOT name STREQUAL "signal")
      list(APPEND RCULAB_TSAN_VISIBLE_NAMES ${name})
    endif()
  endif()
endforeach()
if(NOT RCULAB_BUILTIN_BACKENDS STREQUAL "all")
  foreach(name IN LISTS RCULAB_BUILTIN_BACKENDS)
    if(NOT name IN_LIST builtin_names)
      rculab_byob_fail("RCULAB_BUILTIN_BACKENDS: no backend '${name}' in impls/backends.cmake (known: all ${builtin_names})")
    endif()
  endforeach()
endif()

rculab_collect_extra_backends("${builtin_names}")
list(APPEND RCULAB_BACKEND_NAMES ${RCULAB_EXTERNAL_NAMES})
foreach(ident IN LISTS RCULAB_EXTERNAL_IDENTS)
  if(RCULAB_${ident}_INSTRUMENTED AND RCULAB_${ident}_UNAVAILABLE STREQUAL "")
    list(APPEND RCULAB_TSAN_VISIBLE_NAMES ${RCULAB_${ident}_NAME})
  endif()
endforeach()
