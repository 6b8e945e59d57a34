// Placement: plans over synthetic and XML topologies (independent of the
// machine running the test), and one this-machine check that threads really
// run where the plan says.
#include "bench/harness/placement.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace rculab {
namespace {

constexpr placement_policy kAllPolicies[] = {placement_policy::compact, placement_policy::scatter,
                                             placement_policy::cores, placement_policy::smt};

std::vector<pu_slot> plan_one(const topology& t, placement_policy p, unsigned n) {
  return plan_placement(t, {{"readers", n, p}});
}

std::vector<unsigned> os_of(const std::vector<pu_slot>& plan) {
  std::vector<unsigned> out;
  for (const auto& s : plan) out.push_back(s.pu_os_index);
  return out;
}

unsigned shared_count(const std::vector<pu_slot>& plan) {
  return unsigned(std::count_if(plan.begin(), plan.end(), [](const pu_slot& s) { return s.shared; }));
}

std::vector<unsigned> range(unsigned from, unsigned to, unsigned step = 1) {
  std::vector<unsigned> v;
  for (unsigned i = from; i < to; i += step) v.push_back(i);
  return v;
}

// ---- names and errors -----------------------------------------------------------

TEST(PlacementPolicy, ParsesAndPrints) {
  for (placement_policy p : kAllPolicies) {
    auto parsed = parse_placement_policy(to_string(p));
    ASSERT_TRUE(parsed.has_value()) << to_string(p);
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(parse_placement_policy("compact"), placement_policy::compact);
  EXPECT_EQ(parse_placement_policy("scatter"), placement_policy::scatter);
  EXPECT_EQ(parse_placement_policy("cores"), placement_policy::cores);
  EXPECT_EQ(parse_placement_policy("smt"), placement_policy::smt);
  EXPECT_FALSE(parse_placement_policy("bogus").has_value());
  EXPECT_FALSE(parse_placement_policy("").has_value());
  EXPECT_FALSE(parse_placement_policy("Compact").has_value());
}

TEST(PlacementTopology, BadSyntheticDescriptionThrowsInvalidArgument) {
  EXPECT_THROW(topology::synthetic("pack:2 bogus:3"), std::invalid_argument);
  EXPECT_THROW(topology::synthetic("pack:0 core:2 pu:2"), std::invalid_argument);
  EXPECT_THROW(topology::synthetic("pu:2 core:2"), std::invalid_argument);
  EXPECT_THROW(topology::synthetic(""), std::invalid_argument);
  try {
    topology::synthetic("pack:2 bogus:3");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pack:2 bogus:3"), std::string::npos) << e.what();
  }
}

TEST(PlacementTopology, MissingXmlThrows) {
  EXPECT_THROW(topology::from_xml("/nonexistent/rculab/topology.xml"), std::runtime_error);
}

TEST(PlacementTopology, MovableNotCopyable) {
  static_assert(!std::is_copy_constructible_v<topology>);
  static_assert(!std::is_copy_assignable_v<topology>);
  static_assert(std::is_nothrow_move_constructible_v<topology>);
  topology a = topology::synthetic("pack:1 core:2 pu:1");
  hwloc_topology_t raw = a.get();
  topology b = std::move(a);
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(a.get(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  a = topology::synthetic("pack:1 core:3 pu:1");
  EXPECT_EQ(a.pu_count(), 3u);
  b = std::move(a);
  EXPECT_EQ(b.pu_count(), 3u);
}

// ---- a dual-socket, 16-core, 2-way SMT box (64 PUs) ---------------------------------

class DualSocket : public ::testing::Test {
 protected:
  topology t = topology::synthetic("pack:2 numa:1 core:16 pu:2");
};

TEST_F(DualSocket, Shape) {
  EXPECT_EQ(t.pu_count(), 64u);
  EXPECT_EQ(t.core_count(), 32u);
  EXPECT_EQ(t.package_count(), 2u);
  EXPECT_FALSE(t.is_this_system());
  const std::string desc = t.synthetic_description();
  EXPECT_FALSE(desc.empty());
  topology again = topology::synthetic(desc);  // the export loads back to the same shape
  EXPECT_EQ(again.pu_count(), 64u);
  EXPECT_EQ(again.core_count(), 32u);
  EXPECT_EQ(again.package_count(), 2u);
}

TEST_F(DualSocket, EveryPolicyWrapsOnlyPastItsOrder) {
  for (placement_policy p : kAllPolicies) {
    const unsigned order_size = p == placement_policy::cores ? 32 : 64;
    const auto longest = plan_one(t, p, 65);
    for (unsigned n : {1u, 2u, 16u, 32u, 64u, 65u}) {
      SCOPED_TRACE(std::string(to_string(p)) + " N=" + std::to_string(n));
      const auto plan = plan_one(t, p, n);
      ASSERT_EQ(plan.size(), n);
      EXPECT_EQ(shared_count(plan), n > order_size ? n - order_size : 0);
      for (unsigned i = 0; i < n; ++i) {
        EXPECT_EQ(plan[i].role, "readers");
        EXPECT_EQ(plan[i].index_in_role, i);
        // A plan for fewer threads is a prefix of the plan for more.
        EXPECT_EQ(plan[i].pu_os_index, longest[i].pu_os_index);
        EXPECT_EQ(plan[i].shared, i >= order_size);
        // The slot's coordinates agree with the topology (synthetic: P# = L#).
        EXPECT_EQ(plan[i].pu_os_index, plan[i].pu_logical_index);
        EXPECT_EQ(plan[i].core_logical_index, plan[i].pu_logical_index / 2);
        EXPECT_EQ(plan[i].package_logical_index, plan[i].pu_logical_index / 32);
      }
      // Before wrapping no PU is given twice.
      const auto os = os_of(plan);
      const std::set<unsigned> distinct(os.begin(), os.end());
      EXPECT_EQ(distinct.size(), std::min(n, order_size));
    }
  }
}

TEST_F(DualSocket, Compact) {
  EXPECT_EQ(os_of(plan_one(t, placement_policy::compact, 1)), (std::vector<unsigned>{0}));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::compact, 2)), (std::vector<unsigned>{0, 1}));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::compact, 16)), range(0, 16));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::compact, 32)), range(0, 32));  // fills package 0 first
  EXPECT_EQ(os_of(plan_one(t, placement_policy::compact, 64)), range(0, 64));
  const auto p65 = plan_one(t, placement_policy::compact, 65);
  EXPECT_EQ(p65[64].pu_os_index, 0u);
  EXPECT_TRUE(p65[64].shared);
}

TEST_F(DualSocket, CoresNeverPairsSiblings) {
  EXPECT_EQ(os_of(plan_one(t, placement_policy::cores, 1)), (std::vector<unsigned>{0}));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::cores, 2)), (std::vector<unsigned>{0, 2}));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::cores, 16)), range(0, 32, 2));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::cores, 32)), range(0, 64, 2));
  for (unsigned n = 1; n <= 32; ++n) {
    const auto plan = plan_one(t, placement_policy::cores, n);
    std::set<unsigned> cores;
    for (const auto& s : plan) EXPECT_TRUE(cores.insert(s.core_logical_index).second) << "N=" << n;
  }
  // Past 32 threads it wraps onto the same first PUs, never onto a sibling.
  const auto p64 = plan_one(t, placement_policy::cores, 64);
  for (unsigned i = 32; i < 64; ++i) {
    EXPECT_EQ(p64[i].pu_os_index, p64[i - 32].pu_os_index);
    EXPECT_TRUE(p64[i].shared);
  }
  const auto p65 = plan_one(t, placement_policy::cores, 65);
  EXPECT_EQ(p65[64].pu_os_index, 0u);  // the third lap starts again at the start of the order
}

TEST_F(DualSocket, ScatterAlternatesPackagesAndUsesSiblingsLast) {
  EXPECT_EQ(os_of(plan_one(t, placement_policy::scatter, 1)), (std::vector<unsigned>{0}));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::scatter, 2)), (std::vector<unsigned>{0, 32}));
  std::vector<unsigned> expect16;
  for (unsigned c = 0; c < 8; ++c) expect16.insert(expect16.end(), {2 * c, 32 + 2 * c});
  EXPECT_EQ(os_of(plan_one(t, placement_policy::scatter, 16)), expect16);

  const auto plan = plan_one(t, placement_policy::scatter, 64);
  for (unsigned i = 0; i < 64; ++i) EXPECT_EQ(plan[i].package_logical_index, i % 2) << i;
  // The first 32 threads take one PU of each core; the second SMT siblings only after.
  std::set<unsigned> cores;
  for (unsigned i = 0; i < 32; ++i) {
    EXPECT_TRUE(cores.insert(plan[i].core_logical_index).second) << i;
    EXPECT_EQ(plan[i].pu_logical_index % 2, 0u) << i;
  }
  for (unsigned i = 32; i < 64; ++i) {
    EXPECT_EQ(plan[i].pu_logical_index % 2, 1u) << i;
    EXPECT_EQ(plan[i].core_logical_index, plan[i - 32].core_logical_index) << i;
  }
  const auto p65 = plan_one(t, placement_policy::scatter, 65);
  EXPECT_EQ(p65[64].pu_os_index, 0u);
  EXPECT_TRUE(p65[64].shared);
}

TEST_F(DualSocket, SmtEqualsCompactOnASymmetricSmtMachine) {
  for (unsigned n : {1u, 2u, 16u, 32u, 64u, 65u})
    EXPECT_EQ(os_of(plan_one(t, placement_policy::smt, n)), os_of(plan_one(t, placement_policy::compact, n)))
        << "N=" << n;
}

// ---- 8 sockets x 28 cores x 2 SMT (448 PUs), Linux sibling numbering n / n+224 ------

class EightSocket : public ::testing::Test {
 protected:
  // Index interleaving: the core number varies fastest in OS numbering
  // (step 2, 224 of them, weight 1), then the SMT rank (weight 224).
  topology t = topology::synthetic("pack:8 core:28 pu:2(indexes=2*224:1*2)");
};

TEST_F(EightSocket, TopologyHasLinuxStyleSiblingNumbering) {
  EXPECT_EQ(t.pu_count(), 448u);
  EXPECT_EQ(t.core_count(), 224u);
  EXPECT_EQ(t.package_count(), 8u);
  // hwloc silently ignores a malformed indexes= attribute: check it took effect.
  hwloc_topology_t raw = t.get();
  for (unsigned core = 0; core < 224; ++core) {
    hwloc_obj_t first = hwloc_get_obj_by_type(raw, HWLOC_OBJ_PU, 2 * core);
    hwloc_obj_t second = hwloc_get_obj_by_type(raw, HWLOC_OBJ_PU, 2 * core + 1);
    ASSERT_EQ(first->os_index, core);
    ASSERT_EQ(second->os_index, core + 224);
  }
}

TEST_F(EightSocket, CoresGivesTheFirstSiblingOfEveryCore) {
  const auto plan = plan_one(t, placement_policy::cores, 224);
  EXPECT_EQ(os_of(plan), range(0, 224));
  EXPECT_EQ(shared_count(plan), 0u);
  for (unsigned i = 0; i < 224; ++i) EXPECT_EQ(plan[i].package_logical_index, i / 28);
}

TEST_F(EightSocket, SmtPairsSiblings) {
  const auto plan = plan_one(t, placement_policy::smt, 448);
  for (unsigned n = 0; n < 224; ++n) {
    EXPECT_EQ(plan[2 * n].pu_os_index, n);
    EXPECT_EQ(plan[2 * n + 1].pu_os_index, n + 224);
    EXPECT_EQ(plan[2 * n].core_logical_index, plan[2 * n + 1].core_logical_index);
  }
  EXPECT_EQ(shared_count(plan), 0u);
}

TEST_F(EightSocket, CompactStartsWithSiblings) {
  const auto plan = plan_one(t, placement_policy::compact, 4);
  EXPECT_EQ(os_of(plan), (std::vector<unsigned>{0, 224, 1, 225}));
  EXPECT_EQ(plan[0].core_logical_index, plan[1].core_logical_index);
  EXPECT_NE(plan[1].core_logical_index, plan[2].core_logical_index);
}

TEST_F(EightSocket, ScatterSpreadsOverPackagesThenCoresThenSiblings) {
  const auto plan = plan_one(t, placement_policy::scatter, 449);
  std::set<unsigned> packages;
  for (unsigned i = 0; i < 8; ++i) packages.insert(plan[i].package_logical_index);
  EXPECT_EQ(packages.size(), 8u);
  for (unsigned i = 0; i < 448; ++i) EXPECT_EQ(plan[i].package_logical_index, i % 8) << i;
  std::set<unsigned> first_lap;
  for (unsigned i = 0; i < 224; ++i) {
    EXPECT_LT(plan[i].pu_os_index, 224u) << i;  // first siblings only
    first_lap.insert(plan[i].pu_os_index);
  }
  EXPECT_EQ(first_lap.size(), 224u);
  for (unsigned i = 224; i < 448; ++i) EXPECT_EQ(plan[i].pu_os_index, plan[i - 224].pu_os_index + 224) << i;
  EXPECT_EQ(shared_count(plan), 1u);
  EXPECT_TRUE(plan[448].shared);
}

// ---- deeper trees, and trees without core or package levels --------------------------

TEST(PlacementDepth, ScatterSpreadsOverEveryLevel) {
  // package > group > L3 > core > PU: 2 x 2 x 2 x 4 cores x 2 PUs = 64 PUs.
  const topology t = topology::synthetic("pack:2 group:2 l3:2 core:4 pu:2");
  ASSERT_EQ(t.pu_count(), 64u);
  ASSERT_EQ(t.core_count(), 32u);
  const auto plan = plan_one(t, placement_policy::scatter, 64);
  // Cores are 4 per L3, 8 per group, 16 per package; the first 8 threads land
  // on 8 different L3 caches, hence 4 groups and both packages.
  std::set<unsigned> l3s, groups, packages;
  for (unsigned i = 0; i < 8; ++i) {
    l3s.insert(plan[i].core_logical_index / 4);
    groups.insert(plan[i].core_logical_index / 8);
    packages.insert(plan[i].package_logical_index);
  }
  EXPECT_EQ(l3s.size(), 8u);
  EXPECT_EQ(groups.size(), 4u);
  EXPECT_EQ(packages.size(), 2u);
  for (unsigned i = 0; i < 64; ++i) EXPECT_EQ(plan[i].package_logical_index, i % 2) << i;
  for (unsigned i = 0; i < 32; ++i) EXPECT_EQ(plan[i].pu_logical_index % 2, 0u) << i;
  // Compact and cores ignore the intermediate levels.
  EXPECT_EQ(os_of(plan_one(t, placement_policy::compact, 64)), range(0, 64));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::cores, 32)), range(0, 64, 2));
}

TEST(PlacementDepth, NoCoreOrPackageLevel) {
  const topology t = topology::synthetic("pu:4");
  EXPECT_EQ(t.pu_count(), 4u);
  EXPECT_EQ(t.core_count(), 4u);  // each PU is its own core
  EXPECT_EQ(t.package_count(), 1u);
  for (placement_policy p : kAllPolicies) {
    const auto plan = plan_one(t, p, 5);
    EXPECT_EQ(os_of(plan), (std::vector<unsigned>{0, 1, 2, 3, 0})) << to_string(p);
    for (unsigned i = 0; i < 4; ++i) {
      EXPECT_EQ(plan[i].core_logical_index, i);
      EXPECT_EQ(plan[i].package_logical_index, 0u);
    }
    EXPECT_EQ(shared_count(plan), 1u);
  }
}

TEST(PlacementDepth, PackagesWithoutCores) {
  const topology t = topology::synthetic("pack:2 pu:2");
  EXPECT_EQ(t.core_count(), 4u);
  EXPECT_EQ(t.package_count(), 2u);
  EXPECT_EQ(os_of(plan_one(t, placement_policy::scatter, 4)), (std::vector<unsigned>{0, 2, 1, 3}));
  EXPECT_EQ(os_of(plan_one(t, placement_policy::cores, 4)), (std::vector<unsigned>{0, 1, 2, 3}));
}

// ---- an asymmetric machine: some cores with 2 PUs, some with 1 -----------------------

// Package 0: core 0 = {PU0, PU1}, core 1 = {PU2}
// Package 1: core 2 = {PU3}, core 3 = {PU4, PU5}, core 4 = {PU6}
constexpr const char* kAsymmetricXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE topology SYSTEM "hwloc2.dtd">
<topology version="2.0">
  <object type="Machine" os_index="0" cpuset="0x0000007f" complete_cpuset="0x0000007f" allowed_cpuset="0x0000007f" nodeset="0x00000001" complete_nodeset="0x00000001" allowed_nodeset="0x00000001">
    <object type="NUMANode" os_index="0" cpuset="0x0000007f" complete_cpuset="0x0000007f" nodeset="0x00000001" complete_nodeset="0x00000001" local_memory="1073741824"/>
    <object type="Package" os_index="0" cpuset="0x00000007" complete_cpuset="0x00000007" nodeset="0x00000001" complete_nodeset="0x00000001">
      <object type="Core" os_index="0" cpuset="0x00000003" complete_cpuset="0x00000003" nodeset="0x00000001" complete_nodeset="0x00000001">
        <object type="PU" os_index="0" cpuset="0x00000001" complete_cpuset="0x00000001" nodeset="0x00000001" complete_nodeset="0x00000001"/>
        <object type="PU" os_index="1" cpuset="0x00000002" complete_cpuset="0x00000002" nodeset="0x00000001" complete_nodeset="0x00000001"/>
      </object>
      <object type="Core" os_index="1" cpuset="0x00000004" complete_cpuset="0x00000004" nodeset="0x00000001" complete_nodeset="0x00000001">
        <object type="PU" os_index="2" cpuset="0x00000004" complete_cpuset="0x00000004" nodeset="0x00000001" complete_nodeset="0x00000001"/>
      </object>
    </object>
    <object type="Package" os_index="1" cpuset="0x00000078" complete_cpuset="0x00000078" nodeset="0x00000001" complete_nodeset="0x00000001">
      <object type="Core" os_index="2" cpuset="0x00000008" complete_cpuset="0x00000008" nodeset="0x00000001" complete_nodeset="0x00000001">
        <object type="PU" os_index="3" cpuset="0x00000008" complete_cpuset="0x00000008" nodeset="0x00000001" complete_nodeset="0x00000001"/>
      </object>
      <object type="Core" os_index="3" cpuset="0x00000030" complete_cpuset="0x00000030" nodeset="0x00000001" complete_nodeset="0x00000001">
        <object type="PU" os_index="4" cpuset="0x00000010" complete_cpuset="0x00000010" nodeset="0x00000001" complete_nodeset="0x00000001"/>
        <object type="PU" os_index="5" cpuset="0x00000020" complete_cpuset="0x00000020" nodeset="0x00000001" complete_nodeset="0x00000001"/>
      </object>
      <object type="Core" os_index="4" cpuset="0x00000040" complete_cpuset="0x00000040" nodeset="0x00000001" complete_nodeset="0x00000001">
        <object type="PU" os_index="6" cpuset="0x00000040" complete_cpuset="0x00000040" nodeset="0x00000001" complete_nodeset="0x00000001"/>
      </object>
    </object>
  </object>
</topology>
)";

class Asymmetric : public ::testing::Test {
 protected:
  static topology load() {
    // One file per process: ctest runs this fixture's tests in parallel, and
    // one test's remove() must not pull the file from under another's load.
    const std::string path =
        ::testing::TempDir() + "rculab_placement_asymmetric." + std::to_string(getpid()) + ".xml";
    {
      std::ofstream out(path);
      out << kAsymmetricXml;
      if (!out) throw std::runtime_error("cannot write " + path);
    }
    topology t = topology::from_xml(path);
    std::remove(path.c_str());
    return t;
  }
  topology t = load();
};

TEST_F(Asymmetric, Shape) {
  EXPECT_EQ(t.pu_count(), 7u);
  EXPECT_EQ(t.core_count(), 5u);
  EXPECT_EQ(t.package_count(), 2u);
  EXPECT_FALSE(t.is_this_system());
  EXPECT_EQ(t.synthetic_description(), "");  // not symmetric
}

TEST_F(Asymmetric, PolicyOrders) {
  using v = std::vector<unsigned>;
  EXPECT_EQ(os_of(plan_one(t, placement_policy::compact, 7)), (v{0, 1, 2, 3, 4, 5, 6}));
  // SMT cores (0 and 3) first, pairs kept together, then the single-PU cores.
  EXPECT_EQ(os_of(plan_one(t, placement_policy::smt, 7)), (v{0, 1, 4, 5, 2, 3, 6}));
  EXPECT_NE(os_of(plan_one(t, placement_policy::smt, 4)), os_of(plan_one(t, placement_policy::compact, 4)));
  // One PU per core, then wrap.
  const auto cores = plan_one(t, placement_policy::cores, 6);
  EXPECT_EQ(os_of(cores), (v{0, 2, 3, 4, 6, 0}));
  EXPECT_EQ(shared_count(cores), 1u);
  std::set<unsigned> core_ids;
  for (unsigned i = 0; i < 5; ++i) core_ids.insert(cores[i].core_logical_index);
  EXPECT_EQ(core_ids.size(), 5u);
  // Packages alternate while both have cores left; siblings only after every core has one.
  EXPECT_EQ(os_of(plan_one(t, placement_policy::scatter, 7)), (v{0, 3, 2, 4, 6, 1, 5}));
  EXPECT_EQ(placement_order(t, placement_policy::scatter), (v{0, 3, 2, 4, 6, 1, 5}));  // logical = OS here
}

// ---- XML export round trip ------------------------------------------------------------

// Exports `t` to XML, loads it back (as hw-profiles/<id>/topology.xml is), and
// checks that every policy plans the same PUs, oversubscribed too.
void expect_same_after_xml_round_trip(const topology& t, const std::string& name) {
  const std::string path =
      ::testing::TempDir() + "rculab_placement_roundtrip_" + name + "." + std::to_string(getpid()) + ".xml";
  std::remove(path.c_str());
  t.export_xml(path);
  const topology back = topology::from_xml(path);
  std::remove(path.c_str());
  EXPECT_FALSE(back.is_this_system());
  EXPECT_EQ(back.pu_count(), t.pu_count());
  EXPECT_EQ(back.core_count(), t.core_count());
  EXPECT_EQ(back.package_count(), t.package_count());
  EXPECT_EQ(back.synthetic_description(), t.synthetic_description());
  for (placement_policy p : kAllPolicies) {
    SCOPED_TRACE(std::string(to_string(p)));
    const unsigned n = t.pu_count() + 3;
    const auto before = plan_one(t, p, n), after = plan_one(back, p, n);
    EXPECT_EQ(os_of(after), os_of(before));
    ASSERT_EQ(after.size(), before.size());
    for (size_t i = 0; i < after.size(); ++i) {
      EXPECT_EQ(after[i].core_logical_index, before[i].core_logical_index) << i;
      EXPECT_EQ(after[i].package_logical_index, before[i].package_logical_index) << i;
      EXPECT_EQ(after[i].shared, before[i].shared) << i;
    }
  }
}

TEST(PlacementXml, SyntheticRoundTripsThroughExport) {
  const topology t = topology::synthetic("pack:2 numa:1 core:4 pu:2");
  EXPECT_EQ(t.pu_count(), 16u);
  expect_same_after_xml_round_trip(t, "pack2");
  // Linux-style sibling numbering survives too (OS indexes are in the XML).
  expect_same_after_xml_round_trip(topology::synthetic("pack:2 core:2 pu:2(indexes=0,4,2,6,1,5,3,7)"), "indexes");
}

TEST_F(Asymmetric, RoundTripsThroughExport) { expect_same_after_xml_round_trip(t, "asymmetric"); }

TEST(PlacementXml, ExportToAMissingDirectoryThrows) {
  const topology t = topology::synthetic("pack:1 core:2 pu:1");
  EXPECT_THROW(t.export_xml("/nonexistent/rculab/topology.xml"), std::runtime_error);
}

TEST(PlacementXml, WholeMachineIgnoresNothingRealAndIsThisSystem) {
  const topology whole = topology::whole_machine();
  EXPECT_TRUE(whole.is_this_system());
  EXPECT_GE(whole.pu_count(), topology::this_machine().pu_count());
}

// ---- several roles -------------------------------------------------------------------

TEST(PlacementRoles, UpdatersTakeWhatReadersLeftThenWrap) {
  const topology t = topology::synthetic("pack:1 core:4 pu:1");
  const auto plan = plan_placement(t, {{"readers", 3, placement_policy::compact},
                                       {"updaters", 2, placement_policy::compact}});
  ASSERT_EQ(plan.size(), 5u);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_EQ(plan[i].role, "readers");
    EXPECT_EQ(plan[i].index_in_role, i);
    EXPECT_EQ(plan[i].pu_os_index, i);
    EXPECT_FALSE(plan[i].shared);
  }
  EXPECT_EQ(plan[3].role, "updaters");
  EXPECT_EQ(plan[3].index_in_role, 0u);
  EXPECT_EQ(plan[3].pu_os_index, 3u);
  EXPECT_FALSE(plan[3].shared);
  EXPECT_EQ(plan[4].role, "updaters");
  EXPECT_EQ(plan[4].index_in_role, 1u);
  EXPECT_EQ(plan[4].pu_os_index, 0u);
  EXPECT_TRUE(plan[4].shared);
}

TEST(PlacementRoles, RolesMixPoliciesWithoutReusingPus) {
  const topology t = topology::synthetic("pack:2 numa:1 core:16 pu:2");
  // Readers on one PU per core of package 0 (cores order), updaters compact:
  // they skip what readers took and start on the sibling of core 0.
  const auto plan = plan_placement(t, {{"readers", 16, placement_policy::cores},
                                       {"updaters", 2, placement_policy::compact},
                                       {"call_rcu", 0, placement_policy::scatter},
                                       {"workers", 1, placement_policy::scatter}});
  ASSERT_EQ(plan.size(), 19u);
  EXPECT_EQ(plan[16].pu_os_index, 1u);
  EXPECT_EQ(plan[17].pu_os_index, 3u);
  EXPECT_EQ(plan[18].role, "workers");
  EXPECT_EQ(plan[18].pu_os_index, 32u);  // scatter's first untaken PU: package 1, core 16
  EXPECT_EQ(shared_count(plan), 0u);
}

TEST(PlacementRoles, OversubscriptionStaysEvenAcrossRoles) {
  const topology t = topology::synthetic("pack:1 core:4 pu:1");
  // 6 readers lap once and a half; the updaters' wrap continues with the
  // least-loaded PUs (2 and 3), not back onto PUs 0 and 1 with 2 threads.
  const auto plan = plan_placement(t, {{"readers", 6, placement_policy::compact},
                                       {"updaters", 2, placement_policy::compact}});
  EXPECT_EQ(os_of(plan), (std::vector<unsigned>{0, 1, 2, 3, 0, 1, 2, 3}));
  EXPECT_EQ(shared_count(plan), 4u);
}

TEST(PlacementRoles, NoThreadsNoSlots) {
  const topology t = topology::synthetic("pack:1 core:2 pu:2");
  EXPECT_TRUE(plan_placement(t, {}).empty());
  EXPECT_TRUE(plan_placement(t, {{"readers", 0, placement_policy::smt}}).empty());
}

// ---- binding ----------------------------------------------------------------------------

TEST(PlacementBinding, SyntheticBindingIsANoOp) {
  const topology t = topology::synthetic("pack:2 core:2 pu:2");
  EXPECT_EQ(bind_current_thread(t, 5), "");
  EXPECT_EQ(bind_thread(t, pthread_self(), 5), "");
  EXPECT_EQ(last_pu_of_current_thread(t), -1);
  EXPECT_NE(bind_current_thread(t, 8), "");  // no such PU in the topology
}

// Waits until the calling thread reports running on `pu`: the kernel moves a
// thread whose affinity changed at its next schedule.
bool runs_on(const topology& t, unsigned pu) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    if (last_pu_of_current_thread(t) == int(pu)) return true;
    if (attempt < 1000) {
      sched_yield();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return false;
}

TEST(PlacementThisMachine, ThreadsRunWhereThePlanSays) {
  const topology t = topology::this_machine();
  ASSERT_TRUE(t.is_this_system());
  const unsigned pus = t.pu_count();
  ASSERT_GE(pus, 1u);
  EXPECT_GE(t.core_count(), 1u);
  EXPECT_LE(t.core_count(), pus);
  EXPECT_GE(t.package_count(), 1u);
  EXPECT_LE(t.package_count(), t.core_count());
  for (placement_policy p : kAllPolicies) {
    const auto plan = plan_one(t, p, pus + 1);
    ASSERT_EQ(plan.size(), pus + 1);
    if (p != placement_policy::cores) {
      EXPECT_EQ(shared_count(plan), 1u) << to_string(p);
    } else {
      EXPECT_EQ(shared_count(plan), pus + 1 - t.core_count());
    }
  }

  // Keep the thread's original binding to restore it afterwards.
  hwloc_bitmap_t original = hwloc_bitmap_alloc();
  ASSERT_EQ(hwloc_get_cpubind(t.get(), original, HWLOC_CPUBIND_THREAD), 0);

  for (const pu_slot& slot : plan_one(t, placement_policy::compact, pus)) {
    ASSERT_EQ(bind_current_thread(t, slot.pu_os_index), "") << "PU P#" << slot.pu_os_index;
    EXPECT_TRUE(runs_on(t, slot.pu_os_index))
        << "bound to P#" << slot.pu_os_index << " but runs on P#" << last_pu_of_current_thread(t);
  }

  // Another thread, bound from outside.
  const unsigned target = plan_one(t, placement_policy::scatter, pus).back().pu_os_index;
  std::atomic<bool> bound{false};
  bool ran_there = false;
  std::thread other([&] {
    while (!bound.load(std::memory_order_acquire)) sched_yield();
    ran_there = runs_on(t, target);
  });
  EXPECT_EQ(bind_thread(t, other.native_handle(), target), "");
  bound.store(true, std::memory_order_release);
  other.join();
  EXPECT_TRUE(ran_there) << "thread bound to P#" << target;

  EXPECT_NE(bind_current_thread(t, 1u << 20), "");  // not a PU of this machine
  EXPECT_EQ(hwloc_set_cpubind(t.get(), original, HWLOC_CPUBIND_THREAD), 0);
  hwloc_bitmap_free(original);
}

}  // namespace
}  // namespace rculab
