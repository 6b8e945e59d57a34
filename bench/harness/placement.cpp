#include "bench/harness/placement.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace rculab {

namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

struct bitmap_deleter {
  void operator()(hwloc_bitmap_s* b) const noexcept { hwloc_bitmap_free(b); }
};
using bitmap_ptr = std::unique_ptr<hwloc_bitmap_s, bitmap_deleter>;

bitmap_ptr make_bitmap() {
  bitmap_ptr b(hwloc_bitmap_alloc());
  if (!b) throw std::bad_alloc();
  return b;
}

// A loaded topology in the placement model's terms (see placement.h).
struct model {
  struct pu {
    hwloc_obj_t obj;
    unsigned core;     // index into cores
    unsigned package;  // package logical index, or the virtual package
  };
  struct core {
    unsigned logical_index;     // hwloc's, or a synthesized one after all real cores
    std::vector<unsigned> pus;  // PU logical indexes, ascending
  };
  std::vector<pu> pus;      // by PU logical index
  std::vector<core> cores;  // by lowest PU logical index (= core logical order)
  std::unordered_map<hwloc_obj_t, unsigned> leaf_core;  // Core object or orphan PU -> cores index
  unsigned package_count = 0;
};

model build_model(hwloc_topology_t t) {
  model m;
  const int n_pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
  const int n_core_objs = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
  const int n_package_objs = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
  const unsigned real_cores = n_core_objs > 0 ? unsigned(n_core_objs) : 0;
  const unsigned real_packages = n_package_objs > 0 ? unsigned(n_package_objs) : 0;
  unsigned orphan_cores = 0;
  bool virtual_package = false;

  m.pus.reserve(n_pus > 0 ? unsigned(n_pus) : 0);
  for (int i = 0; i < n_pus; ++i) {
    hwloc_obj_t pu = hwloc_get_obj_by_type(t, HWLOC_OBJ_PU, unsigned(i));
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, pu);
    hwloc_obj_t package = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, pu);
    // A PU outside any core is its own core; one outside any package belongs
    // to one virtual package after the real ones (the whole machine if none).
    hwloc_obj_t leaf = core ? core : pu;
    auto [it, inserted] = m.leaf_core.try_emplace(leaf, unsigned(m.cores.size()));
    if (inserted) {
      unsigned logical = core ? core->logical_index : real_cores + orphan_cores++;
      m.cores.push_back({logical, {}});
    }
    m.cores[it->second].pus.push_back(unsigned(i));
    unsigned package_index = real_packages;
    if (package) {
      package_index = package->logical_index;
    } else {
      virtual_package = true;
    }
    m.pus.push_back({pu, it->second, package_index});
  }
  m.package_count = real_packages + (virtual_package ? 1 : 0);
  if (m.package_count == 0) m.package_count = 1;
  return m;
}

// Spread order of the cores below `obj`: round-robin over the children's orders.
std::vector<unsigned> spread_cores(const model& m, hwloc_obj_t obj) {
  if (auto it = m.leaf_core.find(obj); it != m.leaf_core.end()) return {it->second};
  std::vector<std::vector<unsigned>> lists;
  size_t longest = 0, total = 0;
  for (unsigned c = 0; c < obj->arity; ++c) {
    lists.push_back(spread_cores(m, obj->children[c]));
    longest = std::max(longest, lists.back().size());
    total += lists.back().size();
  }
  std::vector<unsigned> out;
  out.reserve(total);
  for (size_t round = 0; round < longest; ++round)
    for (const auto& l : lists)
      if (round < l.size()) out.push_back(l[round]);
  return out;
}

std::vector<unsigned> order_of(hwloc_topology_t t, const model& m, placement_policy policy) {
  std::vector<unsigned> order;
  order.reserve(m.pus.size());
  switch (policy) {
    case placement_policy::compact:
      for (unsigned i = 0; i < m.pus.size(); ++i) order.push_back(i);
      break;
    case placement_policy::cores:
      for (const auto& c : m.cores) order.push_back(c.pus.front());
      break;
    case placement_policy::smt:
      for (const auto& c : m.cores)
        if (c.pus.size() >= 2) order.insert(order.end(), c.pus.begin(), c.pus.end());
      for (const auto& c : m.cores)
        if (c.pus.size() < 2) order.insert(order.end(), c.pus.begin(), c.pus.end());
      break;
    case placement_policy::scatter: {
      if (m.pus.empty()) break;
      const std::vector<unsigned> core_order = spread_cores(m, hwloc_get_root_obj(t));
      if (core_order.size() != m.cores.size())
        throw std::logic_error("placement: scatter order does not cover every core");
      size_t max_smt = 0;
      for (const auto& c : m.cores) max_smt = std::max(max_smt, c.pus.size());
      for (size_t rank = 0; rank < max_smt; ++rank)
        for (unsigned c : core_order)
          if (rank < m.cores[c].pus.size()) order.push_back(m.cores[c].pus[rank]);
      break;
    }
  }
  return order;
}

std::string bind_error(const topology& topo, unsigned pu_os_index) {
  if (!topo.get()) return "no topology loaded";
  if (!hwloc_get_pu_obj_by_os_index(topo.get(), pu_os_index))
    return "PU P#" + std::to_string(pu_os_index) + " is not in the topology";
  return {};
}

}  // namespace

std::optional<placement_policy> parse_placement_policy(std::string_view name) {
  if (name == "compact") return placement_policy::compact;
  if (name == "scatter") return placement_policy::scatter;
  if (name == "cores") return placement_policy::cores;
  if (name == "smt") return placement_policy::smt;
  return std::nullopt;
}

std::string_view to_string(placement_policy policy) {
  switch (policy) {
    case placement_policy::compact: return "compact";
    case placement_policy::scatter: return "scatter";
    case placement_policy::cores: return "cores";
    case placement_policy::smt: return "smt";
  }
  return "?";
}

// ---- topology ---------------------------------------------------------------

namespace {

hwloc_topology_t init_or_throw() {
  hwloc_topology_t t = nullptr;
  if (hwloc_topology_init(&t) < 0)
    throw std::runtime_error("hwloc_topology_init failed: " + errno_text(errno));
  return t;
}

void load_or_throw(hwloc_topology_t t, const std::string& what) {
  if (hwloc_topology_load(t) < 0) {
    const int err = errno;
    hwloc_topology_destroy(t);
    throw std::runtime_error("hwloc_topology_load(" + what + ") failed: " + errno_text(err));
  }
}

}  // namespace

topology topology::whole_machine() {
  hwloc_topology_t t = init_or_throw();
  // Discovery never rebinds our threads (only the x86 backend would, and
  // Linux does not need it), so loading while other threads run is safe.
  hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_DONT_CHANGE_BINDING);
  load_or_throw(t, "this machine");
  return topology(t);
}

topology topology::this_machine() {
  topology topo = whole_machine();
  hwloc_topology_t t = topo.get();
  // Plan only over the PUs this process may run on (taskset, hwloc-bind).
  // Done after loading rather than with FLAG_RESTRICT_TO_CPUBINDING, which
  // needs FLAG_IS_THISSYSTEM and would make binding real even when hwloc's
  // environment (HWLOC_XMLFILE, HWLOC_SYNTHETIC) replaced this machine.
  if (topo.is_this_system()) {
    bitmap_ptr allowed = make_bitmap();
    if (hwloc_get_cpubind(t, allowed.get(), HWLOC_CPUBIND_PROCESS) == 0 &&
        hwloc_bitmap_intersects(allowed.get(), hwloc_topology_get_topology_cpuset(t)) &&
        !hwloc_bitmap_isincluded(hwloc_topology_get_topology_cpuset(t), allowed.get())) {
      if (hwloc_topology_restrict(t, allowed.get(), HWLOC_RESTRICT_FLAG_REMOVE_CPULESS) < 0)
        throw std::runtime_error("hwloc_topology_restrict(process CPU binding) failed: " + errno_text(errno));
    }
  }
  return topo;
}

topology topology::synthetic(const std::string& description) {
  if (description.find_first_not_of(" \t\n") == std::string::npos)
    throw std::invalid_argument("empty hwloc synthetic topology description");
  hwloc_topology_t t = init_or_throw();
  if (hwloc_topology_set_synthetic(t, description.c_str()) < 0) {
    const int err = errno;
    hwloc_topology_destroy(t);
    throw std::invalid_argument("invalid hwloc synthetic topology \"" + description + "\": " + errno_text(err) +
                                " (HWLOC_SYNTHETIC_VERBOSE=1 prints where hwloc stopped)");
  }
  load_or_throw(t, "synthetic \"" + description + "\"");
  return topology(t);
}

topology topology::from_xml(const std::string& path) {
  hwloc_topology_t t = init_or_throw();
  if (hwloc_topology_set_xml(t, path.c_str()) < 0) {
    const int err = errno;
    hwloc_topology_destroy(t);
    throw std::runtime_error("cannot read hwloc XML topology \"" + path + "\": " + errno_text(err) +
                             " (HWLOC_XML_VERBOSE=1 prints why)");
  }
  load_or_throw(t, "XML \"" + path + "\"");
  return topology(t);
}

topology::topology(topology&& other) noexcept : topo_(std::exchange(other.topo_, nullptr)) {}

topology& topology::operator=(topology&& other) noexcept {
  if (this != &other) {
    if (topo_) hwloc_topology_destroy(topo_);
    topo_ = std::exchange(other.topo_, nullptr);
  }
  return *this;
}

topology::~topology() {
  if (topo_) hwloc_topology_destroy(topo_);
}

bool topology::is_this_system() const noexcept { return topo_ && hwloc_topology_is_thissystem(topo_) == 1; }

unsigned topology::pu_count() const { return unsigned(build_model(topo_).pus.size()); }
unsigned topology::core_count() const { return unsigned(build_model(topo_).cores.size()); }
unsigned topology::package_count() const { return build_model(topo_).package_count; }

std::string topology::synthetic_description() const {
  std::string buf(1024, '\0');
  for (;;) {
    const int n = hwloc_topology_export_synthetic(topo_, buf.data(), buf.size(), 0);
    if (n < 0) return "";
    if (size_t(n) + 1 < buf.size()) {
      buf.resize(size_t(n));
      return buf;
    }
    buf.assign(buf.size() * 4, '\0');  // possibly truncated: retry larger
  }
}

void topology::export_xml(const std::string& path) const {
  if (hwloc_topology_export_xml(topo_, path.c_str(), 0) < 0)
    throw std::runtime_error("cannot export hwloc XML topology to \"" + path + "\": " + errno_text(errno));
}

// ---- planning -----------------------------------------------------------------

std::vector<unsigned> placement_order(const topology& topo, placement_policy policy) {
  return order_of(topo.get(), build_model(topo.get()), policy);
}

std::vector<pu_slot> plan_placement(const topology& topo, const std::vector<role_request>& roles) {
  const model m = build_model(topo.get());
  std::array<std::optional<std::vector<unsigned>>, 4> orders;
  std::vector<unsigned> load(m.pus.size(), 0);  // threads given to each PU so far
  std::vector<pu_slot> plan;

  for (const role_request& r : roles) {
    if (r.threads == 0) continue;
    auto& order = orders[size_t(r.policy)];
    if (!order) order = order_of(topo.get(), m, r.policy);
    if (order->empty())
      throw std::invalid_argument("placement: role \"" + r.role + "\" wants threads but the topology has no PU");
    for (unsigned i = 0; i < r.threads; ++i) {
      // The first PU of the order among the least loaded: the next untaken one,
      // or, once all are taken, the next lap from the start of the order.
      unsigned best = 0;
      for (unsigned k = 1; k < order->size() && load[(*order)[best]] != 0; ++k)
        if (load[(*order)[k]] < load[(*order)[best]]) best = k;
      const unsigned logical = (*order)[best];
      const model::pu& pu = m.pus[logical];
      plan.push_back({r.role, i, pu.obj->os_index, logical, m.cores[pu.core].logical_index, pu.package,
                      load[logical] != 0});
      ++load[logical];
    }
  }
  return plan;
}

// ---- binding ------------------------------------------------------------------

std::string bind_current_thread(const topology& topo, unsigned pu_os_index) {
  if (std::string e = bind_error(topo, pu_os_index); !e.empty()) return e;
  bitmap_ptr set = make_bitmap();
  hwloc_bitmap_only(set.get(), pu_os_index);
  if (hwloc_set_cpubind(topo.get(), set.get(), HWLOC_CPUBIND_THREAD) < 0)
    return "binding this thread to PU P#" + std::to_string(pu_os_index) + ": " + errno_text(errno);
  return {};
}

std::string bind_thread(const topology& topo, pthread_t thread, unsigned pu_os_index) {
  if (std::string e = bind_error(topo, pu_os_index); !e.empty()) return e;
  bitmap_ptr set = make_bitmap();
  hwloc_bitmap_only(set.get(), pu_os_index);
  if (hwloc_set_thread_cpubind(topo.get(), thread, set.get(), 0) < 0)
    return "binding a thread to PU P#" + std::to_string(pu_os_index) + ": " + errno_text(errno);
  return {};
}

int last_pu_of_thread(const topology& topo, pid_t tid) {
  if (!topo.is_this_system() || tid <= 0) return -1;
  bitmap_ptr set = make_bitmap();
  if (hwloc_get_proc_last_cpu_location(topo.get(), tid, set.get(), HWLOC_CPUBIND_THREAD) < 0) return -1;
  return hwloc_bitmap_first(set.get());
}

int last_pu_of_current_thread(const topology& topo) {
  if (!topo.is_this_system()) return -1;
  bitmap_ptr set = make_bitmap();
  if (hwloc_get_last_cpu_location(topo.get(), set.get(), HWLOC_CPUBIND_THREAD) < 0) return -1;
  return hwloc_bitmap_first(set.get());
}

}  // namespace rculab
