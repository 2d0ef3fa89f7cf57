#include <catch2/catch.hpp>
#include <limits>
#include <optional>
#include <string>

#include "sidecar/config/config.h"

namespace wss::config {
namespace {

TEST_CASE("parseDuration accepts milliseconds and unit suffixes", "[config][duration]") {
  struct Row {
    std::string text;
    core::TimeMs ms;
  };
  const Row row = GENERATE(values<Row>({
      {"0", 0},
      {"1500", 1500},
      {"0ms", 0},
      {"500ms", 500},
      {"2s", 2000},
      {"0s", 0},
      {"1m", 60'000},
      {"90m", 5'400'000},
      {"1h", 3'600'000},
      {"007s", 7000},
      {"9223372036854775807", std::numeric_limits<core::TimeMs>::max()},
      {"9223372036854775ms", 9223372036854775},
      {"2562047788015h", 2562047788015LL * 3'600'000},
  }));
  CAPTURE(row.text);
  CHECK(parseDuration(row.text) == row.ms);
}

TEST_CASE("parseDuration rejects malformed, negative and overflowing text", "[config][duration]") {
  const std::string text =
      GENERATE(as<std::string>{}, "", "ms", "s", "-1", "-5s", "+5", " 5", "5 ", "5 s", "1.5s",
               "1e3", "0x10", "5sec", "5S", "5d", "5us", "1h30m", "abc", "9223372036854775808",
               "2562047788016h", "153722867280913m", "9223372036854776s");
  CAPTURE(text);
  CHECK(parseDuration(text) == std::nullopt);
}

}  // namespace
}  // namespace wss::config
