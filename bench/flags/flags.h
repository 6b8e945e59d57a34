// The command-line flags of both binaries (rculab-core, rculab-bench), read
// one way: `--name=value` and `--name value` alike, a switch takes no value,
// and every bad input is one usage_error naming the flag, what it expected
// and what it got. Each main prints "<program>: <what()>" and exits 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rculab {

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Walks arguments one at a time. A flag's value is what follows its '=', or
// else the next argument, unless that one is a flag itself.
class flag_reader {
 public:
  explicit flag_reader(std::vector<std::string> args) : args_(std::move(args)) {}

  // Moves to the next argument; false when there is none.
  bool next();
  // The argument as given ("--readers=1,2"), and its name ("--readers").
  const std::string& arg() const { return args_[current_]; }
  std::string_view name() const;
  bool is(std::string_view flag) const { return name() == flag; }
  // The current flag's value (consumes the next argument for `--name value`).
  std::string value();
  // For a switch: throws when it was given a value (`--json=1`).
  void no_value() const;

 private:
  std::vector<std::string> args_;
  size_t current_ = 0, next_ = 0;
};

// Whole number in [lo, hi].
uint64_t parse_uint(std::string_view flag, std::string_view text, uint64_t lo, uint64_t hi);
// Seconds in (0, hi], or [0, hi] when zero_allowed.
double parse_seconds(std::string_view flag, std::string_view text, double hi, bool zero_allowed = false);
// "a,b,c": no empty item.
std::vector<std::string> parse_list(std::string_view flag, std::string_view text);
// "1,2,4": whole numbers in [1, hi].
std::vector<unsigned> parse_counts(std::string_view flag, std::string_view text, unsigned hi);

}  // namespace rculab
