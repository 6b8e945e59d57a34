// rculab-bench: the Google Benchmark driver. Google Benchmark's own flags
// (--benchmark_filter, --benchmark_repetitions, --benchmark_out=FILE
// --benchmark_out_format=json, ...) work as usual; the lab's flags are
// --name=value pairs listed in kUsage. Bad input: one line, exit 2, and no
// --benchmark_out file written (bench/rculab-bench/benchmark_flags.h).
#include <benchmark/benchmark.h>
#include <hwloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bench/harness/bench_options.h"
#include "bench/harness/placement.h"
#include "bench/flags/flags.h"
#include "bench/rculab-bench/benchmark_flags.h"
#include "bench/registry/registry.h"
#include "impls/core/barrier.h"
#include "impls/core/call_rcu_engine.h"
#include "impls/urcu/urcu_reference.h"

#ifndef RCULAB_GIT_COMMIT
#define RCULAB_GIT_COMMIT "unknown"
#endif
#ifndef RCULAB_CXX_FLAGS
#define RCULAB_CXX_FLAGS "unknown"
#endif
#ifndef RCULAB_BENCHMARK_VERSION
#define RCULAB_BENCHMARK_VERSION "unknown"
#endif

namespace rculab {
namespace {

constexpr const char* kUsage =
    "rculab-bench [Google Benchmark flags] [lab flags]\n"
    "lab flags:\n"
    "  (each also as: --backends a,b and so on)\n"
    "  --backends=a,b,...        backends to run (default: all available)\n"
    "  --readers=1,2,...         reader counts to sweep (default: 1..PUs, 2x, 4x PUs)\n"
    "  --updaters=1,2,...        updater counts (gp_latency, call_rcu, update_rate)\n"
    "  --duration=S              measured window per run, seconds (default 0.2)\n"
    "  --warmup=S                warm-up per run, seconds (default 0.05)\n"
    "  --placement=P             readers and updaters: compact|scatter|cores|smt\n"
    "  --reader_placement=P, --updater_placement=P\n"
    "  --worker_placement=W        call_rcu workers: free (default: PUs no measured thread\n"
    "                            uses, else unpinned) or a policy P (after the measured\n"
    "                            threads, beside them once the PUs run out)\n"
    "  --tolerate_bind_failure   record failed pinning instead of failing the run\n"
    "  --smoke                   one short point per (workload, backend)\n"
    "  --list_counters           print the counters every benchmark reports, exit\n";

placement_policy parse_policy(std::string_view flag, std::string_view s) {
  if (auto p = parse_placement_policy(s)) return *p;
  throw usage_error(std::string(flag) + ": expected compact|scatter|cores|smt, got '" + std::string(s) + "'");
}

// "free" (the default: PUs no measured thread uses, else unpinned) or a policy.
std::optional<placement_policy> parse_worker_policy(std::string_view flag, std::string_view s) {
  if (s == "free") return std::nullopt;
  if (auto p = parse_placement_policy(s)) return *p;
  throw usage_error(std::string(flag) + ": expected free|compact|scatter|cores|smt, got '" + std::string(s) + "'");
}

struct lab_flags {
  bench_options options;
  std::vector<std::string> backends;
  bool list_counters = false;
};

// Consumes the lab's flags from argv (--name=value or --name value), leaving
// Google Benchmark's (always --benchmark_x=value) for benchmark::Initialize.
lab_flags take_lab_flags(int& argc, char** argv) {
  lab_flags f;
  bench_options& o = f.options;
  flag_reader args(std::vector<std::string>(argv + 1, argv + argc));
  std::vector<std::string> kept;
  while (args.next()) {
    const std::string_view name = args.name();
    if (name == "--backends") f.backends = parse_list(name, args.value());
    else if (name == "--readers") o.readers = parse_counts(name, args.value(), 65536);
    else if (name == "--updaters") o.updaters = parse_counts(name, args.value(), 65536);
    else if (name == "--duration") o.measure_seconds = parse_seconds(name, args.value(), 3600);
    else if (name == "--warmup") o.warmup_seconds = parse_seconds(name, args.value(), 3600, true);
    else if (name == "--placement") o.reader_policy = o.updater_policy = parse_policy(name, args.value());
    else if (name == "--reader_placement") o.reader_policy = parse_policy(name, args.value());
    else if (name == "--updater_placement") o.updater_policy = parse_policy(name, args.value());
    else if (name == "--worker_placement") o.worker_policy = parse_worker_policy(name, args.value());
    // A switch given a value would otherwise reach Google Benchmark as an unknown flag.
    else if (name == "--tolerate_bind_failure") { args.no_value(); o.tolerate_bind_failure = true; }
    else if (name == "--smoke") { args.no_value(); o.smoke = true; }
    else if (name == "--list_counters") { args.no_value(); f.list_counters = true; }
    else {
      if (args.arg() == "--help" || args.arg() == "-h") std::fputs(kUsage, stdout);  // and Google Benchmark's part
      kept.push_back(args.arg());
    }
  }
  // argv keeps its strings; only the kept ones move to the front, in order.
  int n = 1;
  for (int i = 1; i < argc && n <= int(kept.size()); ++i)
    if (argv[i] == kept[n - 1]) argv[n++] = argv[i];
  argc = n;
  for (const std::string& b : f.backends)
    if (!find_backend(b)) throw usage_error("--backends: unknown backend '" + b + "' (one of: " + backend_names() + ")");
  return f;
}

// The release of the hwloc library loaded at run time: hwloc records it on the
// root object ("hwlocVersion"). hwloc_get_api_version() is no substitute: it
// is the API level (2.8.0 for every 2.8.x and 2.9.x release alike).
std::string hwloc_version(const topology& topo) {
  hwloc_obj_t root = hwloc_get_root_obj(topo.get());
  if (const char* v = hwloc_obj_get_info_by_name(root, "hwlocVersion"); v && *v) return v;
  const unsigned api = hwloc_get_api_version();
  return "unknown (API " + std::to_string(api >> 16) + "." + std::to_string((api >> 8) & 0xff) + ")";
}

void add_context(const bench_options& o, const topology& topo) {
  const char* commit = std::getenv("RCULAB_COMMIT");
  benchmark::AddCustomContext("rculab_commit", commit && *commit ? commit : RCULAB_GIT_COMMIT);
  benchmark::AddCustomContext("compiler", __VERSION__);
  benchmark::AddCustomContext("cxx_flags", RCULAB_CXX_FLAGS);
  benchmark::AddCustomContext("liburcu_version", kLiburcuVersion);
  benchmark::AddCustomContext("hwloc_version", hwloc_version(topo));
  benchmark::AddCustomContext("benchmark_version", RCULAB_BENCHMARK_VERSION);
  benchmark::AddCustomContext("full_fence", full_fence_name());
  if (const backend_entry* memb = find_backend("memb")) benchmark::AddCustomContext("membarrier_mode", memb->mode());
  if (const backend_entry* sig = find_backend("signal")) benchmark::AddCustomContext("signal_backend", sig->mode());
  benchmark::AddCustomContext("topology_pus", std::to_string(topo.pu_count()));
  benchmark::AddCustomContext("topology_cores", std::to_string(topo.core_count()));
  benchmark::AddCustomContext("topology_packages", std::to_string(topo.package_count()));
  benchmark::AddCustomContext("topology_synthetic", topo.synthetic_description());
  benchmark::AddCustomContext("lab_measure_seconds", std::to_string(o.measure_seconds));
  benchmark::AddCustomContext("lab_warmup_seconds", std::to_string(o.warmup_seconds));
  benchmark::AddCustomContext("lab_reader_placement", std::string(to_string(o.reader_policy)));
  benchmark::AddCustomContext("lab_updater_placement", std::string(to_string(o.updater_policy)));
  benchmark::AddCustomContext("lab_worker_placement",
                              o.worker_policy ? std::string(to_string(*o.worker_policy)) : std::string("free"));
  benchmark::AddCustomContext("lab_tolerate_bind_failure", o.tolerate_bind_failure ? "true" : "false");
}

// Registers the chosen backends' benchmarks; returns a note for each backend
// skipped because it is unavailable here (named in --backends: an error).
std::vector<std::string> register_backends(const lab_flags& flags) {
  std::vector<std::string> skipped;
  for (const backend_entry& b : all_backends()) {
    const bool wanted = flags.backends.empty() ||
                        std::find(flags.backends.begin(), flags.backends.end(), b.name) != flags.backends.end();
    if (!wanted) continue;
    if (const std::string why = b.unavailable_reason(); !why.empty()) {
      if (!flags.backends.empty()) throw usage_error("backend " + std::string(b.name) + " is unavailable here: " + why);
      skipped.push_back(std::string(b.name) + ": " + why);
      continue;
    }
    b.register_benchmarks(flags.options);
  }
  return skipped;
}

int run(int argc, char** argv) {
  if (const std::string bad = call_rcu_workers_env_error(); !bad.empty()) throw usage_error(bad);
  lab_flags flags = take_lab_flags(argc, argv);
  check_benchmark_flags(argc, argv);
  if (flags.list_counters) {
    for (const std::string& c : core_counter_names()) std::printf("%s\n", c.c_str());
    return 0;
  }
  staged_output output(argc, argv);
  const topology topo = topology::this_machine();
  flags.options.topo = &topo;
  benchmark::Initialize(&argc, argv);
  reject_leftover_arguments(argc, argv);
  const std::vector<std::string> skipped = register_backends(flags);
  count_selected(benchmark::GetBenchmarkFilter());  // before anything is printed or run
  for (const std::string& note : skipped) std::fprintf(stderr, "rculab-bench: skipping %s\n", note.c_str());
  add_context(flags.options, topo);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  output.commit();
  return 0;
}

}  // namespace
}  // namespace rculab

int main(int argc, char** argv) {
  try {
    return rculab::run(argc, argv);
  } catch (const rculab::usage_error& e) {
    std::fprintf(stderr, "rculab-bench: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rculab-bench: error: %s\n", e.what());
    return 2;
  }
}
