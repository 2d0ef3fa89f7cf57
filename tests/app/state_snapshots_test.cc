// The owner loop's half of state snapshots, with a fake sink and a manual clock: an image every
// state.snapshotInterval of a state taken from the stream, only by a replica that may steal and
// only when events came since; a stored snapshot restored before the replay, its verdict handed
// back, and its sequence carried on.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sidecar/app/owner_loop.h"
#include "tests/app/fakes.h"

namespace wss::app {
namespace {

using testing::assigned;
using testing::FakeBus;
using testing::ManualClock;

// Writes whatever it is offered at once, unless told to fail.
struct FakeSink final : SnapshotSink {
  explicit FakeSink(StateSnapshotCounters& counters) : counters(counters) {}
  void offer(snapshot::Snapshot snapshot) override {
    if (!failing) counters.last_sequence = snapshot.stream_sequence;
    offered.push_back(std::move(snapshot));
  }
  StateSnapshotCounters& counters;
  bool failing = false;
  std::vector<snapshot::Snapshot> offered;
};

config::Config snapshotConfig() {
  config::Config c;
  c.stealing.reactive = false;
  c.state.stream = "EVENTS";
  c.state.snapshot_interval_ms = 1000;
  return c;
}

struct Loop {
  explicit Loop(config::Config config = snapshotConfig(),
                const ha::Leadership* leadership = nullptr)
      : loop(std::move(config), OwnerLoopDeps{bus,
                                              queue,
                                              counters,
                                              clock,
                                              {},
                                              "",
                                              nullptr,
                                              nullptr,
                                              nullptr,
                                              leadership,
                                              false,
                                              &sink,
                                              &snapshot_counters}) {}
  core::TimeMs turn(std::vector<WorkItem> items = {}) { return loop.turn(items); }

  FakeBus bus;
  EventQueue queue;
  InboundCounters counters;
  ManualClock clock;
  StateSnapshotCounters snapshot_counters;
  FakeSink sink{snapshot_counters};
  OwnerLoop loop;
};

WorkItem fromStream(std::string agent, std::string task, std::uint64_t sequence) {
  WorkItem item = assigned(std::move(agent), std::move(task));
  std::get<InboundEvent>(item).stream_sequence = sequence;
  return item;
}

TEST_CASE("state snapshots: one every interval, covering the last stream event applied") {
  Loop l;
  l.turn({fromStream("a", "t-1", 1), fromStream("a", "t-2", 2)});
  l.clock.advance(999);
  l.turn();
  CHECK(l.sink.offered.empty());
  l.clock.advance(1);
  CHECK(l.turn() <= l.clock.nowMs() + 1000);  // the loop wakes for the next one
  REQUIRE(l.sink.offered.size() == 1);
  CHECK(l.sink.offered[0].stream_sequence == 2);
  REQUIRE(l.sink.offered[0].image.agents.size() == 1);
  CHECK(l.sink.offered[0].image.agents[0].tasks.size() == 2);

  l.clock.advance(1000);  // nothing new: the stored one still holds
  l.turn();
  CHECK(l.sink.offered.size() == 1);
  l.turn({fromStream("a", "t-3", 3)});
  l.clock.advance(1000);
  l.turn();
  REQUIRE(l.sink.offered.size() == 2);
  CHECK(l.sink.offered[1].stream_sequence == 3);
}

TEST_CASE("state snapshots: a write that failed is offered again at the next interval") {
  Loop l;
  l.sink.failing = true;
  l.turn({fromStream("a", "t-1", 5)});
  l.clock.advance(1000);
  l.turn();
  REQUIRE(l.sink.offered.size() == 1);
  l.sink.failing = false;
  l.clock.advance(1000);
  l.turn();
  REQUIRE(l.sink.offered.size() == 2);  // no new event, but the bucket does not hold it
  CHECK(l.sink.offered[1].stream_sequence == 5);
  l.clock.advance(1000);
  l.turn();
  CHECK(l.sink.offered.size() == 2);
}

TEST_CASE("state snapshots: none of events from plain subscriptions, none by a standby") {
  Loop plain;
  plain.turn({assigned("a", "t-1")});  // sequence 0: the stream fell back to subscriptions
  plain.clock.advance(5000);
  plain.turn();
  CHECK(plain.sink.offered.empty());

  ha::Leadership leadership = ha::Leadership::replica("r1");
  Loop standby(snapshotConfig(), &leadership);
  standby.turn({fromStream("a", "t-1", 7)});
  standby.clock.advance(1000);
  standby.turn();
  CHECK(standby.sink.offered.empty());
  leadership.lead(standby.clock.nowMs() + 60'000, 3);  // it leads now: it writes
  standby.clock.advance(1000);
  standby.turn();
  REQUIRE(standby.sink.offered.size() == 1);
  CHECK(standby.sink.offered[0].stream_sequence == 7);
}

TEST_CASE("state snapshots: off with an interval of 0") {
  config::Config c = snapshotConfig();
  c.state.snapshot_interval_ms = 0;
  Loop l(c);
  l.turn({fromStream("a", "t-1", 1)});
  l.clock.advance(60'000);
  l.turn();
  CHECK(l.sink.offered.empty());
}

TEST_CASE("state snapshots: a stored one is restored, its verdict handed back, its sequence kept") {
  Loop l;
  core::StateImage image;
  core::AgentImage agent;
  agent.id = "a";
  agent.seen_ago = 5000;
  agent.tasks = {{"t-1", {}}, {"t-2", {}}};
  image.agents.push_back(agent);
  auto verdict = std::make_shared<std::promise<core::RestoreResult>>();
  std::future<core::RestoreResult> result = verdict->get_future();
  l.turn({StoredRestore{image, 40, verdict}});
  REQUIRE(result.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  const core::RestoreResult restored = result.get();
  CHECK(restored.ok);
  CHECK(restored.tasks == 2);
  l.clock.advance(1000);
  l.turn();
  CHECK(l.sink.offered.empty());  // the bucket holds this state already
  l.turn({fromStream("a", "t-3", 41)});
  l.clock.advance(1000);
  l.turn();
  REQUIRE(l.sink.offered.size() == 1);
  CHECK(l.sink.offered[0].stream_sequence == 41);
  CHECK(l.sink.offered[0].image.agents[0].tasks.size() == 3);
}

TEST_CASE("state snapshots: a stored one the coordinator refuses changes nothing and says why") {
  config::Config c = snapshotConfig();
  c.stealing.limits.max_agents = 1;
  Loop l(c);
  core::StateImage image;
  image.agents.resize(2);
  image.agents[0].id = "a";
  image.agents[1].id = "b";
  auto verdict = std::make_shared<std::promise<core::RestoreResult>>();
  std::future<core::RestoreResult> result = verdict->get_future();
  l.turn({StoredRestore{image, 40, verdict}});
  const core::RestoreResult refused = result.get();
  CHECK_FALSE(refused.ok);
  CHECK_FALSE(refused.error.empty());
  CHECK(l.loop.coordinator().stats(l.clock.nowMs()).total_agents == 0);
  l.clock.advance(1000);
  l.turn();
  CHECK(l.sink.offered.empty());  // nothing from the stream applied yet
}

}  // namespace
}  // namespace wss::app
