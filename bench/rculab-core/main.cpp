// rculab-core: the C++ side of the rculab CLI (the Python `rculab` script
// builds it and forwards to it). Subcommands: list, torture, quick, calibrate, host.
// Bad input: one line on stderr, exit 2.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/calibrate/calibrate.h"
#include "bench/flags/flags.h"
#include "bench/rculab-core/host.h"
#include "bench/rculab-core/json.h"
#include "bench/workloads/catalogue.h"
#include "bench/registry/registry.h"
#include "impls/core/barrier.h"
#include "impls/core/call_rcu_engine.h"
#include "impls/urcu/urcu_reference.h"

namespace rculab {
namespace {

constexpr const char* kUsage =
    "usage: rculab-core <command> [options]\n"
    "commands:\n"
    "  list [--json]                 list the backends and their traits\n"
    "  torture --backend B [--seconds S] [--readers N] [--seed X]\n"
    "          [--extra-updaters K] [--gp-style G] [--churn] [--json]\n"
    "                                run the grace-period torture gate\n"
    "  quick [--backend B] [--iterations N] [--samples K] [--json]\n"
    "                                rough read cost and synchronize latency\n"
    "  calibrate [--seconds S] [--json]\n"
    "                                ns per fence, atomic increment, membarrier, signal\n"
    "  host [--xml FILE] [--json]    topology, library versions, membarrier support\n";

constexpr const char* kCalibrateUsage =
    "usage: rculab-core calibrate [--seconds S] [--json]\n"
    "Times this host's primitives: ns per mfence, lock or, atomic_thread_fence,\n"
    "uncontended and contended atomic increment, membarrier, signal round trip.\n"
    "ns = raw_ns (median batch, loop included) - loop_ns (the empty loop).\n"
    "  --seconds S   time per measure, default 0.2 (0 < S <= 86400)\n"
    "  --json        one JSON object instead of a table\n";

constexpr const char* kHostUsage =
    "usage: rculab-core host [--xml FILE] [--json]\n"
    "This host as hwloc and the loaded libraries see it (the whole machine, not\n"
    "only the CPUs this process may use).\n"
    "  --xml FILE    also export hwloc's XML topology to FILE\n"
    "  --json        one JSON object instead of a summary\n";

constexpr const char* kTortureUsage =
    "usage: rculab torture --backend B [--seconds S] [--readers N] [--seed X]\n"
    "                      [--extra-updaters K] [--gp-style G] [--churn] [--json]\n"
    "       rculab torture --soak DURATION [--backends A,B] [--readers 1,2,4,8]\n"
    "Runs the rcutorture-style pipeline gate on backend B: readers record the age\n"
    "of the slot they see and whether it was freed; PASS iff no reader saw a freed\n"
    "slot or an age >= 2 and at least one update completed. Exit 0 PASS, 1 FAIL.\n"
    "  --backend B          backend name (see `rculab list`)\n"
    "  --seconds S          duration, default 3 (0 < S <= 86400)\n"
    "  --readers N          reader threads, default 4 (may exceed the CPUs)\n"
    "  --seed X             seed for in-section work and update kinds, default 1\n"
    "  --extra-updaters K   threads adding grace-period pressure, default 5\n"
    "  --gp-style G         how updaters wait for grace periods: synchronize,\n"
    "                       call_rcu (call() without waiting, slots reused once\n"
    "                       their callback ran) or mixed (each update picks\n"
    "                       synchronize, call + barrier or call), default mixed\n"
    "  --churn              readers and updaters are short-lived threads, each\n"
    "                       replaced by a newly registered one (a few ms each)\n"
    "  --json               one JSON object instead of text\n"
    "`rculab torture --soak` (the Python side) runs every backend x readers x\n"
    "gp style x churn cell with the duration split over the cells.\n";

[[noreturn]] void fail_usage(const std::string& message) { throw usage_error(message); }

gp_style parse_style(std::string_view flag, const std::string& text) {
  if (const std::optional<gp_style> style = parse_gp_style(text)) return *style;
  std::string names;
  for (gp_style s : kGpStyles) names += (names.empty() ? "" : ", ") + std::string(gp_style_name(s));
  fail_usage(std::string(flag) + ": expected one of " + names + ", got '" + text + "'");
}

[[noreturn]] void unknown_option(std::string_view command, const flag_reader& args) {
  fail_usage(std::string(command) + ": unknown option '" + args.arg() + "'");
}

void write_traits(json_writer& j, const backend_traits& t) {
  j.begin_object()
      .key("needs_quiescent_states").value(t.needs_quiescent_states)
      .key("readers_block_updaters").value(t.readers_block_updaters)
      .key("callbacks_fifo_per_thread").value(t.callbacks_fifo_per_thread)
      .key("safe_for_updates").value(t.safe_for_updates)
      .key("ours").value(t.ours)
      .key("reference").value(!t.ours)
      .key("external").value(t.external)
      .key("instrumented").value(t.instrumented)
      .end_object();
}

// A workload runs on a backend that is available here and, if it updates,
// safe for updates (`none` is not).
bool runs_workload(const backend_entry& b, const workload_descriptor& w) {
  return b.unavailable_reason().empty() && (!w.needs_updates || b.traits.safe_for_updates);
}

void write_levels(json_writer& j, const std::vector<uint64_t>& levels) {
  j.begin_array();
  for (uint64_t v : levels) j.value(v);
  j.end_array();
}

// The descriptor as the lab's Python side reads it (lab/records/catalogue.py).
void write_descriptor(json_writer& j, const workload_descriptor& w) {
  j.begin_object().key("name").value(w.name).key("summary").value(w.summary)
      .key("needs_updates").value(w.needs_updates).key("params").begin_array();
  for (const param_desc& p : w.params) {
    j.begin_object().key("key").value(p.key).key("levels");
    write_levels(j, p.levels);
    j.key("always");
    write_levels(j, p.always);
    j.key("about").value(p.about).end_object();
  }
  j.end_array().key("variant_key").value(w.variant_key).key("variants").begin_array();
  for (const variant_desc& v : w.variants)
    j.begin_object().key("name").value(v.name).key("rcu").value(v.rcu).key("label").value(v.label).end_object();
  j.end_array().key("counters").begin_array();
  for (const counter_desc& c : w.counters)
    j.begin_object().key("name").value(c.name).key("unit").value(c.unit).key("about").value(c.about)
        .key("most").value(c.most).key("most_per_updater").value(c.most_per_updater).end_object();
  j.end_array().key("checks").begin_array();
  for (std::string_view c : w.checks) j.value(c);
  j.end_array().key("metrics").begin_array();
  for (const metric_desc& m : w.metrics)
    j.begin_object().key("name").value(m.name).key("label").value(m.label).key("unit").value(m.unit)
        .key("higher_is_better").value(m.higher_is_better).key("kind").value(m.kind).key("a").value(m.a)
        .key("b").value(m.b).end_object();
  j.end_array().key("headline").value(w.headline).key("throughput").value(w.throughput)
      .key("paced_by").value(w.paced_by).key("paced_headline").value(w.paced_headline);
}

// The workloads alone, host-independent: bench/workloads/catalogue.json.
int print_catalogue() {
  json_writer j;
  j.begin_object().key("workloads").begin_array();
  for (const workload_descriptor* w : workload_catalogue()) {
    write_descriptor(j, *w);
    j.end_object();
  }
  std::printf("%s\n", j.end_array().end_object().str().c_str());
  return 0;
}

int cmd_list(flag_reader args) {
  bool as_json = false, catalogue = false;
  while (args.next()) {
    if (args.is("--json")) { args.no_value(); as_json = true; }
    else if (args.is("--catalogue")) { args.no_value(); catalogue = true; }
    else if (args.is("--help") || args.is("-h")) {
      std::fputs("usage: rculab list [--json | --catalogue]\n"
                 "  --json        backends (with this host's availability) and workloads\n"
                 "  --catalogue   the workloads' descriptors alone (bench/workloads/catalogue.json)\n", stdout);
      return 0;
    } else unknown_option("list", args);
  }
  if (catalogue) return print_catalogue();
  if (as_json) {
    json_writer j;
    j.begin_object().key("backends").begin_array();
    for (const auto& b : all_backends()) {
      j.begin_object().key("name").value(b.name).key("traits");
      write_traits(j, b.traits);
      const std::string why = b.unavailable_reason();
      j.key("available").value(why.empty()).key("mode").value(b.mode());
      if (!why.empty()) j.key("unavailable_reason").value(why);
      j.end_object();
    }
    j.end_array().key("workloads").begin_array();
    for (const workload_descriptor* w : workload_catalogue()) {
      write_descriptor(j, *w);
      j.key("backends").begin_array();
      for (const auto& b : all_backends())
        if (runs_workload(b, *w)) j.value(b.name);
      j.end_array().end_object();
    }
    j.end_array().key("liburcu_version").value(kLiburcuVersion)
        .key("full_fence").value(full_fence_name()).end_object();
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("%-12s %-5s %-9s %-8s %-8s %s\n", "backend", "ours", "needs-qs", "blocks", "updates",
              "mode");
  for (const auto& b : all_backends()) {
    const auto& t = b.traits;
    std::printf("%-12s %-5s %-9s %-8s %-8s %s\n", std::string(b.name).c_str(),
                t.ours ? "yes" : t.external ? "ext" : "ref", t.needs_quiescent_states ? "yes" : "no",
                t.readers_block_updaters ? "yes" : "no", t.safe_for_updates ? "safe" : "unsafe",
                b.mode().c_str());
  }
  std::printf("liburcu %s; full fence: %s\n\n", kLiburcuVersion, full_fence_name());
  std::printf("%-17s %-8s %s\n", "workload", "backends", "parameters / what it measures");
  for (const workload_descriptor* w : workload_catalogue()) {
    std::string params;
    for (const param_desc& p : w->params) params += (params.empty() ? "" : ",") + std::string(p.key);
    std::printf("%-17s %-8s %s: %s\n", std::string(w->name).c_str(), w->needs_updates ? "updates" : "all",
                params.c_str(), std::string(w->summary).c_str());
  }
  std::printf("(updates: every backend safe for updates and available here)\n");
  return 0;
}

void print_torture_json(const torture_result& r) {
  json_writer j;
  j.begin_object()
      .key("backend").value(r.backend)
      .key("pass").value(r.passed())
      .key("seconds").value(r.config.seconds)
      .key("measured_seconds").value(r.measured_seconds)
      .key("readers").value(uint64_t{r.config.readers})
      .key("extra_updaters").value(uint64_t{r.config.extra_updaters})
      .key("seed").value(r.config.seed)
      .key("gp_style").value(gp_style_name(r.config.style))
      .key("churn").value(r.config.churn)
      .key("reader_threads").value(r.reader_threads)
      .key("updater_threads").value(r.updater_threads)
      .key("reads").value(r.reads)
      .key("updates").value(r.updates)
      .key("updates_by_synchronize").value(r.updates_by_synchronize)
      .key("updates_by_call_rcu").value(r.updates_by_call_rcu)
      .key("updates_by_async_call_rcu").value(r.updates_by_async_call_rcu)
      .key("extra_synchronize_calls").value(r.extra_synchronize_calls)
      .key("extra_callbacks").value(r.extra_callbacks)
      .key("sync_calls").value(r.stats.synchronize_calls)
      .key("grace_periods").value(r.stats.grace_periods)
      .key("callbacks_queued").value(r.stats.callbacks_queued)
      .key("callbacks_invoked").value(r.stats.callbacks_invoked)
      .key("callbacks_pending_peak").value(r.stats.callbacks_pending_peak)
      .key("freed_seen").value(r.freed_seen)
      .key("too_old").value(r.too_old())
      .key("max_age").value(uint64_t{r.max_age()})
      .key("age_histogram").begin_array();
  for (uint64_t n : r.age_histogram) j.value(n);
  j.end_array().end_object();
  std::printf("%s\n", j.str().c_str());
}

std::string optional_text(const std::optional<uint64_t>& v) {
  return v ? std::to_string(*v) : std::string("n/a");
}

void print_torture_text(const torture_result& r, const std::string& mode) {
  const auto& c = r.config;
  std::printf("torture: backend=%s readers=%u extra-updaters=%u seconds=%g seed=%llu\n",
              r.backend.c_str(), c.readers, c.extra_updaters, c.seconds,
              static_cast<unsigned long long>(c.seed));
  std::printf("gp style: %s  churn: %s  threads started: %llu readers, %llu updaters\n",
              std::string(gp_style_name(c.style)).c_str(), c.churn ? "yes" : "no",
              (unsigned long long)r.reader_threads, (unsigned long long)r.updater_threads);
  std::printf("mode: %s\n", mode.c_str());
  std::printf("age histogram (age: reads):\n");
  for (unsigned a = 0; a < kAgeBuckets; ++a)
    std::printf("  %s%-2u %llu\n", a + 1 == kAgeBuckets ? ">=" : "  ", a,
                static_cast<unsigned long long>(r.age_histogram[a]));
  std::printf("reads: %llu  updates: %llu (synchronize %llu, call_rcu+barrier %llu, call_rcu %llu)\n",
              (unsigned long long)r.reads, (unsigned long long)r.updates,
              (unsigned long long)r.updates_by_synchronize, (unsigned long long)r.updates_by_call_rcu,
              (unsigned long long)r.updates_by_async_call_rcu);
  std::printf("synchronize calls: %llu (extra updaters %llu, their callbacks %llu)  grace periods: %s",
              (unsigned long long)r.stats.synchronize_calls,
              (unsigned long long)r.extra_synchronize_calls, (unsigned long long)r.extra_callbacks,
              optional_text(r.stats.grace_periods).c_str());
  if (r.stats.grace_periods && *r.stats.grace_periods)
    std::printf("  calls per grace period: %.2f",
                double(r.stats.synchronize_calls) / double(*r.stats.grace_periods));
  std::printf("\ncallbacks queued: %llu  invoked: %s  pending peak: %s\n",
              (unsigned long long)r.stats.callbacks_queued, optional_text(r.stats.callbacks_invoked).c_str(),
              optional_text(r.stats.callbacks_pending_peak).c_str());
  std::printf("freed slots seen: %llu  reads with age >= 2: %llu  max age: %u\n",
              (unsigned long long)r.freed_seen, (unsigned long long)r.too_old(), r.max_age());
  if (r.passed()) std::printf("PASS: %s\n", r.backend.c_str());
  else if (r.updates == 0) std::printf("FAIL: %s: no update completed\n", r.backend.c_str());
  else std::printf("FAIL: %s: grace period ended before a reader that could see the slot\n", r.backend.c_str());
}

int cmd_torture(flag_reader args) {
  torture_config config;
  std::string backend;
  bool as_json = false;
  while (args.next()) {
    const std::string_view flag = args.name();
    if (flag == "--backend") backend = args.value();
    else if (flag == "--seconds") config.seconds = parse_seconds(flag, args.value(), 86400);
    else if (flag == "--readers") config.readers = parse_uint(flag, args.value(), 1, 4096);
    else if (flag == "--seed") config.seed = parse_uint(flag, args.value(), 0, UINT64_MAX);
    else if (flag == "--extra-updaters") config.extra_updaters = parse_uint(flag, args.value(), 0, 1024);
    else if (flag == "--gp-style") config.style = parse_style(flag, args.value());
    else if (flag == "--churn") { args.no_value(); config.churn = true; }
    else if (flag == "--json") { args.no_value(); as_json = true; }
    else if (flag == "--help" || flag == "-h") { std::fputs(kTortureUsage, stdout); return 0; }
    else unknown_option("torture", args);
  }
  if (backend.empty()) fail_usage("torture: --backend is required (one of: " + backend_names() + ")");
  const backend_entry* b = find_backend(backend);
  if (!b) fail_usage("torture: unknown backend '" + backend + "' (one of: " + backend_names() + ")");
  if (!b->traits.safe_for_updates)
    fail_usage("torture: backend '" + backend + "' is not safe for updates; nothing to torture");
  if (const std::string why = b->unavailable_reason(); !why.empty())
    fail_usage("torture: backend '" + backend + "' is unavailable here: " + why);

  const torture_result r = b->torture(config);
  if (as_json) print_torture_json(r);
  else print_torture_text(r, b->mode());
  return r.passed() ? 0 : 1;
}

int cmd_quick(flag_reader args) {
  std::string only;
  uint64_t iterations = 20'000'000;
  unsigned samples = 200;
  bool as_json = false;
  while (args.next()) {
    const std::string_view flag = args.name();
    if (flag == "--backend") only = args.value();
    else if (flag == "--iterations") iterations = parse_uint(flag, args.value(), 1000, 1'000'000'000'000);
    else if (flag == "--samples") samples = parse_uint(flag, args.value(), 1, 1'000'000);
    else if (flag == "--json") { args.no_value(); as_json = true; }
    else if (flag == "--help" || flag == "-h") {
      std::fputs("usage: rculab quick [--backend B] [--iterations N] [--samples K] [--json]\n", stdout);
      return 0;
    } else unknown_option("quick", args);
  }
  if (!only.empty()) {
    const backend_entry* b = find_backend(only);
    if (!b) fail_usage("quick: unknown backend '" + only + "' (one of: " + backend_names() + ")");
    // Named, it must run: skipping it would be an empty table and exit 0.
    if (const std::string why = b->unavailable_reason(); !why.empty())
      fail_usage("quick: backend '" + only + "' is unavailable here: " + why);
  }
  json_writer j;
  j.begin_array();
  if (!as_json)
    std::printf("%-12s %9s %9s %9s %12s %12s\n", "backend", "read ns", "loop ns", "net ns",
                "sync p50 us", "sync max us");
  for (const auto& b : all_backends()) {
    if (!only.empty() && b.name != only) continue;
    if (!b.unavailable_reason().empty()) continue;
    const quick_result r = b.quick(iterations, samples);
    if (as_json) {
      j.begin_object().key("backend").value(b.name).key("read_ns").value(r.read_ns)
          .key("loop_ns").value(r.loop_ns).key("sync_p50_us").value(r.sync_p50_us)
          .key("sync_max_us").value(r.sync_max_us).end_object();
    } else {
      std::printf("%-12s %9.2f %9.2f %9.2f %12.1f %12.1f\n", std::string(b.name).c_str(), r.read_ns,
                  r.loop_ns, r.read_ns - r.loop_ns, r.sync_p50_us, r.sync_max_us);
      std::fflush(stdout);
    }
  }
  if (as_json) std::printf("%s\n", j.end_array().str().c_str());
  return 0;
}

void write_measure(json_writer& j, const calibration_measure& m) {
  j.key(m.name).begin_object().key("available").value(m.available).key("what").value(m.what)
      .key("threads").value(uint64_t{m.threads});
  if (!m.available) {
    j.key("reason").value(m.reason).end_object();
    return;
  }
  // JSON has no NaN or infinity: a broken timing becomes null, never "nan".
  const auto number = [&j](const char* key, double v) {
    j.key(key);
    if (std::isfinite(v)) j.value(v);
    else j.null();
  };
  number("ns", m.ns);
  number("raw_ns", m.raw_ns);
  number("loop_ns", m.loop_ns);
  j.key("operations").value(m.operations).end_object();
}

void print_calibration_text(const std::vector<calibration_measure>& measures) {
  std::printf("%-26s %10s %10s %9s %7s  %s\n", "primitive", "ns", "raw ns", "loop ns", "threads", "what");
  for (const auto& m : measures) {
    if (m.available)
      std::printf("%-26s %10.2f %10.2f %9.2f %7u  %s\n", m.name.c_str(), m.ns, m.raw_ns, m.loop_ns, m.threads,
                  m.what.c_str());
    else
      std::printf("%-26s %10s %10s %9s %7u  unavailable: %s\n", m.name.c_str(), "-", "-", "-", m.threads,
                  m.reason.c_str());
  }
}

int cmd_calibrate(flag_reader args) {
  double seconds = 0.2;
  bool as_json = false;
  while (args.next()) {
    const std::string_view flag = args.name();
    if (flag == "--seconds") seconds = parse_seconds(flag, args.value(), 86400);
    else if (flag == "--json") { args.no_value(); as_json = true; }
    else if (flag == "--help" || flag == "-h") { std::fputs(kCalibrateUsage, stdout); return 0; }
    else unknown_option("calibrate", args);
  }
  const std::vector<calibration_measure> measures = run_calibration(seconds);
  if (!as_json) {
    print_calibration_text(measures);
    return 0;
  }
  json_writer j;
  j.begin_object().key("seconds").value(seconds).key("unit").value("ns per operation")
      .key("full_fence").value(full_fence_name()).key("measures").begin_object();
  for (const auto& m : measures) write_measure(j, m);
  std::printf("%s\n", j.end_object().end_object().str().c_str());
  return 0;
}

int cmd_host(flag_reader args) {
  std::string xml_path;
  bool as_json = false;
  while (args.next()) {
    const std::string_view flag = args.name();
    if (flag == "--xml") xml_path = args.value();
    else if (flag == "--json") { args.no_value(); as_json = true; }
    else if (flag == "--help" || flag == "-h") { std::fputs(kHostUsage, stdout); return 0; }
    else unknown_option("host", args);
  }
  const topology topo = topology::whole_machine();
  if (!xml_path.empty()) topo.export_xml(xml_path);
  if (as_json) {
    json_writer j;
    write_host_facts(j, topo);
    std::printf("%s\n", j.str().c_str());
  } else {
    std::printf("packages %u, cores %u, PUs %u; synthetic: %s\n", topo.package_count(), topo.core_count(),
                topo.pu_count(), topo.synthetic_description().c_str());
    if (!xml_path.empty()) std::printf("topology XML written to %s\n", xml_path.c_str());
  }
  return 0;
}

int dispatch(int argc, char** argv) {
  if (const std::string bad = call_rcu_workers_env_error(); !bad.empty()) fail_usage(bad);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty())
    fail_usage("usage: rculab-core <command> [options] (commands: list, torture, quick, calibrate, host; "
               "see: rculab-core --help)");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string command = args[0];
  flag_reader rest(std::vector<std::string>(args.begin() + 1, args.end()));
  if (command == "list") return cmd_list(std::move(rest));
  if (command == "torture") return cmd_torture(std::move(rest));
  if (command == "quick") return cmd_quick(std::move(rest));
  if (command == "calibrate") return cmd_calibrate(std::move(rest));
  if (command == "host") return cmd_host(std::move(rest));
  fail_usage("unknown command '" + command + "' (commands: list, torture, quick, calibrate, host)");
}

}  // namespace
}  // namespace rculab

int main(int argc, char** argv) {
  try {
    return rculab::dispatch(argc, argv);
  } catch (const rculab::usage_error& e) {
    std::fprintf(stderr, "rculab: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rculab: error: %s\n", e.what());
    return 2;
  }
}
