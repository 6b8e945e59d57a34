#include "bench/flags/flags.h"

#include <cerrno>
#include <cstdlib>

namespace rculab {
namespace {

[[noreturn]] void bad_value(std::string_view flag, const std::string& expected, std::string_view text) {
  throw usage_error(std::string(flag) + ": expected " + expected + ", got '" + std::string(text) + "'");
}

std::string number_text(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

bool flag_reader::next() {
  if (next_ >= args_.size()) return false;
  current_ = next_++;
  return true;
}

std::string_view flag_reader::name() const {
  const std::string_view a = arg();
  return a.substr(0, a.find('='));
}

std::string flag_reader::value() {
  const std::string& a = arg();
  if (const size_t eq = a.find('='); eq != std::string::npos) {
    if (eq + 1 == a.size()) throw usage_error(std::string(name()) + ": missing value");
    return a.substr(eq + 1);
  }
  if (next_ >= args_.size() || args_[next_].rfind("--", 0) == 0)
    throw usage_error(std::string(name()) + ": missing value");
  return args_[next_++];
}

void flag_reader::no_value() const {
  if (arg().find('=') != std::string::npos) throw usage_error(std::string(name()) + ": takes no value");
}

uint64_t parse_uint(std::string_view flag, std::string_view text, uint64_t lo, uint64_t hi) {
  const std::string s(text);
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || s[0] == '-' || s[0] == '+' || *end != '\0' || errno == ERANGE || v < lo || v > hi)
    bad_value(flag, "a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", text);
  return v;
}

double parse_seconds(std::string_view flag, std::string_view text, double hi, bool zero_allowed) {
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !(zero_allowed ? v >= 0 : v > 0) || !(v <= hi))
    bad_value(flag, std::string("seconds in ") + (zero_allowed ? "[0" : "(0") + ", " + number_text(hi) + "]", text);
  return v;
}

std::vector<std::string> parse_list(std::string_view flag, std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t comma; (comma = text.find(',', start)) != std::string_view::npos; start = comma + 1)
    out.emplace_back(text.substr(start, comma - start));
  out.emplace_back(text.substr(start));
  for (const std::string& item : out)
    if (item.empty()) bad_value(flag, "a comma-separated list without empty items", text);
  return out;
}

std::vector<unsigned> parse_counts(std::string_view flag, std::string_view text, unsigned hi) {
  std::vector<unsigned> out;
  for (const std::string& item : parse_list(flag, text)) out.push_back(unsigned(parse_uint(flag, item, 1, hi)));
  return out;
}

}  // namespace rculab
