// The owner loop driven one turn at a time, with a fake bus and a manual clock: steal rounds
// on schedule in the configured encoding, replies to requests, bad events kept out, reloads.
#include "sidecar/app/owner_loop.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sidecar/app/inbound.h"
#include "sidecar/snapshot/chunks.h"
#include "sidecar/snapshot/snapshot_codec.h"
#include "snapshot.pb.h"
#include "tests/app/fakes.h"

namespace wss::app {
namespace {

using nlohmann::json;
using testing::assigned;
using testing::FakeBus;
using testing::ManualClock;
using testing::metrics;
using testing::request;

// Round-only, so the round schedule is what these tests see; reactive decisions have their own.
config::Config baseConfig() {
  config::Config c;
  c.stealing.reactive = false;
  c.stealing.steal_interval_ms = 500;
  c.subjects.work_steal = "fleet.steal";
  c.encoding = codec::Encoding::kJson;
  return c;
}

// An OwnerLoop with everything it needs, faked where it touches the world.
struct Loop {
  explicit Loop(config::Config config = baseConfig(), std::string boot_id = "",
                ConfigLoader reload = {}, const ha::Leadership* leadership = nullptr,
                bool restore_from_peer = false)
      : loop(std::move(config),
             OwnerLoopDeps{bus, queue, counters, clock, std::move(reload), std::move(boot_id),
                           &snapshots, nullptr, nullptr, leadership, restore_from_peer}) {}

  // Runs one turn with `items` at the clock's current time.
  core::TimeMs turn(std::vector<WorkItem> items = {}) { return loop.turn(items); }
  // Takes what the Inbound handlers queued and runs one turn with it.
  core::TimeMs turnWithQueued() {
    std::vector<WorkItem> items;
    REQUIRE(queue.popAll(items, std::chrono::steady_clock::now()));
    return loop.turn(items);
  }
  // A hot agent with 10 queued tasks and an idle one: worth a steal.
  void loadFleet() {
    std::vector<WorkItem> items;
    for (int i = 0; i < 10; ++i) items.push_back(assigned("hot", "t-" + std::to_string(i)));
    items.push_back(metrics("idle", 5));
    turn(std::move(items));
  }
  json ask(Service service, const std::string& payload = "") {
    const std::string inbox = "_INBOX." + std::to_string(++requests);
    turn({request(service, inbox, payload)});
    const auto replies = bus.on(inbox);
    REQUIRE(replies.size() == 1);
    CHECK(replies[0].content_type == "application/json");
    json body = json::parse(replies[0].payload, nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    return body;
  }

  FakeBus bus;
  EventQueue queue;
  InboundCounters counters;
  ManualClock clock;
  observability::SnapshotSlot snapshots;
  OwnerLoop loop;
  int requests = 0;
};

TEST_CASE("a steal round publishes WorkSteal in JSON with its Content-Type - on schedule") {
  Loop l;
  l.loadFleet();
  CHECK(l.bus.on("fleet.steal").empty());  // the first round is one interval after start

  l.clock.advance(499);
  l.turn();
  CHECK(l.bus.on("fleet.steal").empty());
  CHECK(l.loop.coordinator().counters().steal_rounds == 0);

  l.clock.advance(1);
  l.turn();
  const auto published = l.bus.on("fleet.steal");
  REQUIRE(published.size() == 1);
  CHECK(published[0].content_type == "application/json");
  const codec::StealOrderResult order =
      codec::decodeStealOrder(codec::Encoding::kJson, published[0].payload);
  REQUIRE(order.ok);
  CHECK(order.order.source_agent_id == "hot");
  CHECK(order.order.target_agent_id == "idle");
  CHECK(order.order.tasks_to_steal >= 1);
  CHECK(order.order.tasks_to_steal == order.order.task_ids.size());
  CHECK(order.order.operation_id == "steal-1");  // no boot id given
  // The JSON is the proto3 mapping: lowerCamelCase names.
  const json body = json::parse(published[0].payload);
  CHECK(body.at("sourceAgentId") == "hot");
  CHECK(body.contains("operationId"));
}

TEST_CASE("reactive: a steal goes out reactiveDelay after the event, not at the next round") {
  config::Config c = baseConfig();
  c.stealing.reactive = true;
  c.stealing.reactive_delay_ms = 3;
  Loop l(c);
  const core::TimeMs next = [&] {
    std::vector<WorkItem> items;
    for (int i = 0; i < 10; ++i) items.push_back(assigned("hot", "t-" + std::to_string(i)));
    items.push_back(metrics("idle", 5));
    return l.turn(std::move(items));
  }();
  CHECK(next == l.clock.nowMs() + 3);  // the loop wakes for the decision
  CHECK(l.bus.on("fleet.steal").empty());
  l.clock.advance(2);
  l.turn();
  CHECK(l.bus.on("fleet.steal").empty());
  l.clock.advance(1);
  l.turn();
  const auto published = l.bus.on("fleet.steal");
  REQUIRE(published.size() == 1);  // one decision for the whole burst of events
  CHECK(l.loop.coordinator().counters().reactive_decisions == 1);
  CHECK(l.loop.coordinator().counters().steal_rounds == 0);
  // Nothing new happened: the loop does not decide again.
  l.clock.advance(10);
  l.turn();
  CHECK(l.loop.coordinator().counters().reactive_decisions == 1);
}

TEST_CASE("steal rounds run every stealInterval - however often the loop turns") {
  Loop l;
  for (int t = 0; t < 20; ++t) {
    l.clock.advance(100);
    l.turn();
  }
  CHECK(l.loop.coordinator().counters().steal_rounds == 4);  // at 500, 1000, 1500, 2000
  // A loop that wakes late runs one round, not the ones it missed.
  l.clock.advance(5000);
  l.turn();
  CHECK(l.loop.coordinator().counters().steal_rounds == 5);
  l.clock.advance(499);
  l.turn();
  CHECK(l.loop.coordinator().counters().steal_rounds == 5);
  l.clock.advance(1);
  l.turn();
  CHECK(l.loop.coordinator().counters().steal_rounds == 6);
}

TEST_CASE("turn returns when the next timer is due - at most the steal interval away") {
  Loop l;
  const core::TimeMs start = l.clock.nowMs();
  CHECK(l.turn() == start + 500);
  l.clock.advance(500);
  CHECK(l.turn() == start + 1000);
}

TEST_CASE("encoding protobuf: WorkSteal goes out as protobuf with its Content-Type") {
  config::Config c = baseConfig();
  c.encoding = codec::Encoding::kProtobuf;
  Loop l(c);
  l.loadFleet();
  l.clock.advance(500);
  l.turn();
  const auto published = l.bus.on("fleet.steal");
  REQUIRE(published.size() == 1);
  CHECK(published[0].content_type == "application/protobuf");
  CHECK_FALSE(codec::decodeStealOrder(codec::Encoding::kJson, published[0].payload).ok);
  const auto order = codec::decodeStealOrder(codec::Encoding::kProtobuf, published[0].payload);
  REQUIRE(order.ok);
  CHECK(order.order.target_agent_id == "idle");
}

TEST_CASE("stealing disabled: rounds publish nothing") {
  config::Config c = baseConfig();
  c.stealing.enabled = false;
  Loop l(c);
  l.loadFleet();
  l.clock.advance(2000);
  l.turn();
  CHECK(l.bus.on("fleet.steal").empty());
}

TEST_CASE("requests are answered on their reply subject - after the events before them") {
  Loop l;
  std::vector<WorkItem> items;
  items.push_back(assigned("a", "t-1"));
  items.push_back(request(Service::kStats, "_INBOX.stats"));
  items.push_back(assigned("b", "t-2"));
  items.push_back(request(Service::kAgents, "_INBOX.agents", R"({"agentId":"b"})"));
  l.turn(std::move(items));

  const auto stats = l.bus.on("_INBOX.stats");
  REQUIRE(stats.size() == 1);
  CHECK(json::parse(stats[0].payload).at("totalAgents") == 1);  // "b" came after the request
  const auto agents = l.bus.on("_INBOX.agents");
  REQUIRE(agents.size() == 1);
  CHECK(json::parse(agents[0].payload).at("agents").at(0).at("agentId") == "b");

  const json ops = l.ask(Service::kOperations);
  CHECK(ops.is_array());
  const json best = l.ask(Service::kBestAgent);
  CHECK(best.contains("agentId"));
}

TEST_CASE("bad requests get an error reply and count as rejected") {
  Loop l;
  const json error = l.ask(Service::kOperations, "{oops");
  CHECK(error.contains("error"));
  const json error2 = l.ask(Service::kAgents, R"({"agentId": 1})");
  CHECK(error2.contains("error"));

  ServiceRequest oversized;
  oversized.service = Service::kStats;
  oversized.reply = "_INBOX.big";
  oversized.oversized = true;
  l.turn({oversized});
  const auto big = l.bus.on("_INBOX.big");
  REQUIRE(big.size() == 1);
  CHECK_THAT(json::parse(big[0].payload).at("error").get<std::string>(),
             Catch::Contains("larger than"));

  const json stats = l.ask(Service::kStats);
  CHECK(stats.at("requestsRejected") == 3);
  CHECK(stats.at("requestsServed") == 0);  // this one is counted after it is answered
  CHECK(l.ask(Service::kStats).at("requestsServed") == 1);
}

TEST_CASE("a reply the bus refuses is replaced by an error reply") {
  Loop l;
  l.bus.fail_next = 1;
  l.turn({request(Service::kStats, "_INBOX.x")});
  const auto replies = l.bus.on("_INBOX.x");
  REQUIRE(replies.size() == 1);
  CHECK_THAT(json::parse(replies[0].payload).at("error").get<std::string>(),
             Catch::Contains("could not be sent"));
}

TEST_CASE("steal orders and replies go to the bus as what they are") {
  Loop l;
  l.loadFleet();
  l.clock.advance(500);
  l.turn();
  REQUIRE(l.bus.on("fleet.steal").size() == 1);
  (void)l.ask(Service::kStats);
  CHECK(l.bus.kinds == std::vector<transport::Outbound>{transport::Outbound::kStealOrder,
                                                        transport::Outbound::kReply});
}

TEST_CASE("a full outbound queue sheds steal orders - the owner keeps turning and they expire") {
  Loop l;
  l.loadFleet();
  l.bus.fail_next = 1000;  // NATS takes nothing: every publish is refused at once
  l.clock.advance(500);
  l.turn();
  CHECK(l.bus.on("fleet.steal").empty());
  CHECK(l.loop.coordinator().counters().steals_issued >= 1);
  // The coordinator's expiry returns the tasks; the next rounds try again.
  l.bus.fail_next = 0;
  l.clock.advance(config::Config{}.stealing.steal_timeout_ms + 500);
  l.turn();
  CHECK(l.loop.coordinator().counters().steals_failed >= 1);
  l.clock.advance(500);
  l.turn();
  CHECK_FALSE(l.bus.on("fleet.steal").empty());
}

TEST_CASE("work.stats and the metrics snapshot carry the link's health and the outbound queue") {
  Loop l;
  l.bus.stats_.stale = true;
  l.bus.stats_.stale_episodes = 2;
  l.bus.stats_.slow_consumer_disconnects = 3;
  l.bus.stats_.outbound_depth = 4;
  l.bus.stats_.outbound_shed_steal_orders = 5;
  l.bus.stats_.outbound_shed_replies = 6;
  const json stats = l.ask(Service::kStats);
  CHECK(stats.at("natsStale") == true);
  CHECK(stats.at("natsStaleEpisodes") == 2);
  CHECK(stats.at("slowConsumerDisconnects") == 3);
  CHECK(stats.at("outboundQueueDepth") == 4);
  CHECK(stats.at("outboundShedStealOrders") == 5);
  CHECK(stats.at("outboundShedReplies") == 6);
  l.clock.advance(1000);
  l.turn();
  const observability::MetricsSnapshot snapshot = l.snapshots.latest();
  CHECK(snapshot.nats_stale_episodes == 2);
  CHECK(snapshot.nats_slow_consumer_disconnects == 3);
  CHECK(snapshot.outbound_queue_depth == 4);
  CHECK(snapshot.outbound_shed.steal_orders == 5);
  CHECK(snapshot.outbound_shed.replies == 6);
}

TEST_CASE("bad events are counted - never reach the coordinator - and show in work.stats") {
  Loop l;
  LogThrottle throttle{l.clock};
  Inbound inbound(l.queue, l.counters, throttle);
  auto on_assigned = inbound.eventHandler(codec::EventKind::kTaskAssigned, "task.assigned");
  auto on_completed = inbound.eventHandler(codec::EventKind::kTaskCompleted, "task.completed");
  auto msg = [](std::string_view payload) {
    return transport::InboundMessage{"subject", "", "", payload};
  };
  on_assigned(msg(R"({"agentId":"a","taskId":"t-1"})"));
  on_assigned(msg(R"({"taskId":"t-2"})"));               // no agentId
  on_assigned(msg(R"({"agentId":"evil","taskId":7})"));  // wrong type
  on_completed(msg("\x01\x02garbage"));                  // undecodable protobuf
  on_completed(msg(R"({"agentId":"a","taskId":"t-1","duration":100})"));
  l.turnWithQueued();

  CHECK(l.loop.coordinator().counters().events_applied == 2);
  const json stats = l.ask(Service::kStats);
  CHECK(stats.at("eventsProcessed") == 2);
  CHECK(stats.at("eventsRejected") == 3);
  CHECK(stats.at("totalAgents") == 1);  // "evil" never got in
  CHECK(stats.at("inFlightTasks") == 0);
  CHECK(
      stats.at("eventsRejectedBySubject") ==
      json{{"task.assigned", 2}, {"task.completed", 1}, {"task.failed", 0}, {"agent.metrics", 0}});
  const json evil = l.ask(Service::kAgents, R"({"agentId":"evil"})");
  CHECK(evil.at("agents").empty());

  // /metrics gets the same figures under the matching kinds.
  l.clock.advance(1000);
  l.turn();
  const observability::MetricsSnapshot snapshot = l.snapshots.latest();
  using observability::InboundKind;
  CHECK(snapshot.events(InboundKind::kTaskAssigned).received == 3);
  CHECK(snapshot.events(InboundKind::kTaskAssigned).rejected == 2);
  CHECK(snapshot.events(InboundKind::kTaskCompleted).received == 2);
  CHECK(snapshot.events(InboundKind::kTaskCompleted).rejected == 1);
  CHECK(snapshot.events(InboundKind::kAgentMetrics).received == 0);
  CHECK(snapshot.agents.total == 1);
}

TEST_CASE("operation ids carry the boot id - also after a reload that changes the prefix") {
  config::Config c = baseConfig();
  c.source_file = "sidecar.yaml";
  config::Config reloaded = c;
  reloaded.stealing.operation_id_prefix = "eu1";
  reloaded.stealing.steal_interval_ms = 300;
  int reloads = 0;
  Loop l(c, "0badcafe", [&] {
    ++reloads;
    return config::LoadResult{true, reloaded, ""};
  });
  l.loadFleet();
  l.clock.advance(500);
  l.turn();
  auto published = l.bus.on("fleet.steal");
  REQUIRE(published.size() == 1);
  CHECK(codec::decodeStealOrder(codec::Encoding::kJson, published[0].payload).order.operation_id ==
        "steal-0badcafe-1");

  l.turn({ReloadRequest{}});
  REQUIRE(reloads == 1);
  CHECK(l.loop.coordinator().config().operation_id_prefix == "eu1-0badcafe");
  CHECK(l.loop.coordinator().config().steal_interval_ms == 300);
  // The next round comes one new interval after the reload; its id has the same boot id.
  std::vector<WorkItem> more;
  for (int i = 0; i < 10; ++i) more.push_back(assigned("hot2", "u-" + std::to_string(i)));
  more.push_back(metrics("idle2", 5));
  l.turn(std::move(more));
  l.clock.advance(300);
  l.turn();
  published = l.bus.on("fleet.steal");
  REQUIRE(published.size() >= 2);
  const std::string id =
      codec::decodeStealOrder(codec::Encoding::kJson, published.back().payload).order.operation_id;
  CHECK(id.rfind("eu1-0badcafe-", 0) == 0);
  CHECK(id != "eu1-0badcafe-1");  // numbering continues
}

TEST_CASE("two starts with different boot ids never mint the same operation id") {
  std::vector<std::string> ids;
  for (int start = 0; start < 2; ++start) {
    Loop l(baseConfig(), makeBootId());
    l.loadFleet();
    l.clock.advance(500);
    l.turn();
    const auto published = l.bus.on("fleet.steal");
    REQUIRE(published.size() == 1);
    ids.push_back(
        codec::decodeStealOrder(codec::Encoding::kJson, published[0].payload).order.operation_id);
  }
  CHECK(ids[0].rfind("steal-", 0) == 0);
  CHECK(ids[0].size() == std::string("steal-12345678-1").size());
  CHECK(ids[0] != ids[1]);
}

TEST_CASE("a failed reload keeps the running stealing section") {
  config::Config c = baseConfig();
  c.source_file = "sidecar.yaml";
  Loop l(c, "", [] { return config::LoadResult{false, {}, "sidecar.yaml:3: key 'x': bad"}; });
  l.turn({ReloadRequest{}});
  CHECK(l.loop.coordinator().config().steal_interval_ms == 500);
  CHECK(l.ask(Service::kStats).at("stealingEnabled") == true);
}

TEST_CASE("a reload can turn stealing off") {
  config::Config c = baseConfig();
  c.source_file = "sidecar.yaml";
  config::Config off = c;
  off.stealing.enabled = false;
  Loop l(c, "", [&] { return config::LoadResult{true, off, ""}; });
  l.loadFleet();
  l.turn({ReloadRequest{}});
  CHECK(l.ask(Service::kStats).at("stealingEnabled") == false);
  l.clock.advance(2000);
  l.turn();
  CHECK(l.bus.on("fleet.steal").empty());
}

}  // namespace
}  // namespace wss::app

namespace wss::app {
namespace {

TEST_CASE("the owner loop beats the heartbeat on the injected clock - so liveness follows it") {
  FakeBus bus;
  EventQueue queue;
  InboundCounters counters;
  ManualClock clock;
  observability::Heartbeat heartbeat(clock.nowMs());
  OwnerLoopDeps deps{bus, queue, counters, clock, {}, "", nullptr, &heartbeat};
  OwnerLoop loop(baseConfig(), deps);
  std::vector<WorkItem> none;
  clock.advance(60'000);
  CHECK_FALSE(heartbeat.alive(clock.nowMs(), 10'000));  // a minute without a turn
  loop.turn(none);
  CHECK(heartbeat.alive(clock.nowMs(), 10'000));
  clock.advance(10'001);
  CHECK_FALSE(heartbeat.alive(clock.nowMs(), 10'000));
}

// The leader's order for t-1 (hot -> idle; the oldest queued, the first any round names), as
// a standby hears it on work.steal.
PeerSteal leadersOrder(std::uint64_t epoch, const std::string& id = "leader-1") {
  core::StealOrder order;
  order.operation_id = id;
  order.source_agent_id = "hot";
  order.target_agent_id = "idle";
  order.tasks_to_steal = 1;
  order.task_ids = {"t-1"};
  order.epoch = epoch;
  return PeerSteal{order};
}

TEST_CASE("ha: a standby adopts the leader's orders - and ignores older epochs and its own") {
  ha::Leadership leadership = ha::Leadership::replica("r1");
  Loop l(baseConfig(), "", {}, &leadership);
  l.loadFleet();
  l.turn({leadersOrder(5)});
  json stats = l.ask(Service::kStats);
  CHECK(stats["adoptedSteals"] == 1);
  CHECK(stats["adoptedTasks"] == 1);
  CHECK(stats["pendingSteals"] == 1);

  l.turn({leadersOrder(4, "deposed-1")});  // a deposed leader's, heard late
  stats = l.ask(Service::kStats);
  CHECK(stats["staleEpochSteals"] == 1);
  CHECK(stats["adoptedSteals"] == 1);

  // This replica wins epoch 6: its rounds leave t-1 alone, and its own orders' echoes are
  // not adopted again.
  leadership.lead(l.clock.nowMs() + 60'000, 6);
  l.clock.advance(500);
  l.turn({metrics("idle-2", 5)});  // idle has its promised task: a second target
  const auto published = l.bus.on("fleet.steal");
  REQUIRE_FALSE(published.empty());
  std::vector<WorkItem> echoes;
  for (const auto& message : published) {
    const codec::StealOrderResult own =
        codec::decodeStealOrder(codec::Encoding::kJson, message.payload);
    REQUIRE(own.ok);
    CHECK(own.order.epoch == 6);
    for (const auto& id : own.order.task_ids) CHECK(id != "t-1");
    echoes.push_back(PeerSteal{own.order});
  }
  l.turn(std::move(echoes));
  stats = l.ask(Service::kStats);
  CHECK(stats["adoptedSteals"] == 1);
  CHECK(stats["role"] == "leader");
  CHECK(stats["termsWon"] == 0);  // counted by the elector, which this test does not run
}

// An event as two replicas hear it: the same bytes, so the same fingerprint.
WorkItem heard(WorkItem item, std::uint64_t fingerprint) {
  std::get<InboundEvent>(item).hash = fingerprint;
  return item;
}

WorkItem completedIn(std::string agent, std::string task, double duration) {
  return InboundEvent{codec::EventKind::kTaskCompleted,
                      core::TaskCompleted{std::move(agent), std::move(task), duration}};
}

// `from` serves its state as a starting replica asks; the pieces, put together.
PeerSnapshot servedBy(Loop& from) {
  from.turn({SnapshotRequest{"_INBOX.snapshot", 4096}});
  snapshot::Assembler assembler(1 << 26);
  for (const auto& piece : from.bus.on("_INBOX.snapshot")) {
    CHECK(piece.content_type == kSnapshotPieceType);
    if (assembler.add(piece.payload) == snapshot::Assembler::Step::kDone) {
      return PeerSnapshot{true, assembler.bytes(), {}};
    }
  }
  return PeerSnapshot{false, {}, assembler.error()};
}

TEST_CASE("ha: a starting replica restores a peer's state and drops the overlap it heard") {
  Loop running;
  Loop starting(baseConfig(), "", {}, nullptr, /*restore_from_peer=*/true);
  // Before the starting replica subscribed: only the running one heard these.
  std::vector<WorkItem> early;
  for (int i = 0; i < 8; ++i) early.push_back(heard(assigned("hot", "t-" + std::to_string(i)), 100 + i));
  early.push_back(heard(metrics("idle", 5), 200));
  running.turn(std::move(early));
  // Both heard these, the running one before its snapshot: a task that came and went.
  const auto overlap = [] {
    std::vector<WorkItem> items;
    items.push_back(heard(assigned("hot", "flash"), 300));
    items.push_back(heard(completedIn("hot", "flash", 5000.0), 301));
    items.push_back(heard(completedIn("hot", "t-0", 400.0), 302));
    return items;
  };
  running.turn(overlap());
  starting.turn(overlap());
  CHECK(starting.loop.coordinator().stats(starting.clock.nowMs()).total_agents == 0);  // held

  const PeerSnapshot fetched = servedBy(running);
  REQUIRE(fetched.ok);
  // After the snapshot: both hear a new task.
  running.turn({heard(assigned("hot", "t-new"), 400)});
  starting.turn({heard(assigned("hot", "t-new"), 400)});
  starting.turn({fetched});

  const core::Coordinator& a = running.loop.coordinator();
  const core::Coordinator& b = starting.loop.coordinator();
  const auto hot_a = a.agent("hot", running.clock.nowMs());
  const auto hot_b = b.agent("hot", starting.clock.nowMs());
  REQUIRE(hot_b.has_value());
  CHECK(hot_b->task_count == hot_a->task_count);  // 'flash' not back, t-new there
  CHECK(*hot_b->avg_task_duration_ms == Approx(*hot_a->avg_task_duration_ms));  // once each
  CHECK(b.stats(starting.clock.nowMs()).in_flight_tasks == a.stats(running.clock.nowMs()).in_flight_tasks);
  const json stats = starting.ask(Service::kStats);
  CHECK(stats["peerRestores"] == 1);
  CHECK(stats["overlapDropped"] == 3);
  CHECK(stats["restoredTasks"] == 7);  // t-1..t-7: t-0 was done, t-new came after
}

TEST_CASE("ha: without dropping the overlap a replay would count a completion twice") {
  Loop running;
  running.turn({heard(assigned("hot", "t-0"), 1), heard(completedIn("hot", "t-0", 1000.0), 2),
                heard(assigned("hot", "t-1"), 3)});
  const auto overlap = [] {
    return std::vector<WorkItem>{heard(assigned("hot", "flash"), 4),
                                 heard(completedIn("hot", "flash", 5000.0), 5)};
  };
  running.turn(overlap());
  Loop starting(baseConfig(), "", {}, nullptr, true);
  starting.turn(overlap());
  const PeerSnapshot fetched = servedBy(running);
  REQUIRE(fetched.ok);
  starting.turn({fetched});
  const auto mean = [](const core::Coordinator& c) {
    return *c.agent("hot", 0)->avg_task_duration_ms;
  };
  CHECK(mean(starting.loop.coordinator()) == Approx(mean(running.loop.coordinator())));  // 3000
  // A naive restore that replays the overlap records 5000 ms twice.
  const snapshot::DecodeResult decoded = snapshot::decode(fetched.bytes);
  REQUIRE(decoded.ok);
  core::Coordinator replayed{core::CoordinatorConfig{}};
  REQUIRE(replayed.restore(decoded.snapshot.image, 0).ok);
  (void)replayed.apply(core::TaskAssigned{"hot", "flash", {}, 0}, 0);
  (void)replayed.apply(core::TaskCompleted{"hot", "flash", 5000.0}, 0);
  CHECK(mean(replayed) != Approx(mean(running.loop.coordinator())));
}

TEST_CASE("ha: a missing, corrupt or foreign snapshot means a cold start with what was held") {
  Loop starting(baseConfig(), "", {}, nullptr, true);
  starting.turn({heard(assigned("hot", "t-1"), 1), heard(metrics("idle", 5), 2)});
  std::string bytes;
  SECTION("none came") { starting.turn({PeerSnapshot{false, {}, "no other replica running"}}); }
  SECTION("corrupt") { starting.turn({PeerSnapshot{true, "\x0a\xff\xff garbage", {}}}); }
  SECTION("another format") {
    Loop running;
    running.turn({heard(assigned("x", "y"), 9)});
    PeerSnapshot fetched = servedBy(running);
    REQUIRE(fetched.ok);
    snapshot::v1::Snapshot proto;
    REQUIRE(proto.ParseFromString(fetched.bytes));
    proto.set_format(snapshot::kFormat + 1);
    starting.turn({PeerSnapshot{true, proto.SerializeAsString(), {}}});
    CHECK_FALSE(starting.loop.coordinator().agent("x", starting.clock.nowMs()).has_value());
  }
  const json stats = starting.ask(Service::kStats);
  CHECK(stats["peerRestoreFailures"] == 1);
  CHECK(stats["peerRestores"] == 0);
  CHECK(starting.loop.coordinator().agent("hot", starting.clock.nowMs())->task_count == 1);
}

TEST_CASE("ha: a replica that is restoring refuses to serve, and requests wait for its state") {
  Loop starting(baseConfig(), "", {}, nullptr, true);
  starting.turn({SnapshotRequest{"_INBOX.other", 4096}});
  const auto refusal = starting.bus.on("_INBOX.other");
  REQUIRE(refusal.size() == 1);
  CHECK(refusal[0].content_type == "application/json");
  CHECK_THAT(refusal[0].payload, Catch::Contains("restoring"));
  starting.turn({request(Service::kStats, "_INBOX.stats")});
  CHECK(starting.bus.on("_INBOX.stats").empty());  // held until the state is known
  starting.turn({PeerSnapshot{false, {}, "none"}});
  CHECK(starting.bus.on("_INBOX.stats").size() == 1);
}

}  // namespace
}  // namespace wss::app

namespace wss::app {
namespace {

// An agent's metrics that happened `age_ms` before they arrived (replayed from the stream).
WorkItem agedMetrics(const std::string& agent, std::int64_t age_ms) {
  WorkItem item = testing::metrics(agent, 10);
  std::get<InboundEvent>(item).age_ms = age_ms;
  return item;
}

core::TimeMs lastSeenAgo(Loop& l, const std::string& agent) {
  const json reply = l.ask(Service::kAgents, R"({"agentId":")" + agent + R"("})");
  REQUIRE(reply.at("agents").size() == 1);
  return reply.at("agents")[0].at("lastSeenAgoMs").get<core::TimeMs>();
}

TEST_CASE("a replayed event is applied at its age - and never before an event already applied") {
  constexpr core::TimeMs kMinute = 60'000;
  config::Config c = baseConfig();
  c.maintenance_interval_ms = 1000 * kMinute;  // nothing forgotten while the ages are read
  Loop l(c);
  l.clock.advance(120 * kMinute);
  l.turn({agedMetrics("old", 50 * kMinute)});
  CHECK(lastSeenAgo(l, "old") == 50 * kMinute);  // not fresh: heard from 50 minutes ago
  // Older than the last applied event: applied at that event's time, so times never go back.
  l.turn({agedMetrics("older", 55 * kMinute)});
  CHECK(lastSeenAgo(l, "older") == 50 * kMinute);
  l.turn({agedMetrics("recent", 2 * kMinute), testing::metrics("live", 10)});
  CHECK(lastSeenAgo(l, "recent") == 2 * kMinute);
  CHECK(lastSeenAgo(l, "live") == 0);
  const json old = l.ask(Service::kAgents, R"({"agentId":"old"})");
  CHECK(old.at("agents")[0].at("stale") == true);  // past stealing.agentTimeout
}

TEST_CASE("a replayed agent silent for longer than the forget window is forgotten at maintenance") {
  constexpr core::TimeMs kMinute = 60'000;
  Loop l;  // maintenance every minute; agents forgotten after 10 x agentTimeout (5 minutes)
  l.clock.advance(120 * kMinute);
  l.turn({agedMetrics("gone", 50 * kMinute), agedMetrics("recent", 0)});
  const json agents = l.ask(Service::kAgents);
  CHECK(agents.at("totalAgents") == 1);  // the maintenance of this turn dropped "gone"
  CHECK(agents.at("agents")[0].at("agentId") == "recent");
}

TEST_CASE("work.stats carries the state stream's figures from the bus") {
  Loop l;
  l.bus.stats_.stream_active = true;
  l.bus.stats_.stream_unavailable = 1;
  l.bus.stats_.stream_events = 7;
  l.bus.stats_.stream_unrouted = 2;
  const json stats = l.ask(Service::kStats);
  CHECK(stats.at("stateStreamActive") == true);
  CHECK(stats.at("stateStreamUnavailable") == 1);
  CHECK(stats.at("stateStreamEvents") == 7);
  CHECK(stats.at("stateStreamUnrouted") == 2);
}

}  // namespace
}  // namespace wss::app
