#include "bench/rculab-core/host.h"

#include <gnu/libc-version.h>
#include <hwloc.h>
#include <limits.h>
#include <link.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "bench/registry/registry.h"
#include "impls/core/barrier.h"
#include "impls/urcu/urcu_reference.h"

#ifndef RCULAB_BENCHMARK_VERSION
#define RCULAB_BENCHMARK_VERSION "unknown"
#endif

namespace rculab {
namespace {

std::string version_text(unsigned v) {
  return std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
}

// hwloc's own release, from the library actually loaded: the header's
// HWLOC_API_VERSION (and hwloc_get_api_version()) only name the API, e.g.
// 2.8.0 for every hwloc 2.8 to 2.11.
std::string root_info(const topology& topo, const char* name) {
  const char* v = hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo.get()), name);
  return v ? v : "";
}

// Real file names of the loaded shared objects that matter to the results
// (libstdc++.so.6.0.30, libhwloc.so.15.6.1, ...): runtime versions, whatever
// the headers said. hwloc's plugins pull in X11, OpenCL, ...: left out.
bool of_interest(const std::string& name) {
  for (const char* stem : {"libc.so", "libstdc++.so", "libgcc_s.so", "libhwloc.so", "libbenchmark.so", "liburcu"})
    if (name.rfind(stem, 0) == 0) return true;
  return false;
}

std::set<std::string> loaded_objects() {
  std::set<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        if (!info->dlpi_name || !*info->dlpi_name) return 0;
        char real[PATH_MAX];
        const char* path = realpath(info->dlpi_name, real) ? real : info->dlpi_name;
        const char* base = std::strrchr(path, '/');
        const std::string name = base ? base + 1 : path;
        if (of_interest(name)) static_cast<std::set<std::string>*>(out)->insert(name);
        return 0;
      },
      &names);
  return names;
}

// "6.0.30" from "libstdc++.so.6.0.30"; "" if that library is not loaded.
std::string soname_version(const std::set<std::string>& objects, const std::string& stem) {
  const std::string prefix = stem + ".so.";
  for (const std::string& name : objects)
    if (name.rfind(prefix, 0) == 0) return name.substr(prefix.size());
  return "";
}

struct cache_kind {
  unsigned level;
  std::string type;
  uint64_t size, line_size;
  int associativity;
  unsigned pus_each;
  auto key() const { return std::tie(level, type, size, line_size, associativity, pus_each); }
  bool operator<(const cache_kind& o) const { return key() < o.key(); }
};

const char* cache_type_name(hwloc_obj_cache_type_t t) {
  switch (t) {
    case HWLOC_OBJ_CACHE_DATA: return "data";
    case HWLOC_OBJ_CACHE_INSTRUCTION: return "instruction";
    default: return "unified";
  }
}

// Every cache, grouped by identical kind (level, type, size, line, ways, PUs sharing one).
std::map<cache_kind, unsigned> caches(const topology& topo) {
  std::map<cache_kind, unsigned> kinds;
  const int depth_count = hwloc_topology_get_depth(topo.get());
  for (int d = 0; d < depth_count; ++d) {
    if (!hwloc_obj_type_is_cache(hwloc_get_depth_type(topo.get(), d))) continue;
    for (hwloc_obj_t o = nullptr; (o = hwloc_get_next_obj_by_depth(topo.get(), d, o));) {
      const auto& c = o->attr->cache;
      ++kinds[{c.depth, cache_type_name(c.type), c.size, c.linesize, c.associativity,
               unsigned(hwloc_bitmap_weight(o->cpuset))}];
    }
  }
  return kinds;
}

void write_topology(json_writer& j, const topology& topo) {
  const int numa = hwloc_get_nbobjs_by_type(topo.get(), HWLOC_OBJ_NUMANODE);
  j.key("topology").begin_object()
      .key("packages").value(uint64_t{topo.package_count()})
      .key("cores").value(uint64_t{topo.core_count()})
      .key("pus").value(uint64_t{topo.pu_count()})
      .key("smt").value(topo.pu_count() > topo.core_count())
      .key("numa_nodes").value(uint64_t(numa > 0 ? numa : 0))
      .key("numa_memory_bytes").begin_array();
  for (int i = 0; i < numa; ++i)
    j.value(uint64_t{hwloc_get_obj_by_type(topo.get(), HWLOC_OBJ_NUMANODE, unsigned(i))->attr->numanode.local_memory});
  j.end_array().key("caches").begin_array();
  for (const auto& [c, count] : caches(topo))
    j.begin_object().key("level").value(uint64_t{c.level}).key("type").value(c.type)
        .key("size_bytes").value(c.size).key("line_bytes").value(c.line_size)
        .key("ways").value(uint64_t(c.associativity > 0 ? c.associativity : 0))
        .key("pus_each").value(uint64_t{c.pus_each}).key("count").value(uint64_t{count}).end_object();
  j.end_array().key("synthetic").value(topo.synthetic_description()).end_object();
}

void write_libraries(json_writer& j, const topology& topo) {
  const std::set<std::string> objects = loaded_objects();
  j.key("libraries").begin_object()
      .key("hwloc").value(root_info(topo, "hwlocVersion"))
      .key("hwloc_api").value(version_text(hwloc_get_api_version()))
      .key("glibc").value(gnu_get_libc_version())
      .key("libstdcxx").value(soname_version(objects, "libstdc++"))
      .key("liburcu").value(kLiburcuVersion)
      .key("benchmark").value(RCULAB_BENCHMARK_VERSION)
      .key("shared_objects").begin_array();
  for (const std::string& name : objects) j.value(name);
  j.end_array().end_object();
}

void write_build(json_writer& j) {
#if defined(__clang__)
  constexpr const char* kCompilerId = "clang";
#elif defined(__GNUC__)
  constexpr const char* kCompilerId = "gcc";
#else
  constexpr const char* kCompilerId = "unknown";
#endif
  j.key("build").begin_object().key("compiler_id").value(kCompilerId).key("compiler").value(__VERSION__);
#if defined(__GLIBCXX__)
  j.key("libstdcxx_release").value(uint64_t{_GLIBCXX_RELEASE}).key("libstdcxx_date").value(uint64_t{__GLIBCXX__});
#endif
  j.key("full_fence").value(full_fence_name()).end_object();
}

void write_membarrier(json_writer& j) {
  static constexpr std::pair<int, const char*> kCommands[] = {
      {MEMBARRIER_CMD_GLOBAL, "global"},
      {MEMBARRIER_CMD_GLOBAL_EXPEDITED, "global_expedited"},
      {MEMBARRIER_CMD_PRIVATE_EXPEDITED, "private_expedited"},
      {MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, "private_expedited_sync_core"},
      {MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, "private_expedited_rseq"},
  };
  const long mask = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  const int err = errno;
  j.key("membarrier").begin_object().key("supported").value(mask >= 0);
  if (mask < 0) j.key("error").value(std::strerror(err));
  j.key("commands").begin_array();
  for (const auto& [bit, name] : kCommands)
    if (mask >= 0 && (mask & bit)) j.value(name);
  j.end_array();
  if (const backend_entry* memb = find_backend("memb")) j.key("memb_backend").value(memb->mode());
  j.end_object();
}

}  // namespace

void write_host_facts(json_writer& j, const topology& topo) {
  j.begin_object().key("architecture").value(root_info(topo, "Architecture"));
  write_topology(j, topo);
  write_libraries(j, topo);
  write_build(j);
  write_membarrier(j);
  j.end_object();
}

}  // namespace rculab
