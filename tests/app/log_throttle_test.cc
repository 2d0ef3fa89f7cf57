// LogThrottle: one line per reason per interval, the count of the ones held back, and warn(),
// the one helper that logs such a line with its "(N similar suppressed)" suffix. A manual
// clock drives every interval.
#include "sidecar/app/log_throttle.h"

#include <catch2/catch.hpp>

#include "tests/app/captured_log.h"
#include "tests/app/fakes.h"

namespace wss::app {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLog;
using testing::ManualClock;

TEST_CASE("the first line of a reason passes - more within the interval are held back") {
  ManualClock clock;
  LogThrottle throttle(clock, 1000ms);
  CHECK(throttle.admit("a") == std::optional<std::uint64_t>(0));
  CHECK_FALSE(throttle.admit("a"));
  clock.advance(500);
  CHECK_FALSE(throttle.admit("a"));
  clock.advance(499);
  CHECK_FALSE(throttle.admit("a"));
  // One interval later: passes and reports the three held back, then starts again from 0.
  clock.advance(1);
  CHECK(throttle.admit("a") == std::optional<std::uint64_t>(3));
  clock.advance(500);
  CHECK_FALSE(throttle.admit("a"));
  clock.advance(500);
  CHECK(throttle.admit("a") == std::optional<std::uint64_t>(1));
  clock.advance(3000);
  CHECK(throttle.admit("a") == std::optional<std::uint64_t>(0));
}

TEST_CASE("a throttle works from any clock reading - time 0 included") {
  ManualClock clock(0);
  LogThrottle throttle(clock, 1000ms);
  CHECK(throttle.admit("a") == std::optional<std::uint64_t>(0));
  CHECK_FALSE(throttle.admit("a"));
  clock.advance(1000);
  CHECK(throttle.admit("a") == std::optional<std::uint64_t>(1));
}

TEST_CASE("reasons are throttled independently") {
  ManualClock clock;
  LogThrottle throttle(clock, 1000ms);
  CHECK(throttle.admit("task.assigned: missing agentId"));
  CHECK(throttle.admit("task.completed: missing agentId"));
  clock.advance(1);
  CHECK_FALSE(throttle.admit("task.assigned: missing agentId"));
  CHECK(throttle.admit("task.assigned: not JSON"));
}

TEST_CASE("a firehose of one reason logs at most one line per interval - counts add up") {
  ManualClock clock;
  LogThrottle throttle(clock, 1000ms);
  std::uint64_t lines = 0;
  std::uint64_t reported_suppressed = 0;
  std::uint64_t attempts = 0;
  // 100 attempts per second for 10 s.
  for (int i = 0; i < 1000; ++i, clock.advance(10)) {
    ++attempts;
    if (auto suppressed = throttle.admit("r")) {
      ++lines;
      reported_suppressed += *suppressed;
    }
  }
  CHECK(lines == 10);
  // Every attempt is either a line or counted; the last interval's count is not reported yet.
  CHECK(reported_suppressed == attempts - lines - 99);
  CHECK(throttle.admit("r") == std::optional<std::uint64_t>(99));
}

TEST_CASE("beyond max_reasons - new reasons share one entry - so memory stays bounded") {
  ManualClock clock;
  LogThrottle throttle(clock, 1000ms, /*max_reasons=*/2);
  CHECK(throttle.admit("a"));
  CHECK(throttle.admit("b"));
  CHECK(throttle.admit("c"));  // the first of the others
  clock.advance(1);
  CHECK_FALSE(throttle.admit("d"));
  clock.advance(1);
  CHECK_FALSE(throttle.admit("e"));
  clock.advance(998);
  CHECK(throttle.admit("f") == std::optional<std::uint64_t>(2));
  // The first two reasons keep their own entries.
  CHECK(throttle.admit("a") == std::optional<std::uint64_t>(0));
}

TEST_CASE("the suppressed suffix is empty for none and counts the others") {
  CHECK(suppressedSuffix(0).empty());
  CHECK(suppressedSuffix(1) == " (1 similar suppressed)");
  CHECK(suppressedSuffix(12345) == " (12345 similar suppressed)");
}

TEST_CASE("warn logs the first line - holds back the rest - and the next line counts them") {
  ManualClock clock;
  LogThrottle throttle(clock, 1000ms);
  CapturedLog log;
  CHECK(throttle.warn("bad", "dropped '{}' ({} bytes)", "m-1", 12));
  CHECK(log.text() == "dropped 'm-1' (12 bytes)\n");
  log.clear();
  CHECK_FALSE(throttle.warn("bad", "dropped '{}' ({} bytes)", "m-2", 13));
  clock.advance(999);
  CHECK_FALSE(throttle.warn("bad", "dropped '{}' ({} bytes)", "m-3", 14));
  CHECK(log.lines() == 0);
  clock.advance(1);
  CHECK(throttle.warn("bad", "dropped '{}' ({} bytes)", "m-4", 15));
  CHECK(log.text() == "dropped 'm-4' (15 bytes) (2 similar suppressed)\n");
  // Another reason has its own budget.
  log.clear();
  CHECK(throttle.warn("other", "plain line"));
  CHECK(log.text() == "plain line\n");
}

}  // namespace
}  // namespace wss::app
