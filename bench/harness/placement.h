// Thread placement: which processing unit (PU, a hardware thread) each
// benchmark thread runs on, planned over an hwloc topology and then bound.
//
// Planning is pure logic over the topology tree, so it is unit-tested against
// synthetic and XML topologies (a 448-PU 8-socket box on a 2-core CI machine).
// Binding is real only for this machine: hwloc's synthetic and XML backends
// bind with empty hooks that report success.
//
// The model. Every PU belongs to one core and one package. A machine without a
// Core level (or a PU outside any core) counts each such PU as its own core; a
// machine without a Package level is one package. Levels between package and
// core (NUMA groups, L3/L2 caches, dies, groups) may be any depth; only
// `scatter` looks at them.
//
// Each policy is a fixed order of PUs. Roles (readers, then updaters, then
// call_rcu workers, ...) are planned in the order given; each thread of a role
// takes the first PU of its policy's order that no earlier thread got. When
// every PU of that order is taken the order is walked again from its start
// (oversubscription, pu_slot::shared = true): precisely, a thread gets the
// first PU in its order among those with the fewest threads so far, so a
// second lap spreads as evenly as the first, across roles too. Because the
// order does not depend on the thread count, the plan for N threads is a
// prefix of the plan for N+1: a scaling sweep adds threads, it never moves
// the threads it already had.
//
// The policies, and why each exists:
//   compact  Every PU in hwloc logical order: the SMT siblings of a core, then
//            the next core, package by package. Threads share caches (and
//            cores) as much as possible: the cheapest cache-line transfers, so
//            a lower bound on communication cost and an upper bound on SMT
//            interference.
//   cores    One PU per core: the first PU (lowest logical index) of each
//            core, cores in logical order. Only those PUs are in the order, so
//            more threads than cores wrap onto the same PUs (shared) instead of
//            using SMT siblings. Measures core scaling without SMT effects.
//   scatter  As far apart as possible. The cores are put in spread order by a
//            round-robin over the tree: at every object (machine, package,
//            group, NUMA group, cache) the children's spread orders are
//            interleaved, first core of child 0, first of child 1, ..., then
//            the second of each, and so on (a child that runs out is skipped).
//            So consecutive threads alternate packages, then the caches and
//            cores inside them. The first PU of each core comes in that order;
//            only when every core of every package has one thread do the
//            second SMT siblings come, in the same order, then the third...
//            Maximises private cache and memory bandwidth per thread, and
//            exposes cross-socket coherence costs with few threads.
//            Not hwloc_distrib(): its sets depend on the thread count and come
//            in locality order, so it gives no order whose prefixes are the
//            plans for fewer threads; this round-robin is the same spreading
//            idea made prefix-stable and deterministic.
//   smt      SMT siblings paired: all PUs of a core consecutively, cores in
//            logical order, cores with two or more PUs first; single-PU cores
//            (e.g. hybrid E-cores) come after all SMT cores. Shows what a
//            sibling costs or gives (shared L1/L2, shared pipelines). On a
//            symmetric SMT machine this equals compact; without SMT it equals
//            compact as well.
//
// topology::this_machine() honours the process's CPU binding (taskset,
// hwloc-bind, cgroup cpusets): PUs outside it are not in the topology, so a
// plan never binds a thread where the process was not allowed to run. Load it
// before pinning any thread of this process (the binding it reads is the union
// over the process's threads). hwloc's HWLOC_XMLFILE / HWLOC_SYNTHETIC
// environment variables replace this machine too; is_this_system() says so.
//
// Binding errors are returned as text, never thrown: the harness records a
// failed pin with the result instead of hiding it (a silent pinning failure is
// one of the classic benchmark traps).
#pragma once

#include <hwloc.h>
#include <pthread.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rculab {

enum class placement_policy { compact, scatter, cores, smt };

// "compact" | "scatter" | "cores" | "smt"; anything else is nullopt.
std::optional<placement_policy> parse_placement_policy(std::string_view name);
std::string_view to_string(placement_policy policy);

// RAII owner of a loaded hwloc_topology_t; movable, not copyable.
class topology {
 public:
  // The machine we run on, restricted to the process's CPU binding.
  // Throws std::runtime_error naming the hwloc call that failed.
  static topology this_machine();
  // The machine we run on, whole: the process's CPU binding ignored (a host
  // profile must not change under `taskset`). Throws like this_machine().
  static topology whole_machine();
  // hwloc synthetic description, e.g. "pack:2 numa:1 core:16 pu:2" or
  // "pack:8 core:28 pu:2(indexes=2*224:1*2)" (Linux-style sibling numbering).
  // Throws std::invalid_argument on a description hwloc rejects. Note: hwloc
  // ignores a malformed indexes= attribute silently (default numbering).
  static topology synthetic(const std::string& description);
  // An hwloc XML export (lstopo --of xml, hw-profiles/<id>/topology.xml).
  // Throws std::runtime_error if it cannot be read or loaded.
  static topology from_xml(const std::string& path);

  topology(topology&& other) noexcept;
  topology& operator=(topology&& other) noexcept;
  topology(const topology&) = delete;
  topology& operator=(const topology&) = delete;
  ~topology();

  hwloc_topology_t get() const noexcept { return topo_; }
  // Binding is real only then (synthetic/XML binding is a no-op in hwloc).
  bool is_this_system() const noexcept;

  unsigned pu_count() const;
  unsigned core_count() const;     // PUs outside any core count as cores
  unsigned package_count() const;  // at least 1
  // hwloc_topology_export_synthetic(); "" if the topology is not symmetric.
  std::string synthetic_description() const;
  // hwloc_topology_export_xml() to `path` (loadable by from_xml). Throws
  // std::runtime_error if hwloc cannot write it.
  void export_xml(const std::string& path) const;

 private:
  explicit topology(hwloc_topology_t t) noexcept : topo_(t) {}
  hwloc_topology_t topo_ = nullptr;
};

struct role_request {
  std::string role;  // "readers", "updaters", "call_rcu", ...
  unsigned threads;
  placement_policy policy;
};

struct pu_slot {
  std::string role;
  unsigned index_in_role;
  unsigned pu_os_index;       // P#: what the OS and taskset call the CPU
  unsigned pu_logical_index;  // L#: hwloc's topology order
  unsigned core_logical_index;
  unsigned package_logical_index;
  bool shared;  // this PU was already given to an earlier thread (oversubscription)
};

// Deterministic plan: one slot per requested thread, roles in the given order,
// threads of a role in index order. Throws std::invalid_argument if threads
// are requested on a topology without PUs.
std::vector<pu_slot> plan_placement(const topology& topo, const std::vector<role_request>& roles);

// The PUs of one policy's order (see the opening comment), as logical indexes.
std::vector<unsigned> placement_order(const topology& topo, placement_policy policy);

// Bind the calling thread / another thread to one PU, given by OS index.
// Returns "" on success, else the error text (strerror of hwloc's errno, or
// a note that the PU is not in the topology).
std::string bind_current_thread(const topology& topo, unsigned pu_os_index);
std::string bind_thread(const topology& topo, pthread_t thread, unsigned pu_os_index);

// Where the calling thread last ran: PU OS index, or -1 if unknown (including
// topologies that are not this system).
int last_pu_of_current_thread(const topology& topo);
// The same for another thread of this process, by its kernel thread id.
int last_pu_of_thread(const topology& topo, pid_t tid);

}  // namespace rculab
