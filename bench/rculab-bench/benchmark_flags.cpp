#include "bench/rculab-bench/benchmark_flags.h"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

namespace rculab {
namespace {

// The same bounds as the lab's --duration and --warmup; repetitions beyond a
// thousand are a typo, not an experiment (a point's window times them).
constexpr double kMaxSeconds = 3600;
constexpr long long kMaxRepetitions = 1000;

struct flag_arg {
  std::string_view name;                // without the leading "--"
  std::optional<std::string_view> value;  // after '='; nullopt for a bare flag
};

// "--name[=value]" split; nullopt for anything that is not a Google Benchmark
// flag (those are the lab's, already taken out, or leftovers reported later).
std::optional<flag_arg> benchmark_flag(std::string_view arg) {
  if (arg.substr(0, 2) != "--") return std::nullopt;
  arg.remove_prefix(2);
  if (arg.substr(0, 10) != "benchmark_" && arg.substr(0, 2) != "v=" && arg != "v") return std::nullopt;
  const size_t eq = arg.find('=');
  if (eq == std::string_view::npos) return flag_arg{arg, std::nullopt};
  return flag_arg{arg.substr(0, eq), arg.substr(eq + 1)};
}

[[noreturn]] void bad_value(std::string_view name, const std::string& expected, std::string_view value) {
  throw usage_error("--" + std::string(name) + ": expected " + expected + ", got '" + std::string(value) + "'");
}

void check_whole(std::string_view name, std::string_view value, long long lo, long long hi) {
  const std::string text(value);
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])) || *end != '\0' || errno == ERANGE ||
      v < lo || v > hi)
    bad_value(name, "a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", value);
}

void check_seconds(std::string_view name, std::string_view value, bool zero_allowed) {
  const std::string text(value);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const bool low_ok = zero_allowed ? v >= 0 : v > 0;
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])) || *end != '\0' || !std::isfinite(v) ||
      !low_ok || v > kMaxSeconds)
    bad_value(name, std::string("seconds in ") + (zero_allowed ? "[0, " : "(0, ") + "3600]", value);
}

void check_choice(std::string_view name, std::string_view value, std::initializer_list<std::string_view> choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
  std::string expected;
  for (std::string_view c : choices) expected += (expected.empty() ? "" : "|") + std::string(c);
  bad_value(name, expected, value);
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Google Benchmark reads any other word as true ("--benchmark_list_tests=maybe").
void check_boolean(std::string_view name, std::string_view value) {
  check_choice(name, lowercase(value), {"true", "false", "yes", "no", "on", "off", "1", "0"});
}

// key=value[,key=value...], as Google Benchmark splits it.
void check_context(std::string_view name, std::string_view value) {
  std::stringstream pairs{std::string(value)};
  for (std::string pair; std::getline(pairs, pair, ',');) {
    const size_t eq = pair.find('=');
    if (eq == 0 || eq == std::string::npos || pair.find('=', eq + 1) != std::string::npos)
      bad_value(name, "key=value[,key=value...]", value);
  }
}

bool is_boolean_flag(std::string_view name) {
  for (std::string_view b : {"benchmark_list_tests", "benchmark_enable_random_interleaving",
                             "benchmark_report_aggregates_only", "benchmark_display_aggregates_only",
                             "benchmark_counters_tabular"})
    if (name == b) return true;
  return false;
}

void check_value(std::string_view name, std::string_view value) {
  if (value.empty()) throw usage_error("--" + std::string(name) + ": missing value");
  if (name == "benchmark_repetitions") check_whole(name, value, 1, kMaxRepetitions);
  else if (name == "benchmark_min_time") check_seconds(name, value, false);
  else if (name == "benchmark_min_warmup_time") check_seconds(name, value, true);
  else if (name == "benchmark_format" || name == "benchmark_out_format") check_choice(name, value, {"console", "json", "csv"});
  else if (name == "benchmark_time_unit") check_choice(name, value, {"ns", "us", "ms", "s"});
  else if (name == "benchmark_color") check_choice(name, lowercase(value), {"auto", "true", "false", "yes", "no", "on", "off", "1", "0"});
  else if (name == "benchmark_context") check_context(name, value);
  else if (name == "v") check_whole(name, value, 0, 1000);
  else if (is_boolean_flag(name)) check_boolean(name, value);
  // benchmark_filter (checked against the registered names by count_selected),
  // benchmark_out (by staged_output), benchmark_perf_counters: any text.
}

// Reports what Google Benchmark writes to a reporter's streams, running nothing.
class selection_probe final : public benchmark::BenchmarkReporter {
 public:
  selection_probe() {
    SetOutputStream(&ignored_);  // the names, under --benchmark_list_tests
    SetErrorStream(&complaints_);
  }
  // Called once the filter has selected something, just before the first
  // benchmark would run: declining stops the run there.
  bool ReportContext(const Context&) override { return false; }
  void ReportRuns(const std::vector<Run>&) override {}
  std::string complaints() const { return complaints_.str(); }

 private:
  std::ostringstream ignored_, complaints_;
};

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

void check_benchmark_flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::optional<flag_arg> flag = benchmark_flag(argv[i]);
    if (!flag) continue;
    if (flag->value) check_value(flag->name, *flag->value);
    else if (!is_boolean_flag(flag->name))
      throw usage_error("--" + std::string(flag->name) + ": missing value (use --" + std::string(flag->name) + "=...)");
  }
}

void reject_leftover_arguments(int argc, char** argv) {
  if (argc < 2) return;
  const std::string arg = argv[1];
  if (arg.rfind("-", 0) == 0) throw usage_error("unknown flag '" + arg + "' (see: rculab-bench --help)");
  throw usage_error("unexpected argument '" + arg + "' (flags are --name=value; see: rculab-bench --help)");
}

size_t count_selected(const std::string& filter) {
  selection_probe probe;
  const size_t selected = benchmark::RunSpecifiedBenchmarks(&probe, filter);
  if (selected > 0) return selected;
  constexpr std::string_view kBadRegex = "Could not compile benchmark re: ";
  const std::string complaint = first_line(probe.complaints());
  if (complaint.rfind(kBadRegex, 0) == 0)
    throw usage_error("--benchmark_filter: '" + filter + "' is not a valid regular expression (" +
                      complaint.substr(kBadRegex.size()) + ")");
  throw usage_error("--benchmark_filter: '" + filter +
                    "' selects no benchmark of the chosen backends (see --benchmark_list_tests)");
}

staged_output::staged_output(int argc, char** argv) {
  int last = -1;  // Google Benchmark keeps the last --benchmark_out
  for (int i = 1; i < argc; ++i) {
    const std::optional<flag_arg> flag = benchmark_flag(argv[i]);
    if (flag && flag->name == "benchmark_out" && flag->value) last = i;
  }
  if (last < 0) return;
  final_path_ = std::string(*benchmark_flag(argv[last])->value);
  struct stat st {};
  if (stat(final_path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw usage_error("--benchmark_out: '" + final_path_ + "' is a folder");
  const std::string staging = final_path_ + "." + std::to_string(getpid()) + ".partial";
  // Creating it now tests that FILE's folder takes files, before anything runs.
  const int fd = open(staging.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0)
    throw usage_error("--benchmark_out: cannot write '" + final_path_ + "': " + std::strerror(errno));
  close(fd);
  staging_path_ = staging;
  staging_flag_ = "--benchmark_out=" + staging_path_;
  argv[last] = staging_flag_.data();
}

staged_output::~staged_output() {
  if (!staging_path_.empty() && !committed_) unlink(staging_path_.c_str());
}

void staged_output::commit() {
  if (staging_path_.empty()) return;
  if (rename(staging_path_.c_str(), final_path_.c_str()) != 0)
    throw std::runtime_error("cannot move the output into '" + final_path_ + "': " + std::strerror(errno));
  committed_ = true;
}

}  // namespace rculab
