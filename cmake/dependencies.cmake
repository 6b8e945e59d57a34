# Every dependency is a Debian package; a missing one stops here with one line
# that names the package to install.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install -y pkg-config")
endif()

macro(rculab_require_pkg var module debian_package)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install -y ${debian_package}")
  endif()
endmacro()

rculab_require_pkg(HWLOC hwloc libhwloc-dev)
foreach(flavor qsbr mb memb signal bp)
  string(TOUPPER ${flavor} upper)
  rculab_require_pkg(URCU_${upper} liburcu-${flavor} liburcu-dev)
endforeach()

find_package(Threads REQUIRED)
find_package(benchmark QUIET)
if(NOT benchmark_FOUND)
  message(FATAL_ERROR "Google Benchmark not found: apt-get install -y libbenchmark-dev")
endif()
find_package(GTest QUIET)
if(NOT GTest_FOUND)
  message(FATAL_ERROR "GoogleTest not found: apt-get install -y libgtest-dev")
endif()
