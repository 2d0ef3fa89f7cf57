// Snapshots stored in a KV bucket: the keys, the head's bytes and what a reader refuses in
// them, the checks against the stream's bounds, and the ages grown by the time in the bucket.
#include "sidecar/snapshot/stored_snapshot.h"

#include <catch2/catch.hpp>
#include <string>

#include "sidecar/snapshot/snapshot_codec.h"

namespace wss::snapshot {
namespace {

TEST_CASE("stored snapshot: keys per group, two slots, one head") {
  CHECK(headKey("default") == "default.head");
  CHECK(pieceKey("default", 0, 0) == "default.s0.0");
  CHECK(pieceKey("eu.west", 1, 27) == "eu.west.s1.27");
}

TEST_CASE("stored snapshot: a head survives its bytes - and a malformed one is refused") {
  const StoredHead head{kFormat,   1,          0xfedcba9876543210ULL, 27,
                        123456789, 28'000'000, 1'764'000'000'000};
  const std::optional<StoredHead> back = decodeHead(encodeHead(head));
  REQUIRE(back);
  CHECK(back->format == kFormat);
  CHECK(back->slot == 1);
  CHECK(back->transfer == 0xfedcba9876543210ULL);
  CHECK(back->pieces == 27);
  CHECK(back->stream_sequence == 123456789);
  CHECK(back->bytes == 28'000'000);
  CHECK(back->taken_unix_ms == 1'764'000'000'000);

  CHECK_FALSE(decodeHead(""));
  CHECK_FALSE(decodeHead("garbage"));
  CHECK_FALSE(decodeHead("[1,2]"));
  CHECK_FALSE(decodeHead(R"({"format":2,"slot":0})"));  // fields missing
  StoredHead bad = head;
  bad.slot = 2;
  CHECK_FALSE(decodeHead(encodeHead(bad)));
  bad = head;
  bad.pieces = 0;
  CHECK_FALSE(decodeHead(encodeHead(bad)));
  CHECK_FALSE(decodeHead(R"({"format":2,"slot":"0","transfer":1,"pieces":1,"streamSequence":1,)"
                         R"("bytes":1,"takenUnixMs":1})"));  // a string where a number goes
}

TEST_CASE("stored snapshot: the stream must still hold every event after it") {
  CHECK(coverageProblem(100, 1, 100).empty());    // nothing since
  CHECK(coverageProblem(100, 1, 250).empty());    // replay 101..250
  CHECK(coverageProblem(100, 101, 250).empty());  // the ones before it aged out: fine
  CHECK(coverageProblem(100, 101, 100).empty());  // everything aged out, nothing since
  CHECK(coverageProblem(100, 102, 250) ==
        "it covers up to sequence 100 but the stream starts at 102: the events in between are "
        "gone");
  CHECK(coverageProblem(100, 1, 99) ==
        "it covers sequence 100 but the stream ends at 99 (another stream, or one purged since)");
  CHECK(coverageProblem(100, 0, 0) ==
        "it covers sequence 100 but the stream ends at 0 (another stream, or one purged since)");
  CHECK(coverageProblem(0, 1, 10) == "it covers no stream sequence");
}

TEST_CASE("stored snapshot: the time in the bucket ages everything, and shortens benches") {
  core::StateImage image;
  core::AgentImage agent;
  agent.id = "a";
  agent.seen_ago = 100;
  agent.slot_started_ago = 50;
  agent.benched_for = 3000;
  image.agents.push_back(agent);
  image.steals.push_back({"op-1", "a", "b", "test", {"t"}, 20});
  ageImage(image, 2000);
  CHECK(image.agents[0].seen_ago == 2100);
  CHECK(image.agents[0].slot_started_ago == 2050);
  CHECK(image.agents[0].benched_for == 1000);
  CHECK(image.steals[0].age == 2020);
  ageImage(image, 5000);
  CHECK(image.agents[0].benched_for == 0);  // served out while stored
  ageImage(image, -10'000);                 // the restorer's clock is behind: no change
  CHECK(image.agents[0].seen_ago == 7100);
  CHECK(image.steals[0].age == 7020);
}

TEST_CASE("stored snapshot: the wall-clock time it was taken survives encoding (format 2)") {
  CHECK(kFormat == 2);
  Snapshot taken;
  taken.stream_sequence = 42;
  taken.taken_unix_ms = 1'764'000'000'123;
  const DecodeResult back = decode(encode(taken));
  REQUIRE(back.ok);
  CHECK(back.snapshot.stream_sequence == 42);
  CHECK(back.snapshot.taken_unix_ms == 1'764'000'000'123);
}

}  // namespace
TEST_CASE("a snapshot of a stream made again since is refused") {
  CHECK(incarnationProblem(123, 123).empty());
  CHECK_THAT(incarnationProblem(123, 456), Catch::Contains("made again since"));
  StoredHead head{kFormat, 1, 7, 3, 100, 2048, 1'700'000'000'000, 1'700'000'000'123'456'789};
  const auto decoded = decodeHead(encodeHead(head));
  REQUIRE(decoded);
  CHECK(decoded->stream_created_ns == head.stream_created_ns);
  // A head that does not say which stream it covers is not followed.
  CHECK_FALSE(decodeHead(R"({"format":2,"slot":0,"transfer":1,"pieces":1,"streamSequence":5,)"
                         R"("bytes":10,"takenUnixMs":1})"));
}

}  // namespace wss::snapshot
