// The pure parts of the state stream: NATS subject matching (sidecar/transport/subject_match.h)
// and the age of a stored message (event_stream.h). No server.
#include "sidecar/transport/subject_match.h"

#include <catch2/catch.hpp>
#include <cstdint>

#include "sidecar/transport/event_stream.h"

namespace wss::transport {
namespace {

TEST_CASE("subjectCovers: literal subjects match themselves only", "[subject_match]") {
  CHECK(subjectCovers("task.assigned", "task.assigned"));
  CHECK_FALSE(subjectCovers("task.assigned", "task.completed"));
  CHECK_FALSE(subjectCovers("task.assigned", "task.assigned.x"));
  CHECK_FALSE(subjectCovers("task.assigned.x", "task.assigned"));
  CHECK_FALSE(subjectCovers("task", "task.assigned"));
  CHECK_FALSE(subjectCovers("task.assignedx", "task.assigned"));
}

TEST_CASE("subjectCovers: '*' is one token, '>' one or more trailing tokens", "[subject_match]") {
  CHECK(subjectCovers("task.*", "task.assigned"));
  CHECK(subjectCovers("*.assigned", "task.assigned"));
  CHECK(subjectCovers("*.*", "a.b"));
  CHECK_FALSE(subjectCovers("task.*", "task"));
  CHECK_FALSE(subjectCovers("task.*", "task.a.b"));
  CHECK(subjectCovers("task.>", "task.a"));
  CHECK(subjectCovers("task.>", "task.a.b.c"));
  CHECK_FALSE(subjectCovers("task.>", "task"));
  CHECK(subjectCovers(">", "anything.at.all"));
  CHECK(subjectCovers("a.*.c.>", "a.b.c.d.e"));
  CHECK_FALSE(subjectCovers("a.*.c.>", "a.b.x.d"));
  // A token that merely contains a wildcard character is a literal, as in NATS.
  CHECK_FALSE(subjectCovers("task.a*", "task.ab"));
  CHECK(subjectCovers("task.a*", "task.a*"));
}

TEST_CASE("subjectCovers: a wildcard subject is covered only by a filter at least as wide",
          "[subject_match]") {
  CHECK(subjectCovers("task.>", "task.*"));
  CHECK(subjectCovers("task.>", "task.>"));
  CHECK(subjectCovers("task.*", "task.*"));
  CHECK(subjectCovers(">", "task.>"));
  CHECK_FALSE(subjectCovers("task.*", "task.>"));
  CHECK_FALSE(subjectCovers("task.assigned", "task.*"));
  CHECK_FALSE(subjectCovers("task.*.x", "task.*.*"));
}

TEST_CASE("subjectCovers: empty subjects and empty tokens never match", "[subject_match]") {
  CHECK_FALSE(subjectCovers("", ""));
  CHECK_FALSE(subjectCovers(">", ""));
  CHECK_FALSE(subjectCovers("", "a"));
  CHECK_FALSE(subjectCovers("a..b", "a..b"));
  CHECK_FALSE(subjectCovers("*.b", ".b"));
  CHECK_FALSE(subjectCovers("a.>", "a."));
}

TEST_CASE("firstMatch: the first pattern that covers the subject, in order", "[subject_match]") {
  const std::vector<std::string_view> patterns = {"task.assigned", "task.*", "agent.>"};
  CHECK(firstMatch(patterns, "task.assigned") == 0u);
  CHECK(firstMatch(patterns, "task.completed") == 1u);
  CHECK(firstMatch(patterns, "agent.metrics.eu") == 2u);
  CHECK_FALSE(firstMatch(patterns, "other").has_value());
  CHECK_FALSE(firstMatch({}, "task.assigned").has_value());
}

TEST_CASE("ageMs: whole milliseconds since the stamp, never negative", "[event_stream]") {
  constexpr std::int64_t kNow = 1'700'000'000'000'000'000;
  CHECK(ageMs(kNow - 50 * 60'000'000'000LL, kNow) == 50 * 60'000);
  CHECK(ageMs(kNow - 1'999'999, kNow) == 1);
  CHECK(ageMs(kNow, kNow) == 0);
  CHECK(ageMs(kNow + 5'000'000'000, kNow) == 0);  // the server's clock ahead of ours
  CHECK(ageMs(0, kNow) == 0);                     // no stamp
}

}  // namespace
}  // namespace wss::transport
