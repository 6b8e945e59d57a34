// The flag reader both binaries use: the two spellings read alike, and each
// bad input is one usage_error that names the flag.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "bench/flags/flags.h"

namespace rculab {
namespace {

// name=value for every flag the reader sees; "!" + message where it threw.
std::string read_all(std::vector<std::string> args, std::vector<std::string> switches = {"--json"}) {
  flag_reader r(std::move(args));
  std::string out;
  try {
    while (r.next()) {
      if (std::find(switches.begin(), switches.end(), std::string(r.name())) != switches.end()) {
        r.no_value();
        out += std::string(r.name()) + ";";
      } else {
        out += std::string(r.name()) + "=" + r.value() + ";";
      }
    }
  } catch (const usage_error& e) {
    out += std::string("!") + e.what();
  }
  return out;
}

TEST(Flags, BothSpellingsReadTheSame) {
  EXPECT_EQ(read_all({"--readers=1,2", "--json", "--duration", "0.5"}), "--readers=1,2;--json;--duration=0.5;");
  EXPECT_EQ(read_all({"--readers", "1,2", "--duration=0.5", "--json"}), "--readers=1,2;--duration=0.5;--json;");
}

TEST(Flags, MissingValuesAndValuedSwitchesAreOneErrorNamingTheFlag) {
  EXPECT_EQ(read_all({"--readers"}), "!--readers: missing value");
  EXPECT_EQ(read_all({"--readers="}), "!--readers: missing value");
  // The next argument is a flag, not this one's value.
  EXPECT_EQ(read_all({"--readers", "--json"}), "!--readers: missing value");
  EXPECT_EQ(read_all({"--json=1"}), "!--json: takes no value");
}

TEST(Flags, ValuesAreCheckedWithTheRangeInTheMessage) {
  EXPECT_EQ(parse_uint("--seed", "42", 0, 100), 42u);
  EXPECT_EQ(parse_counts("--readers", "1,2,8", 64), (std::vector<unsigned>{1, 2, 8}));
  EXPECT_DOUBLE_EQ(parse_seconds("--warmup", "0", 10, true), 0.0);
  auto message = [](auto parse) {
    try {
      parse();
    } catch (const usage_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { parse_uint("--seed", "-1", 0, 100); }), "--seed: expected a whole number in [0, 100], got '-1'");
  EXPECT_EQ(message([] { parse_uint("--seed", "101", 0, 100); }), "--seed: expected a whole number in [0, 100], got '101'");
  EXPECT_EQ(message([] { parse_uint("--seed", "99999999999999999999999", 0, UINT64_MAX); }).substr(0, 16),
            "--seed: expected");
  EXPECT_EQ(message([] { parse_counts("--readers", "1,,2", 64); }),
            "--readers: expected a comma-separated list without empty items, got '1,,2'");
  EXPECT_EQ(message([] { parse_counts("--readers", "1,0", 64); }),
            "--readers: expected a whole number in [1, 64], got '0'");
  EXPECT_EQ(message([] { parse_seconds("--duration", "0", 3600); }),
            "--duration: expected seconds in (0, 3600], got '0'");
  EXPECT_EQ(message([] { parse_seconds("--duration", "nan", 3600); }),
            "--duration: expected seconds in (0, 3600], got 'nan'");
  EXPECT_EQ(message([] { parse_seconds("--warmup", "-1", 3600, true); }),
            "--warmup: expected seconds in [0, 3600], got '-1'");
}

}  // namespace
}  // namespace rculab
