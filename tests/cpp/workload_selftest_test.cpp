// The benchmarks' own invariant check, shown to be able to fail: every
// workload that frees objects while readers run is run on the broken backend
// (synchronize and call_rcu do not wait) and must report violations > 0.
// The real backends' zero is checked by the bench smoke test (tests/smoke);
// that zero means something only because these runs are not zero.
#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "bench/harness/placement.h"
#include "bench/workloads/all.h"
#include "tests/cpp/broken_backends.h"
#include "tests/cpp/test_support.h"

#if defined(__SANITIZE_ADDRESS__)
#define RCULAB_ASAN 1
#else
#define RCULAB_ASAN 0
#endif

namespace rculab::test {
namespace {

// Keeps Google Benchmark's rows instead of printing them.
class capture_reporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    rows.insert(rows.end(), runs.begin(), runs.end());
  }
  std::vector<Run> rows;
};

// Short runs on this machine for the broken setups' points. Readers are
// oversubscribed (2 per PU) so that some are preempted inside a section:
// the late reader a grace period exists for.
bench_options selftest_options() {
  static const topology topo = topology::this_machine();
  bench_options o;
  o.topo = &topo;
  o.warmup_seconds = 0.01;
  o.measure_seconds = 0.2;
  o.tolerate_bind_failure = true;
  o.readers = {2 * topo.pu_count()};
  o.updaters = {1};
  return o;
}

// The broken backend's points, registered once per process.
void register_broken_points() {
  static const bool registered = [] {
    register_all_workloads<broken>(selftest_options());
    return true;
  }();
  (void)registered;
}

struct violation_hunt {
  unsigned runs = 0;
  double violations = 0;        // of the counter hunted
  double core_violations = 0;   // of `violations`, over the same runs
  std::string error;
};

// Runs the one point matching `filter` until it reports a violation or
// `bound` has passed.
violation_hunt hunt_violations(const std::string& filter, std::chrono::seconds bound,
                               const std::string& counter = "violations") {
  violation_hunt hunt;
  const auto deadline = clock::now() + bound;
  while (hunt.violations == 0 && clock::now() < deadline) {
    capture_reporter reporter;
    if (benchmark::RunSpecifiedBenchmarks(&reporter, filter) != 1) {
      hunt.error = "filter " + filter + " did not match exactly one point";
      return hunt;
    }
    ++hunt.runs;
    for (const auto& row : reporter.rows) {
      if (row.error_occurred) {
        hunt.error = row.error_message;
        return hunt;
      }
      hunt.violations += row.counters.at(counter).value;
      hunt.core_violations += row.counters.at("violations").value;
    }
  }
  return hunt;
}

// A point that frees objects under readers: its workload and the part of its
// name after the reader count.
struct freeing_point {
  const char* workload;
  const char* rest;
};

void PrintTo(const freeing_point& p, std::ostream* os) { *os << p.workload << "/.../" << p.rest; }

class WorkloadCheck : public ::testing::TestWithParam<freeing_point> {};

TEST_P(WorkloadCheck, CountsViolationsOnBrokenBackend) {
  if (kTsan || RCULAB_ASAN)
    GTEST_SKIP() << "the broken backend frees objects under readers on purpose; "
                    "a sanitizer would rightly stop the run";
  register_broken_points();
  const freeing_point p = GetParam();
  const std::string filter = "^" + std::string(p.workload) + "/backend:broken/readers:[0-9]+/" + p.rest;
  retired_keep_all.store(true);  // a late reader sees poison, never deleted memory
  const violation_hunt hunt = hunt_violations(filter, std::chrono::seconds(30));
  retired_keep_all.store(false);
  ASSERT_EQ(hunt.error, "");
  RecordProperty("runs", std::to_string(hunt.runs));
  RecordProperty("violations", std::to_string(uint64_t(hunt.violations)));
  EXPECT_GT(hunt.violations, 0) << filter << " reported no violation in " << hunt.runs
                                << " runs on a backend whose grace periods do not wait: "
                                   "its poison check cannot see a use after free";
}

// Every benchmark point that frees objects under readers.
INSTANTIATE_TEST_SUITE_P(
    Workloads, WorkloadCheck,
    ::testing::Values(freeing_point{"read_scalability", "updaters:1/reclaim:sync/"},
                      freeing_point{"read_scalability", "updaters:1/reclaim:call/"},
                      freeing_point{"update_rate", "updaters:1/delay_ns:0/batch:1/"},
                      freeing_point{"gp_latency", "updaters:1/"},
                      freeing_point{"call_rcu", "updaters:1/interval_ns:0/"}),
    [](const ::testing::TestParamInfo<freeing_point>& info) {
      std::string name = info.param.workload;
      if (std::string(info.param.rest).find("reclaim:") != std::string::npos)
        name += std::string("_") + (std::string(info.param.rest).find("sync") != std::string::npos ? "sync" : "call");
      return name;
    });

// perfbook "RCU Rescues" workloads (issue 8): the RCU variant of each, whose
// grace periods the broken backend skips.
INSTANTIATE_TEST_SUITE_P(
    Rescues, WorkloadCheck,
    ::testing::Values(freeing_point{"stat_counter", "updaters:1/variant:rcu/life:1000/"},
                      freeing_point{"removable_device", "updaters:1/variant:rcu/present_us:100/"},
                      freeing_point{"resizable_array", "updaters:1/variant:rcu/len:64/"},
                      freeing_point{"resizable_array", "updaters:1/variant:split/len:64/"},
                      freeing_point{"correlated_fields", "updaters:1/variant:pointer/record_bytes:256/"},
                      freeing_point{"correlated_fields", "updaters:1/variant:localized/record_bytes:256/"},
                      freeing_point{"correlated_fields", "updaters:1/variant:copy/record_bytes:256/"}),
    [](const ::testing::TestParamInfo<freeing_point>& info) {
      const std::string rest = info.param.rest;  // the variant names the case
      const size_t at = rest.find("variant:") + 8;
      return std::string(info.param.workload) + "_" + rest.substr(at, rest.find('/', at) - at);
    });

}  // namespace
}  // namespace rculab::test

// ---- ref_call_rcu --------------------------------------------------------
namespace rculab::test {
namespace {

// Early destroy: on the broken backend the grace period between the last
// unref (or the updater's unref of the replaced object) and destroy is gone,
// so a reader that loaded the pointer takes its reference on a count of 0
// (ref_from_zero) or sees the poison.
INSTANTIATE_TEST_SUITE_P(RefCallRcu, WorkloadCheck,
                         ::testing::Values(freeing_point{"ref_call_rcu", "updaters:1/variant:sync/"},
                                           freeing_point{"ref_call_rcu", "updaters:1/variant:call/"}),
                         [](const ::testing::TestParamInfo<freeing_point>& info) {
                           return std::string(info.param.rest).find("sync") != std::string::npos ? "sync" : "call";
                         });

// Callbacks that never run (call drops them, barrier waits for nothing): no
// object is freed under a reader, but replaced objects are never destroyed,
// which the end-of-run check must count. Deterministic: every update loses one.
struct losing : rculab::mb {
  static constexpr const char kName[] = "losing";
  static void call(rcu_head*, void (*)(rcu_head*)) {}
  static void barrier() {}
};
static_assert(Backend<losing>);

TEST(RefCallRcuCheck, CountsObjectsNeverDestroyed) {
  if (RCULAB_ASAN) GTEST_SKIP() << "the lost objects are leaked on purpose; LeakSanitizer would stop the run";
  static const topology topo = topology::this_machine();
  static const bool registered = [] {
    bench_options o;
    o.topo = &topo;
    o.warmup_seconds = 0.01;
    o.measure_seconds = 0.05;
    o.tolerate_bind_failure = true;
    o.readers = {1};
    o.updaters = {1};
    register_ref_call_rcu<losing>(o);
    return true;
  }();
  (void)registered;
  capture_reporter reporter;
  ASSERT_EQ(benchmark::RunSpecifiedBenchmarks(&reporter, "^ref_call_rcu/backend:losing/.*/variant:call/"), 1u);
  ASSERT_EQ(reporter.rows.size(), 1u);
  ASSERT_FALSE(reporter.rows[0].error_occurred) << reporter.rows[0].error_message;
  EXPECT_GT(reporter.rows[0].counters.at("never_destroyed").value, 0);
  EXPECT_GT(reporter.rows[0].counters.at("violations").value, 0);
}

// ---- long_reader: the long reader's own check (long_violations), per mode ----
// global and chunk: on `broken` the retired elements are freed at once, under
// the long reader's section. srcu and ref: B's grace periods are real (mb);
// the long reader's own protection is broken instead: its srcu_domain does not
// wait, or ref mode's replacer releases the structure's reference twice.
struct lr_broken : rculab::mb {
  static constexpr const char kName[] = "lr_broken";
  static constexpr bool kBreakLongReader = true;
};

void register_lr_broken_points() {
  static const bool registered = [] {
    bench_options o = selftest_options();
    o.readers = {1};  // one short reader: the long reader keeps a CPU's share
    register_long_reader<lr_broken>(o);
    return true;
  }();
  (void)registered;
}

class LongReaderCheck : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(LongReaderCheck, CountsLongReaderViolations) {
  if (kTsan || RCULAB_ASAN)
    GTEST_SKIP() << "frees elements under the long reader on purpose; a sanitizer would stop the run";
  register_broken_points();
  register_lr_broken_points();
  const auto [backend, mode] = GetParam();
  const std::string filter = "^long_reader/backend:" + std::string(backend) +
                             "/readers:[0-9]+/updaters:1/mode:" + mode + "/elements:4096/";
  const violation_hunt hunt = hunt_violations(filter, std::chrono::seconds(30), "long_violations");
  ASSERT_EQ(hunt.error, "");
  EXPECT_GT(hunt.violations, 0) << filter << ": the long reader saw no freed element in " << hunt.runs
                                << " runs whose protection of it was broken";
}

INSTANTIATE_TEST_SUITE_P(
    Modes, LongReaderCheck,
    ::testing::Values(std::pair{"broken", "global"}, std::pair{"broken", "chunk"},
                      std::pair{"lr_broken", "srcu"}, std::pair{"lr_broken", "ref"}),
    [](const auto& info) { return std::string(info.param.second); });

// ---- hash_scan: each check on the setup that breaks it ----------------------
// poisoned_seen: hl_broken (below) frees deleted nodes at once, under lookups
// and scans, and its lookups linger ~1 us over what they found (scan:bucket;
// with `broken`, lookups that do not linger, a loaded 2-core VM took up to
// 20 s to catch one: too close to the bound).
// lookup_misses, scan_count_errors: hs_broken (real grace periods) publishes
// an inserted node before linking it, so readers lose the chain behind it
// (not under scan:rwlock, where the insert excludes every reader).
struct hs_broken : rculab::mb {
  static constexpr const char kName[] = "hs_broken";
  static constexpr bool kBreakHashInsert = true;
};

// `broken` whose hash lookups linger over what they found (hash_scan, hash_lookup).
struct hl_broken : broken {
  static constexpr const char kName[] = "hl_broken";
  static constexpr bool kLingerOnFound = true;
};

void register_hs_broken_points() {
  static const bool registered = [] {
    register_hash_scan<hs_broken>(selftest_options());
    register_hash_scan<hl_broken>(selftest_options());
    return true;
  }();
  (void)registered;
}

struct hash_scan_case {
  const char* backend;
  const char* scan;
  const char* counter;
};

class HashScanCheck : public ::testing::TestWithParam<hash_scan_case> {};

TEST_P(HashScanCheck, CheckFiresOnBrokenSetup) {
  if (kTsan || RCULAB_ASAN)
    GTEST_SKIP() << "frees nodes under readers on purpose; a sanitizer would stop the run";
  register_broken_points();
  register_hs_broken_points();
  const hash_scan_case c = GetParam();
  const std::string filter = "^hash_scan/backend:" + std::string(c.backend) +
                             "/readers:[0-9]+/updaters:1/scan:" + c.scan + "/";
  const violation_hunt hunt = hunt_violations(filter, std::chrono::seconds(30), c.counter);
  ASSERT_EQ(hunt.error, "");
  EXPECT_GT(hunt.violations, 0) << filter << ": " << c.counter << " stayed 0 in " << hunt.runs
                                << " runs of a setup that breaks it";
}

INSTANTIATE_TEST_SUITE_P(
    Checks, HashScanCheck,
    ::testing::Values(hash_scan_case{"hl_broken", "bucket", "poisoned_seen"},
                      hash_scan_case{"hs_broken", "one", "lookup_misses"},
                      hash_scan_case{"hs_broken", "bucket", "scan_count_errors"}),
    [](const ::testing::TestParamInfo<hash_scan_case>& info) {
      return std::string(info.param.backend) + "_" + info.param.scan + "_" + info.param.counter;
    });

}  // namespace
}  // namespace rculab::test

namespace rculab::test {
namespace {

// ---- route_table and hash_lookup (perfbook's routing table and hash zoo) -----
// poisoned_seen: `broken` frees deleted routes / elements / table copies at
// once, under lookups. In the 10-route list every lookup passes the deleted
// routes; in the hash table a lookup holds a deleted element only rarely
// (up to 15 runs here), so hl_broken's lookups also linger ~1 us over what
// they found. permanent_misses, wrong_iface: the insert bug (published before
// its link and, for a route, its interface are set) on real grace periods:
// rt_broken for route_table, hs_broken (hash_scan's node insert, shared) for
// hash_lookup. Each fires in the first 0.2 s run here; the bound allows a
// loaded machine a few more.
struct rt_broken : rculab::mb {
  static constexpr const char kName[] = "rt_broken";
  static constexpr bool kBreakRouteInsert = true;
};

// Reclamation broken where the backend is not used: refcnt retires a deleted
// route under its readers, hazptr's scan frees what readers' hazard pointers
// hold (the entries are poisoned, then parked or quarantined, never reused
// at once, so a reader reads the poison).
struct rt_reclaim_broken : rculab::mb {
  static constexpr const char kName[] = "rt_reclaim_broken";
  static constexpr bool kBreakRouteReclaim = true;
};

void register_zoo_broken_points() {
  static const bool registered = [] {
    register_route_table<rt_broken>(selftest_options());
    register_route_table<rt_reclaim_broken>(selftest_options());
    register_hash_lookup<hs_broken>(selftest_options());
    register_hash_lookup<hl_broken>(selftest_options());
    return true;
  }();
  (void)registered;
}

struct zoo_case {
  const char* workload;
  const char* backend;
  const char* rest;  // variant and size
  const char* counter;
};

void PrintTo(const zoo_case& c, std::ostream* os) {
  *os << c.workload << "/backend:" << c.backend << "/.../" << c.rest << " " << c.counter;
}

class ZooCheck : public ::testing::TestWithParam<zoo_case> {};

TEST_P(ZooCheck, CheckFiresOnBrokenSetup) {
  if (kTsan || RCULAB_ASAN)
    GTEST_SKIP() << "frees under readers or publishes unset entries on purpose; a sanitizer would stop the run";
  register_broken_points();
  register_zoo_broken_points();
  const zoo_case c = GetParam();
  const std::string filter = "^" + std::string(c.workload) + "/backend:" + c.backend +
                             "/readers:[0-9]+/updaters:1/" + c.rest + "/";
  const violation_hunt hunt = hunt_violations(filter, std::chrono::seconds(3), c.counter);
  ASSERT_EQ(hunt.error, "");
  RecordProperty("runs", std::to_string(hunt.runs));
  RecordProperty("count", std::to_string(uint64_t(hunt.violations)));
  EXPECT_GT(hunt.violations, 0) << filter << ": " << c.counter << " stayed 0 in " << hunt.runs
                                << " runs of a setup that breaks it";
}

INSTANTIATE_TEST_SUITE_P(
    Checks, ZooCheck,
    ::testing::Values(zoo_case{"route_table", "broken", "variant:rcu/routes:10", "poisoned_seen"},
                      zoo_case{"route_table", "broken", "variant:copy/routes:10", "poisoned_seen"},
                      zoo_case{"route_table", "rt_broken", "variant:rcu/routes:10", "permanent_misses"},
                      zoo_case{"route_table", "rt_broken", "variant:rcu/routes:10", "wrong_iface"},
                      zoo_case{"route_table", "rt_reclaim_broken", "variant:refcnt/routes:10", "poisoned_seen"},
                      zoo_case{"route_table", "rt_reclaim_broken", "variant:hazptr/routes:10", "poisoned_seen"},
                      zoo_case{"hash_lookup", "hl_broken", "variant:rcu/hot_pct:0", "poisoned_seen"},
                      zoo_case{"hash_lookup", "hs_broken", "variant:rcu/hot_pct:0", "permanent_misses"}),
    [](const ::testing::TestParamInfo<zoo_case>& info) {
      const std::string rest = info.param.rest;  // variant:V/...
      const size_t at = rest.find("variant:") + 8;
      return std::string(info.param.workload) + "_" + info.param.backend + "_" +
             rest.substr(at, rest.find('/', at) - at) + "_" + info.param.counter;
    });

// ---- stat_counter and removable_device: their after-run checks ---------------
// Deterministic broken setups (one short run each, grace periods real):
// sc_broken's exits drop a thread's counter without folding its count into
// the total, so the final sum misses every exited life's increments;
// rd_broken's removal does not wait for the in-flight I/Os to drain (and its
// I/Os last 200 us, so some are always in flight), so they are lost with the
// device: never counted out (`undrained`) and neither completed nor cancelled.
struct sc_broken : rculab::mb {
  static constexpr const char kName[] = "sc_broken";
  static constexpr bool kBreakCounterExit = true;
};

struct rd_broken : rculab::mb {
  static constexpr const char kName[] = "rd_broken";
  static constexpr bool kBreakDeviceDrain = true;
};

void register_after_run_broken_points() {
  static const bool registered = [] {
    bench_options o = selftest_options();
    o.measure_seconds = 0.05;
    o.readers = {2};
    register_stat_counter<sc_broken>(o);
    register_removable_device<rd_broken>(o);
    return true;
  }();
  (void)registered;
}

// The counters of the one point matching `filter`, run once.
std::map<std::string, double> run_once(const std::string& filter) {
  capture_reporter reporter;
  EXPECT_EQ(benchmark::RunSpecifiedBenchmarks(&reporter, filter), 1u) << filter;
  std::map<std::string, double> counters;
  if (reporter.rows.size() != 1) return counters;
  EXPECT_FALSE(reporter.rows[0].error_occurred) << reporter.rows[0].error_message;
  for (const auto& [name, counter] : reporter.rows[0].counters) counters[name] = counter.value;
  return counters;
}

class AfterRunCheck : public ::testing::TestWithParam<const char*> {};

TEST_P(AfterRunCheck, FinalSumMissesForgottenCounts) {
  register_after_run_broken_points();
  const std::string filter = "^stat_counter/backend:sc_broken/readers:2/updaters:1/variant:" +
                             std::string(GetParam()) + "/life:1000/";
  auto c = run_once(filter);
  ASSERT_FALSE(c.empty());
  EXPECT_GT(c["count_error"], 0) << "the final sum matched the increments although exits dropped their counts";
  EXPECT_GT(c["violations"], 0);
}

TEST_P(AfterRunCheck, LostInFlightIoIsCounted) {
  if (kTsan || RCULAB_ASAN)
    GTEST_SKIP() << "the broken removal frees devices under I/Os on purpose; a sanitizer would stop the run";
  register_after_run_broken_points();
  const std::string variant = std::string(GetParam()) == "lock" ? "rwlock" : "rcu";
  const std::string filter = "^removable_device/backend:rd_broken/readers:2/updaters:1/variant:" + variant +
                             "/present_us:100/";
  auto c = run_once(filter);
  ASSERT_FALSE(c.empty());
  EXPECT_GT(c["undrained"], 0) << "devices freed with I/Os still counted in went unnoticed";
  EXPECT_GT(c["io_attempted"], c["io_cancelled"] + c["io_completed"])
      << "I/Os lost with their device still balance cancelled + completed == attempted";
  EXPECT_GT(c["violations"], 0);
}

INSTANTIATE_TEST_SUITE_P(Variants, AfterRunCheck, ::testing::Values("rcu", "lock"),
                         [](const auto& info) { return std::string(info.param); });

// ---- percpu_ref: a get on a released generation ------------------------------
// On `broken` the mode switch's fold runs right after kill() sets atomic mode,
// without waiting for the gets that read per-thread mode just before: their
// increment lands after the fold, the count reaches 0 while they hold a
// reference, and their check sees the release (get_after_release). The window
// between reading the mode and incrementing is a few instructions;
// pr_broken widens it (~10 µs) so one short run sees it.
struct pr_broken : broken {
  static constexpr const char kName[] = "pr_broken";
  static constexpr uint64_t kPercpuRefWindowSpins = 10'000;
};
static_assert(Backend<pr_broken>);

TEST(PercpuRefCheck, CountsGetsAfterReleaseOnBrokenBackend) {
  if (kTsan || RCULAB_ASAN) GTEST_SKIP() << "folds per-thread counts under their writers on purpose";
  static const bool registered = [] {
    register_percpu_ref<pr_broken>(selftest_options());
    return true;
  }();
  (void)registered;
  const std::string filter = "^percpu_ref/backend:pr_broken/readers:[0-9]+/updaters:1/variant:percpu/live_us:1000/";
  const violation_hunt hunt = hunt_violations(filter, std::chrono::seconds(20), "get_after_release");
  ASSERT_EQ(hunt.error, "");
  RecordProperty("runs", std::to_string(hunt.runs));
  RecordProperty("violations", std::to_string(uint64_t(hunt.violations)));
  EXPECT_GT(hunt.violations, 0) << filter << ": no get on a released generation in " << hunt.runs
                                << " runs whose mode switch did not wait for a grace period";
  EXPECT_GT(hunt.core_violations, 0) << "get_after_release is not counted in violations";
  // The late getter still holds its reference when the release it caused
  // has happened: its check before the put sees it too.
  const violation_hunt held = hunt_violations(filter, std::chrono::seconds(20), "put_after_release");
  ASSERT_EQ(held.error, "");
  EXPECT_GT(held.violations, 0) << filter << ": no release seen while a reference was held in " << held.runs
                                << " runs";
}

}  // namespace
}  // namespace rculab::test

namespace rculab::test {
namespace {

// The end-of-run checks: `losing` (declared with ref_call_rcu's test) drops
// the mode switch's callback, so a killed ref is never released: the kill
// has no release (release_mismatch) and the count still holds its bias.
TEST(PercpuRefCheck, CountsKillsNeverReleased) {
  static const bool registered = [] {
    bench_options o = selftest_options();
    o.readers = {1};
    o.measure_seconds = 0.05;
    register_percpu_ref<losing>(o);
    return true;
  }();
  (void)registered;
  capture_reporter reporter;
  ASSERT_EQ(benchmark::RunSpecifiedBenchmarks(&reporter, "^percpu_ref/backend:losing/.*/variant:percpu/live_us:1000/"),
            1u);
  ASSERT_EQ(reporter.rows.size(), 1u);
  ASSERT_FALSE(reporter.rows[0].error_occurred) << reporter.rows[0].error_message;
  EXPECT_GT(reporter.rows[0].counters.at("release_mismatch").value, 0);
  EXPECT_GT(reporter.rows[0].counters.at("count_error").value, 0);
  EXPECT_GT(reporter.rows[0].counters.at("violations").value, 0);
}

}  // namespace
}  // namespace rculab::test

namespace rculab::test {
namespace {

// ---- retrigger_gp: each check on the setup that breaks it -------------------
// freed_reads: on rg_broken (`broken`: close_cb runs at once, synchronize
// waits for nothing) cleanup frees the object under readers that loaded it
// just before close(); readers use it ~10 µs (test-only) so that one short
// run sees it (unwidened, a run saw 0 to 2). double_queue: rg_requeue's close() in
// REOPENING queues the head again while it is queued. bad_cleanup and
// model_mismatch: rg_assign has the listing's `if (rtrg_status =
// RTRG_CLOSING)`, so a callback in REOPENING cleans up an open object.
// unsettled, lost_cleanups: `losing` (with ref_call_rcu's test) drops the
// callback, so the machine never leaves CLOSING and its object is never
// cleaned up (the run leaks its state on purpose: a callback could still
// come). bad_callback: rg_twice invokes each callback twice, the second
// finds CLOSED or OPEN.
struct rg_broken : broken {
  static constexpr const char kName[] = "rg_broken";
  static constexpr uint64_t kRetriggerUseSpins = 10'000;
};
struct rg_requeue : rculab::mb {
  static constexpr const char kName[] = "rg_requeue";
  static constexpr auto kRetriggerBug = retrigger_gp_detail::machine_bug::requeue_while_queued;
};
struct rg_assign : rculab::mb {
  static constexpr const char kName[] = "rg_assign";
  static constexpr auto kRetriggerBug = retrigger_gp_detail::machine_bug::assign_in_condition;
};

struct rg_twice : broken {
  static constexpr const char kName[] = "rg_twice";
  static void call(rcu_head* h, void (*f)(rcu_head*)) {
    f(h);
    f(h);
  }
};
static_assert(Backend<rg_twice>);

void register_rg_broken_points() {
  static const bool registered = [] {
    register_retrigger_gp<rg_broken>(selftest_options());
    register_retrigger_gp<rg_requeue>(selftest_options());
    register_retrigger_gp<rg_assign>(selftest_options());
    register_retrigger_gp<losing>(selftest_options());
    register_retrigger_gp<rg_twice>(selftest_options());
    return true;
  }();
  (void)registered;
}

struct retrigger_case {
  const char* backend;
  const char* variant;
  const char* counter;
};

class RetriggerCheck : public ::testing::TestWithParam<retrigger_case> {};

TEST_P(RetriggerCheck, CheckFiresOnBrokenSetup) {
  if (kTsan || RCULAB_ASAN) GTEST_SKIP() << "frees the object under readers on purpose";
  register_rg_broken_points();
  const retrigger_case c = GetParam();
  const std::string filter = "^retrigger_gp/backend:" + std::string(c.backend) +
                             "/readers:[0-9]+/updaters:1/variant:" + c.variant + "/gap_us:0/";
  const violation_hunt hunt = hunt_violations(filter, std::chrono::seconds(20), c.counter);
  ASSERT_EQ(hunt.error, "");
  RecordProperty("runs", std::to_string(hunt.runs));
  RecordProperty("violations", std::to_string(uint64_t(hunt.violations)));
  EXPECT_GT(hunt.violations, 0) << filter << ": " << c.counter << " stayed 0 in " << hunt.runs
                                << " runs of a setup that breaks it";
  EXPECT_GT(hunt.core_violations, 0) << c.counter << " is not counted in violations";
}

INSTANTIATE_TEST_SUITE_P(
    Checks, RetriggerCheck,
    ::testing::Values(retrigger_case{"rg_broken", "retrigger", "freed_reads"},
                      retrigger_case{"rg_broken", "sync", "freed_reads"},
                      retrigger_case{"rg_requeue", "retrigger", "double_queue"},
                      retrigger_case{"rg_assign", "retrigger", "bad_cleanup"},
                      retrigger_case{"rg_assign", "retrigger", "model_mismatch"},
                      retrigger_case{"losing", "retrigger", "unsettled"},
                      retrigger_case{"losing", "retrigger", "lost_cleanups"},
                      retrigger_case{"rg_twice", "retrigger", "bad_callback"}),
    [](const ::testing::TestParamInfo<retrigger_case>& info) {
      return std::string(info.param.backend) + "_" + info.param.variant + "_" + info.param.counter;
    });

}  // namespace
}  // namespace rculab::test

namespace rculab::test {
namespace {

// ---- call_rcu: the backlog the updaters throttle on ---------------------------
// An updater adds its calls to `allocated` once per batch, after making them,
// so the worker's `invoked` can run ahead for a moment. The backlog is then 0,
// not a wrapped 2^64 that reads as a huge backlog and throttles every updater.
TEST(CallRcuBacklog, InvokedAheadOfAllocatedIsNoBacklog) {
  call_rcu_detail::shared s;
  s.slots = std::vector<call_rcu_detail::updater_slot>(2);
  auto tally = std::make_unique<call_rcu_detail::callback_tally>();
  call_rcu_detail::callback_tally& t = *tally;
  s.add_tally(std::move(tally));
  s.slots[0].allocated.store(64);
  s.slots[1].allocated.store(0);  // its batch of 64 is queued, not yet counted
  for (int i = 0; i < 70; ++i) t.count_invoked();
  EXPECT_EQ(s.backlog(), 0u);
  s.slots[1].allocated.store(64);
  EXPECT_EQ(s.backlog(), 58u);
}

}  // namespace
}  // namespace rculab::test
