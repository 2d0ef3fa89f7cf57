// LogThrottle: one line per reason per interval, and the count of the ones held back.
#include "sidecar/app/log_throttle.h"

#include <catch2/catch.hpp>

namespace wss::app {
namespace {

using namespace std::chrono_literals;
// Well away from the steady clock's epoch, which the throttle uses as "never".
const LogThrottle::TimePoint kT0 = LogThrottle::TimePoint{} + 1h;

TEST_CASE("the first line of a reason passes - more within the interval are held back") {
  LogThrottle throttle(1000ms);
  CHECK(throttle.admit("a", kT0) == std::optional<std::uint64_t>(0));
  CHECK_FALSE(throttle.admit("a", kT0));
  CHECK_FALSE(throttle.admit("a", kT0 + 500ms));
  CHECK_FALSE(throttle.admit("a", kT0 + 999ms));
  // One interval later: passes and reports the three held back, then starts again from 0.
  CHECK(throttle.admit("a", kT0 + 1000ms) == std::optional<std::uint64_t>(3));
  CHECK_FALSE(throttle.admit("a", kT0 + 1500ms));
  CHECK(throttle.admit("a", kT0 + 2000ms) == std::optional<std::uint64_t>(1));
  CHECK(throttle.admit("a", kT0 + 5000ms) == std::optional<std::uint64_t>(0));
}

TEST_CASE("reasons are throttled independently") {
  LogThrottle throttle(1000ms);
  CHECK(throttle.admit("task.assigned: missing agentId", kT0));
  CHECK(throttle.admit("task.completed: missing agentId", kT0));
  CHECK_FALSE(throttle.admit("task.assigned: missing agentId", kT0 + 1ms));
  CHECK(throttle.admit("task.assigned: not JSON", kT0 + 1ms));
}

TEST_CASE("a firehose of one reason logs at most one line per interval - counts add up") {
  LogThrottle throttle(1000ms);
  std::uint64_t lines = 0;
  std::uint64_t reported_suppressed = 0;
  std::uint64_t attempts = 0;
  // 100 attempts per second for 10 s.
  for (auto t = 0ms; t < 10'000ms; t += 10ms) {
    ++attempts;
    if (auto suppressed = throttle.admit("r", kT0 + t)) {
      ++lines;
      reported_suppressed += *suppressed;
    }
  }
  CHECK(lines == 10);
  // Every attempt is either a line or counted; the last interval's count is not reported yet.
  CHECK(reported_suppressed == attempts - lines - 99);
  CHECK(throttle.admit("r", kT0 + 10'000ms) == std::optional<std::uint64_t>(99));
}

TEST_CASE("beyond max_reasons - new reasons share one entry - so memory stays bounded") {
  LogThrottle throttle(1000ms, /*max_reasons=*/2);
  CHECK(throttle.admit("a", kT0));
  CHECK(throttle.admit("b", kT0));
  CHECK(throttle.admit("c", kT0));  // the first of the others
  CHECK_FALSE(throttle.admit("d", kT0 + 1ms));
  CHECK_FALSE(throttle.admit("e", kT0 + 2ms));
  CHECK(throttle.admit("f", kT0 + 1000ms) == std::optional<std::uint64_t>(2));
  // The first two reasons keep their own entries.
  CHECK(throttle.admit("a", kT0 + 1000ms) == std::optional<std::uint64_t>(0));
}

}  // namespace
}  // namespace wss::app
