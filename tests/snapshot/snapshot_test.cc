// Snapshots as bytes: a coordinator's image survives encode/decode and chunking exactly; a
// foreign format, garbage, impossible values, corrupt or disagreeing pieces are refused.
#include <catch2/catch.hpp>
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sidecar/core/coordinator.h"
#include "sidecar/snapshot/chunks.h"
#include "sidecar/snapshot/event_hash.h"
#include "sidecar/snapshot/snapshot_codec.h"
#include "snapshot.pb.h"

namespace wss::snapshot {
namespace {

core::Coordinator sampleFleet(core::TimeMs now) {
  core::Coordinator c{core::CoordinatorConfig{}};
  core::AgentMetrics gpu;
  gpu.agent_id = "gpu-1";
  gpu.cpu_usage = 35;
  gpu.capabilities = {"python", "gpu"};
  gpu.status = core::AgentStatus::kBusy;
  gpu.concurrency = 3;
  (void)c.apply(gpu, now);
  for (int i = 0; i < 8; ++i) {
    (void)c.apply(core::TaskAssigned{"gpu-1", "g-" + std::to_string(i), {"gpu"}, 0}, now);
  }
  (void)c.apply(core::TaskCompleted{"gpu-1", "g-0", 640.0}, now + 10);
  (void)c.apply(core::TaskAssigned{"count-only", "", {}, 0}, now);
  core::AgentMetrics idle;
  idle.agent_id = "idle-1";
  idle.capabilities = {"python", "gpu"};
  idle.status = core::AgentStatus::kIdle;
  (void)c.apply(idle, now);
  (void)c.stealRound(now + 20);  // an unconfirmed steal to carry
  return c;
}

TEST_CASE("an image survives encode and decode exactly") {
  core::Coordinator c = sampleFleet(1'000'000);
  Snapshot snapshot{c.image(1'000'100), {1, 2, 0xFFFFFFFFFFFFFFFFULL}, 42};
  REQUIRE_FALSE(snapshot.image.steals.empty());
  const DecodeResult back = decode(encode(snapshot));
  REQUIRE(back.ok);
  CHECK(back.snapshot.recent_events == snapshot.recent_events);
  CHECK(back.snapshot.stream_sequence == 42);
  // Restored on a fresh coordinator, the decoded image gives back the same image.
  core::Coordinator restored{core::CoordinatorConfig{}};
  REQUIRE(restored.restore(back.snapshot.image, 9'000'000).ok);
  const core::StateImage again = restored.image(9'000'000);
  REQUIRE(again.agents.size() == snapshot.image.agents.size());
  for (std::size_t i = 0; i < again.agents.size(); ++i) {
    const core::AgentImage& a = snapshot.image.agents[i];
    const core::AgentImage& b = again.agents[i];
    CHECK(a.id == b.id);
    CHECK(a.capabilities == b.capabilities);
    CHECK(a.status == b.status);
    CHECK(a.concurrency == b.concurrency);
    CHECK(a.seen_ago == b.seen_ago);
    CHECK(a.durations == b.durations);
    CHECK(a.count_tasks == b.count_tasks);
    REQUIRE(a.tasks.size() == b.tasks.size());
    for (std::size_t t = 0; t < a.tasks.size(); ++t) CHECK(a.tasks[t].id == b.tasks[t].id);
  }
  REQUIRE(again.steals.size() == snapshot.image.steals.size());
  CHECK(again.steals[0].task_ids == snapshot.image.steals[0].task_ids);
  CHECK(again.steals[0].age == snapshot.image.steals[0].age);
}

TEST_CASE("decode refuses another format, garbage and impossible values") {
  core::Coordinator c = sampleFleet(1'000'000);
  v1::Snapshot proto;
  REQUIRE(proto.ParseFromString(encode(Snapshot{c.image(1'000'100), {}, 0})));
  std::string bytes;
  SECTION("a newer format") {
    proto.set_format(kFormat + 1);
    bytes = proto.SerializeAsString();
  }
  SECTION("no format at all (an empty message)") { bytes = ""; }
  SECTION("garbage") { bytes = "\xff\xff\xff\xff not protobuf"; }
  SECTION("a negative age") {
    proto.mutable_agents(0)->set_seen_ago_ms(-5);
    bytes = proto.SerializeAsString();
  }
  SECTION("an unknown status") {
    proto.mutable_agents(0)->set_status("napping");
    bytes = proto.SerializeAsString();
  }
  const DecodeResult result = decode(bytes);
  CHECK_FALSE(result.ok);
  CHECK_FALSE(result.error.empty());
}

std::string sampleBytes(std::size_t n) {
  std::mt19937 rng(7);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

TEST_CASE("pieces in any order, with repeats and a foreign transfer, give back the whole") {
  const std::string whole = sampleBytes(10'000);
  std::vector<std::string> pieces = split(whole, 77, 999);
  CHECK(pieces.size() == 11);
  pieces.push_back(pieces[3]);                     // a repeat
  pieces.push_back(split("other", 78, 999)[0]);    // another transfer's piece
  std::shuffle(pieces.begin() + 1, pieces.end(), std::mt19937(3));
  Assembler assembler(1 << 20);
  Assembler::Step step = Assembler::Step::kMore;
  for (const auto& piece : pieces) {
    if (step == Assembler::Step::kDone) break;
    step = assembler.add(piece);
    REQUIRE(step != Assembler::Step::kFailed);
  }
  REQUIRE(step == Assembler::Step::kDone);
  CHECK(assembler.bytes() == whole);
}

TEST_CASE("a corrupt, disagreeing, oversized or missing piece never assembles") {
  const std::string whole = sampleBytes(5'000);
  std::vector<std::string> pieces = split(whole, 5, 1'000);
  Assembler assembler(1 << 20);
  SECTION("a flipped byte: CRC mismatch") {
    v1::Chunk chunk;
    REQUIRE(chunk.ParseFromString(pieces[2]));
    (*chunk.mutable_data())[10] ^= 0x40;
    pieces[2] = chunk.SerializeAsString();
    Assembler::Step step = Assembler::Step::kMore;
    for (const auto& piece : pieces) step = assembler.add(piece);
    CHECK(step == Assembler::Step::kFailed);
    CHECK_THAT(assembler.error(), Catch::Contains("CRC"));
  }
  SECTION("pieces that disagree about the count") {
    CHECK(assembler.add(pieces[0]) == Assembler::Step::kMore);
    CHECK(assembler.add(split(whole, 5, 2'000)[1]) == Assembler::Step::kFailed);
  }
  SECTION("a transfer above the bound") {
    Assembler small(1'000);
    CHECK(small.add(pieces[0]) == Assembler::Step::kFailed);
  }
  SECTION("one piece missing: never done") {
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
      CHECK(assembler.add(pieces[i]) == Assembler::Step::kMore);
    }
  }
  SECTION("not a chunk") { CHECK(assembler.add("\x0a\xff") == Assembler::Step::kFailed); }
  SECTION("far more pieces than the size allows (fuzzing found it allocating for them)") {
    v1::Chunk chunk;
    chunk.set_transfer(42);
    chunk.set_count(4'160'749'566U);
    chunk.set_total_bytes(0);
    CHECK(assembler.add(chunk.SerializeAsString()) == Assembler::Step::kFailed);
  }
  SECTION("pieces carrying more than the announced size") {
    v1::Chunk chunk;
    REQUIRE(chunk.ParseFromString(pieces[0]));
    chunk.set_data(std::string(6'000, 'x'));
    CHECK(assembler.add(chunk.SerializeAsString()) == Assembler::Step::kFailed);
  }
}

TEST_CASE("event hashes tell subject from payload and differ for different bytes") {
  CHECK(eventHash("a", "bc") != eventHash("ab", "c"));
  CHECK(eventHash("task.assigned", "{}") == eventHash("task.assigned", "{}"));
  CHECK(eventHash("task.assigned", "{}") != eventHash("task.completed", "{}"));
}

}  // namespace
}  // namespace wss::snapshot
