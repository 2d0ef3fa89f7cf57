// Heartbeat: alive while the last beat is recent on the caller's clock; times are plain
// milliseconds, so the test is its own manual clock.
#include "sidecar/observability/heartbeat.h"

#include <catch2/catch.hpp>

namespace wss::observability {
namespace {

TEST_CASE("a heartbeat is alive up to max_silence after its last beat - not a millisecond more") {
  Heartbeat heartbeat(1'000);  // construction counts as a beat
  CHECK(heartbeat.alive(1'000, 500));
  CHECK(heartbeat.alive(1'500, 500));
  CHECK_FALSE(heartbeat.alive(1'501, 500));
  heartbeat.beat(2'000);
  CHECK(heartbeat.alive(2'500, 500));
  CHECK_FALSE(heartbeat.alive(2'501, 500));
}

TEST_CASE("a heartbeat works from any clock reading - zero and negative included") {
  Heartbeat heartbeat(-5);
  CHECK(heartbeat.alive(0, 5));
  CHECK_FALSE(heartbeat.alive(1, 5));
}

}  // namespace
}  // namespace wss::observability
