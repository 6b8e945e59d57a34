// rculab-core as a process: bad input is one line on stderr and exit 2,
// `list --json` lists every backend, an unavailable backend is refused,
// `calibrate --json` measures every primitive, `host --xml` loads back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/membarrier.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/harness/placement.h"
#include "bench/workloads/catalogue.h"
#include "tests/cpp/test_support.h"

#ifndef RCULAB_CORE_PATH
#error "RCULAB_CORE_PATH (the rculab-core binary) must be defined by the build"
#endif

extern char** environ;

namespace rculab::test {
namespace {

struct run_result {
  int exit_code = -1;  // -1: killed by a signal
  int signal = 0;
  std::string out, err;
};

// Runs rculab-core with `args`, the environment plus `env` ("NAME=value"),
// and collects stdout and stderr separately.
run_result run_core(const std::vector<std::string>& args,
                    const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv_s{RCULAB_CORE_PATH};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const std::string name = kv.substr(0, kv.find('='));
    const bool overridden = std::any_of(env.begin(), env.end(), [&](const std::string& o) {
      return o.substr(0, o.find('=')) == name;
    });
    if (!overridden) env_s.push_back(kv);
  }
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
    die(std::string("pipe2: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  close(err[1]);
  if (rc != 0) die(std::string("posix_spawn ") + RCULAB_CORE_PATH + ": " + std::strerror(rc));

  run_result r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  for (int open_fds = 2; open_fds > 0;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die(std::string("poll: ") + std::strerror(errno));
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, n);
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

std::string describe(const std::vector<std::string>& args) {
  std::string s = "rculab-core";
  for (const auto& a : args) s += " '" + a + "'";
  return s;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

void expect_usage_error(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {}) {
  SCOPED_TRACE(describe(args));
  const run_result r = run_core(args, env);
  EXPECT_EQ(r.signal, 0) << "killed by signal " << r.signal << "\nstderr: " << r.err;
  EXPECT_EQ(r.exit_code, 2) << "stderr: " << r.err;
  EXPECT_EQ(count(r.err, "\n"), 1u) << "expected exactly one line on stderr, got:\n" << r.err;
  EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << "stderr: " << r.err;
  EXPECT_EQ(r.err.rfind("rculab: ", 0), 0u) << "stderr does not start with 'rculab: ': " << r.err;
  EXPECT_EQ(r.out, "") << "bad input printed to stdout";
}

TEST(Cli, TortureBadArgumentsExit2WithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"torture"},
      {"torture", "--backend"},
      {"torture", "--backend", "no-such-backend"},
      {"torture", "--backend", "mb", "--bogus"},
      {"torture", "--backend", "mb", "--seconds", "0"},
      {"torture", "--backend", "mb", "--seconds", "-1"},
      {"torture", "--backend", "mb", "--seconds", "abc"},
      {"torture", "--backend", "mb", "--seconds", "1e9"},
      {"torture", "--backend", "mb", "--readers", "0"},
      {"torture", "--backend", "mb", "--readers", "-4"},
      {"torture", "--backend", "mb", "--readers", "4x"},
      {"torture", "--backend", "mb", "--readers", "99999999999999999999999"},
      {"torture", "--backend", "mb", "--seed", ""},
      {"torture", "--backend", "mb", "--extra-updaters", "1025"},
      {"torture", "--backend", "mb", "--gp-style"},
      {"torture", "--backend", "mb", "--gp-style", "fast"},
      {"torture", "--backend", "mb", "--gp-style", ""},
      {"torture", "--backend", "mb", "--gp-style", "Synchronize"},
      {"torture", "--backend", "mb", "--churn", "yes"},
      {"torture", "--backend", "none"},
      {"no-such-command"},
      {"list", "--bogus"},
  };
  for (const auto& args : cases) expect_usage_error(args);
}

TEST(Cli, NoArgumentsIsAOneLineUsageErrorOnStderr) {
  expect_usage_error({});
  const run_result r = run_core({});
  EXPECT_NE(r.err.find("usage"), std::string::npos) << r.err;
}

TEST(Cli, ListJsonListsEveryBackend) {
  const run_result r = run_core({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("{\"backends\":[", 0), 0u) << r.out;
  const std::string backends = r.out.substr(0, r.out.find("\"workloads\":"));
  EXPECT_EQ(count(backends, "\"name\":"), all_backends().size()) << r.out;
  for (const auto& b : all_backends())
    EXPECT_EQ(count(backends, "\"name\":\"" + std::string(b.name) + "\""), 1u)
        << b.name << " missing from:\n" << r.out;
  for (const workload_descriptor* w : workload_catalogue())
    EXPECT_EQ(count(r.out, "{\"name\":\"" + std::string(w->name) + "\",\"summary\":"), 1u)
        << "workload " << w->name << " missing from:\n" << r.out;
  EXPECT_EQ(count(r.out, "\n"), 1u) << "one JSON document on one line";
}

// The memb probe runs once per process, so the disabled path is tested in a
// child process.
TEST(Cli, MembDisabledIsRefusedAsUnavailable) {
  const std::vector<std::string> args = {"torture", "--backend", "memb", "--seconds", "1"};
  expect_usage_error(args, {"RCULAB_MEMB_DISABLE=1"});
  const run_result r = run_core(args, {"RCULAB_MEMB_DISABLE=1"});
  EXPECT_NE(r.err.find("unavailable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("memb"), std::string::npos) << r.err;

  const run_result list = run_core({"list", "--json"}, {"RCULAB_MEMB_DISABLE=1"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const size_t at = list.out.find("\"name\":\"memb\"");
  ASSERT_NE(at, std::string::npos) << list.out;
  const size_t end = list.out.find("\"name\":", at + 1);
  const std::string memb = list.out.substr(at, end - at);
  EXPECT_NE(memb.find("\"available\":false"), std::string::npos) << memb;
  EXPECT_NE(memb.find("RCULAB_MEMB_DISABLE"), std::string::npos) << memb;
}

TEST(Cli, CallRcuWorkersFromEnvironment) {
  for (const char* bad : {"0", "-1", "abc", "4x", "99999999999", " 3", "1025"})
    expect_usage_error({"list"}, {std::string("RCULAB_CALL_RCU_WORKERS=") + bad});
  const run_result r = run_core({"list", "--json"}, {"RCULAB_CALL_RCU_WORKERS=3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3 call_rcu workers"), std::string::npos) << r.out;
}

// A signal that already has a handler (SIGUSR1: liburcu-signal's) is not taken over.
TEST(Cli, SignalBackendRefusesASignalThatHasAHandler) {
  const std::vector<std::string> args = {"torture", "--backend", "signal", "--seconds", "1"};
  expect_usage_error(args, {"RCULAB_SIGNAL_NUM=10"});
  const run_result r = run_core(args, {"RCULAB_SIGNAL_NUM=10"});
  EXPECT_NE(r.err.find("unavailable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("handler"), std::string::npos) << r.err;
}

TEST(Cli, TortureJsonReportsPass) {
  const run_result r =
      run_core({"torture", "--backend", "mb", "--seconds", "0.3", "--readers", "2", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"backend\":\"mb\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"pass\":true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"freed_seen\":0"), std::string::npos) << r.out;
}

TEST(Cli, TortureJsonReportsGpStyleAndChurn) {
  const run_result r = run_core({"torture", "--backend", "mb", "--seconds", "0.2", "--readers", "2",
                                 "--gp-style", "call_rcu", "--churn", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"gp_style\":\"call_rcu\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"churn\":true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"updates_by_synchronize\":0,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"pass\":true"), std::string::npos) << r.out;
}

TEST(Cli, TortureGpStyleErrorNamesTheStyles) {
  const run_result r = run_core({"torture", "--backend", "mb", "--gp-style", "fast"});
  EXPECT_EQ(r.err, "rculab: --gp-style: expected one of synchronize, call_rcu, mixed, got 'fast'\n");
}

// ---- calibrate and host -------------------------------------------------------------

TEST(Cli, CalibrateAndHostBadArgumentsExit2WithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"calibrate", "--bogus"},       {"calibrate", "--seconds"},      {"calibrate", "--seconds", "0"},
      {"calibrate", "--seconds", "x"}, {"calibrate", "--seconds", "-1"}, {"calibrate", "json"},
      {"host", "--xml"},              {"host", "--bogus"},
  };
  for (const auto& args : cases) expect_usage_error(args);
}

// The text of `"name":{...}` in a flat JSON object of objects, "" if absent.
std::string object_of(const std::string& json, const std::string& name) {
  const size_t at = json.find("\"" + name + "\":{");
  if (at == std::string::npos) return "";
  return json.substr(at, json.find('}', at) - at + 1);
}

// The number after `"key":` in `object`; NaN if absent or not a number.
double number_in(const std::string& object, const std::string& key) {
  const size_t at = object.find("\"" + key + "\":");
  if (at == std::string::npos) return std::nan("");
  const char* start = object.c_str() + at + key.size() + 3;
  char* end = nullptr;
  const double v = std::strtod(start, &end);
  return end == start ? std::nan("") : v;
}

bool membarrier_private_expedited_here() {
  const long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  return cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

TEST(Cli, CalibrateJsonMeasuresEveryPrimitive) {
  const run_result r = run_core({"calibrate", "--json", "--seconds", "0.05"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(count(r.out, "\n"), 1u) << "one JSON document on one line";
  EXPECT_EQ(r.out.rfind("{\"seconds\":0.05,", 0), 0u) << r.out;
  const bool x86 =
#if defined(__x86_64__)
      true;
#else
      false;
#endif
  const std::vector<std::pair<std::string, bool>> expected = {
      {"mfence", x86}, {"lock_or", x86}, {"atomic_thread_fence", true}, {"atomic_inc", true},
      {"atomic_inc_contended_2", true}, {"atomic_inc_contended_pus", true},
      {"membarrier", membarrier_private_expedited_here()}, {"membarrier_ipi", membarrier_private_expedited_here()},
      {"signal_round_trip", true}};
  for (const auto& [name, measurable] : expected) {
    SCOPED_TRACE(name);
    const std::string m = object_of(r.out, name);
    ASSERT_FALSE(m.empty()) << name << " missing from:\n" << r.out;
    if (!measurable) {
      EXPECT_NE(m.find("\"available\":false"), std::string::npos) << m;
      EXPECT_NE(m.find("\"reason\":\""), std::string::npos) << m;
      continue;
    }
    EXPECT_NE(m.find("\"available\":true"), std::string::npos) << m;
    // Sanity only (a shared, noisy machine): positive and finite, net <= raw.
    const double raw = number_in(m, "raw_ns"), loop = number_in(m, "loop_ns"), net = number_in(m, "ns");
    EXPECT_TRUE(std::isfinite(raw) && raw > 0) << m;
    EXPECT_TRUE(std::isfinite(loop) && loop > 0) << m;
    EXPECT_TRUE(std::isfinite(net) && net >= 0 && net <= raw) << m;
    EXPECT_GT(number_in(m, "operations"), 0) << m;
    EXPECT_GE(number_in(m, "threads"), 1) << m;
  }
}

TEST(Cli, HostXmlExportLoadsBackAsThisMachine) {
  const std::string xml = ::testing::TempDir() + "rculab_cli_host_topology.xml";
  std::remove(xml.c_str());
  const run_result r = run_core({"host", "--json", "--xml", xml});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const topology here = topology::whole_machine();
  const topology loaded = topology::from_xml(xml);
  std::remove(xml.c_str());
  EXPECT_EQ(loaded.pu_count(), here.pu_count());
  EXPECT_EQ(loaded.core_count(), here.core_count());
  EXPECT_EQ(loaded.package_count(), here.package_count());
  EXPECT_NE(r.out.find("\"pus\":" + std::to_string(here.pu_count()) + ","), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"hwloc\":\"" + std::to_string(HWLOC_API_VERSION >> 16) + "."), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"membarrier\":{"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace rculab::test
