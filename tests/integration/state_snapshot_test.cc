// state.snapshotInterval end to end: a sidecar on the state stream writes its state to the KV
// bucket; one started after every writer was killed (-9) restores it and replays only the
// stream after it, ending with the view of a replica that never stopped; a corrupt snapshot
// or one older than the stream's first event is refused, counted, and the whole stream
// replayed instead. One fleet connection publishes everything, so the stream's order is the
// publish order. Waits are on conditions.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "tests/support/fleet_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

struct JetStreamServer {
  TempDir store;
  NatsServer server{jetStreamArgs(store.path())};
};

// A sidecar on the state stream, stealing off (the views then follow from the events alone),
// with service subjects of its own under `prefix`; `interval` its state.snapshotInterval.
SidecarOptions snapshotOptions(const std::string& url, const std::string& prefix,
                               const std::string& interval) {
  SidecarOptions options = SidecarOptions::forServer(url);
  options.stealing_enabled = false;
  options.extra_yaml =
      "state:\n  stream: WSS_EVENTS\n  createStream: true\n  snapshotInterval: " + interval +
      "\nsubjects:\n  workStats: " + prefix + ".stats\n  workAgents: " + prefix +
      ".agents\n  workOperations: " + prefix + ".ops\n  workBestAgent: " + prefix + ".best\n";
  return options;
}

std::string task(const std::string& agent, int n) { return agent + "-t" + std::to_string(100 + n); }

std::uint64_t number(const json& stats, const char* key) { return stats[key].get<std::uint64_t>(); }

// work.stats on `subject` once `condition` holds, polled up to 15 s; nullopt otherwise.
std::optional<json> statsWhen(FleetClient& fleet, const std::string& subject,
                              const std::function<bool(const json&)>& condition) {
  std::optional<json> last;
  const bool held = eventually(
      [&] {
        last = fleet.ask(subject);
        return last && last->contains("stateSnapshotsWritten") && condition(*last);
      },
      std::chrono::seconds(15));
  if (!held) return std::nullopt;
  return last;
}

void killHard(SidecarProcess& sidecar) {
  sidecar.signal(SIGKILL);
  REQUIRE(eventually([&] { return !sidecar.running(); }));
}

// Three agents' round of events: metrics, four assignments, a completion, and a failure of c's.
// Returns how many events it published.
std::uint64_t phase(FleetClient& fleet, int round) {
  std::uint64_t sent = 0;
  for (const char* agent : {"a", "b", "c"}) {
    const std::string id = agent;
    REQUIRE(fleet.metrics(id, 10.0 * (round + 1), {"gpu"}));
    for (int i = 0; i < 4; ++i) REQUIRE(fleet.assign(id, task(id, round * 10 + i)));
    REQUIRE(fleet.complete(id, task(id, round * 10), 100.0 * (round + 1)));
    sent += 6;
  }
  REQUIRE(fleet.client().publish(
      "task.failed",
      json{{"agentId", "c"}, {"taskId", task("c", round * 10 + 1)}, {"error", "boom"}}.dump()));
  REQUIRE(fleet.flush());
  return sent + 1;
}

json comparable(json agent) {
  agent.erase("lastSeenAgoMs");
  return agent;
}

// Both replicas' work.agents agree on everything but the moment each was asked.
void requireSameView(FleetClient& fleet, const std::string& a_prefix, const std::string& b_prefix) {
  const auto a = fleet.ask(a_prefix + ".agents");
  const auto b = fleet.ask(b_prefix + ".agents");
  REQUIRE(a);
  REQUIRE(b);
  INFO(a->dump() + "\n" + b->dump());
  CHECK((*a)["totalAgents"] == 3);
  CHECK((*a)["totalAgents"] == (*b)["totalAgents"]);
  REQUIRE((*a)["agents"].size() == (*b)["agents"].size());
  for (std::size_t i = 0; i < (*a)["agents"].size(); ++i) {
    CHECK(comparable((*a)["agents"][i]) == comparable((*b)["agents"][i]));
    const auto ago_a = (*a)["agents"][i]["lastSeenAgoMs"].get<std::int64_t>();
    const auto ago_b = (*b)["agents"][i]["lastSeenAgoMs"].get<std::int64_t>();
    CHECK(std::llabs(ago_a - ago_b) < 2000);
  }
}

// A writer that has stored a snapshot of everything sent so far, then is killed.
struct Written {
  std::unique_ptr<SidecarProcess> steady;  // snapshots off: never stops, the reference
  std::uint64_t sent = 0;
};

Written writeThenKill(JetStreamServer& js, FleetClient& fleet) {
  Written out;
  out.steady = std::make_unique<SidecarProcess>(snapshotOptions(js.server.url(), "steady", "0"));
  REQUIRE(statsWhen(fleet, "steady.stats", [](const json&) { return true; }));  // stream made
  SidecarProcess writer(snapshotOptions(js.server.url(), "w", "1s"));
  REQUIRE(statsWhen(fleet, "w.stats", [](const json&) { return true; }));
  out.sent = phase(fleet, 0);
  const std::uint64_t sent = out.sent;
  const auto written = statsWhen(fleet, "w.stats", [&](const json& s) {
    return number(s, "stateSnapshotsWritten") >= 1 && number(s, "stateSnapshotSequence") == sent;
  });
  INFO(writer.log());
  REQUIRE(written);
  CHECK(number(*written, "stateSnapshotWriteFailures") == 0);
  CHECK(number(*written, "stateSnapshotBytes") > 0);
  CHECK(number(*written, "stateSnapshotRestoreAbsent") == 1);  // the first start found none
  CHECK_THAT(writer.log(), Catch::Contains("state: first snapshot written to bucket 'wss_state'"));
  killHard(writer);
  return out;
}

TEST_CASE(
    "state snapshots: every writer killed at once, a fresh one restores the snapshot, "
    "replays the rest and ends with the view of one that never stopped",
    "[integration][state_snapshot]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  Written before = writeThenKill(js, fleet);
  const std::uint64_t covered = before.sent;
  const std::uint64_t missed = phase(fleet, 1);  // while no writer runs: only the stream hears

  SidecarProcess fresh(snapshotOptions(js.server.url(), "w", "1s"));
  const auto restored = statsWhen(fleet, "w.stats", [&](const json& s) {
    return number(s, "eventsProcessed") == missed;  // only what came after the snapshot
  });
  INFO(fresh.log());
  REQUIRE(restored);
  CHECK(number(*restored, "stateSnapshotRestores") == 1);
  CHECK(number(*restored, "stateSnapshotRestoreRefusals") == 0);
  CHECK(number(*restored, "stateSnapshotRestoredSequence") == covered);
  CHECK(number(*restored, "stateStreamEvents") == missed);  // not replayed from the first
  CHECK_THAT(fresh.log(), Catch::Contains("state: restored the snapshot of stream 'WSS_EVENTS' "
                                          "up to sequence " +
                                          std::to_string(covered)));
  CHECK_THAT(fresh.log(), Catch::Contains("from sequence " + std::to_string(covered + 1)));

  const std::uint64_t live = phase(fleet, 2);
  const std::uint64_t total = covered + missed + live;
  REQUIRE(statsWhen(fleet, "steady.stats",
                    [&](const json& s) { return number(s, "eventsProcessed") == total; }));
  REQUIRE(statsWhen(fleet, "w.stats",
                    [&](const json& s) { return number(s, "eventsProcessed") == missed + live; }));
  requireSameView(fleet, "steady", "w");
  // It writes on: the next snapshot covers everything.
  CHECK(statsWhen(fleet, "w.stats",
                  [&](const json& s) { return number(s, "stateSnapshotSequence") == total; }));
}

// Two replicas of one ha group: only the leader writes; both killed at once, both fresh ones
// restore the group's snapshot.
TEST_CASE(
    "state snapshots with ha: every replica killed at once, each fresh one restores the "
    "leader's snapshot and ends with the view of one that never stopped",
    "[integration][state_snapshot]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  SidecarProcess steady(snapshotOptions(js.server.url(), "steady", "0"));
  REQUIRE(statsWhen(fleet, "steady.stats", [](const json&) { return true; }));
  const auto replica = [&](const std::string& name) {
    SidecarOptions options = snapshotOptions(js.server.url(), name, "1s");
    options.extra_yaml += "ha:\n  enabled: true\n  leaseTtl: 2s\n  name: " + name + "\n";
    return std::make_unique<SidecarProcess>(options);
  };
  auto h1 = replica("h1");
  auto h2 = replica("h2");
  const std::uint64_t covered = phase(fleet, 0);
  // One leader has written a snapshot of everything; the standby has written none.
  const bool one_writer = eventually(
      [&] {
        const auto one = fleet.ask("h1.stats");
        const auto two = fleet.ask("h2.stats");
        if (!one || !two || !one->contains("role") || !two->contains("role")) return false;
        const json& leader = (*one)["role"] == "leader" ? *one : *two;
        const json& standby = (*one)["role"] == "leader" ? *two : *one;
        return leader["role"] == "leader" && standby["role"] == "standby" &&
               number(leader, "stateSnapshotSequence") == covered &&
               number(standby, "stateSnapshotsWritten") == 0;
      },
      std::chrono::seconds(15));
  INFO(h1->log() + "\n" + h2->log());
  REQUIRE(one_writer);
  killHard(*h1);
  killHard(*h2);
  const std::uint64_t missed = phase(fleet, 1);

  h1 = replica("h1");
  h2 = replica("h2");
  for (const char* name : {"h1", "h2"}) {
    const auto restored = statsWhen(fleet, std::string(name) + ".stats", [&](const json& s) {
      return number(s, "eventsProcessed") == missed;
    });
    INFO(name << "\n" << h1->log() << "\n" << h2->log());
    REQUIRE(restored);
    CHECK(number(*restored, "stateSnapshotRestores") == 1);
    CHECK(number(*restored, "stateSnapshotRestoredSequence") == covered);
    CHECK(number(*restored, "stateStreamEvents") == missed);
  }
  const std::uint64_t total = covered + missed;
  REQUIRE(statsWhen(fleet, "steady.stats",
                    [&](const json& s) { return number(s, "eventsProcessed") == total; }));
  requireSameView(fleet, "steady", "h1");
  requireSameView(fleet, "steady", "h2");
}

TEST_CASE("state snapshots: a corrupt piece is refused, counted, and the whole stream replayed",
          "[integration][state_snapshot]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  Written before = writeThenKill(js, fleet);
  // Garbage over the first piece of both slots (whichever the head names), acknowledged.
  for (const char* key : {"default.s0.0", "default.s1.0"}) {
    const auto ack = fleet.client().request(std::string("$KV.wss_state.") + key, "garbage!");
    REQUIRE(ack);
    CHECK_THAT(*ack, Catch::Contains("\"seq\""));
  }
  const std::uint64_t missed = phase(fleet, 1);
  const std::uint64_t total = before.sent + missed;

  SidecarProcess fresh(snapshotOptions(js.server.url(), "w", "1s"));
  const auto replayed = statsWhen(
      fleet, "w.stats", [&](const json& s) { return number(s, "eventsProcessed") == total; });
  INFO(fresh.log());
  REQUIRE(replayed);
  CHECK(number(*replayed, "stateSnapshotRestores") == 0);
  CHECK(number(*replayed, "stateSnapshotRestoreRefusals") == 1);
  CHECK(number(*replayed, "stateStreamEvents") == total);  // from the first event
  CHECK_THAT(fresh.log(), Catch::Contains("state: the stored snapshot in bucket 'wss_state' is "
                                          "refused (piece 'default.s"));
  CHECK_THAT(fresh.log(), Catch::Contains("consuming stream 'WSS_EVENTS' from its first event"));
  REQUIRE(statsWhen(fleet, "steady.stats",
                    [&](const json& s) { return number(s, "eventsProcessed") == total; }));
  requireSameView(fleet, "steady", "w");
}

TEST_CASE("state snapshots: one older than the stream's first event is refused and counted",
          "[integration][state_snapshot]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  Written before = writeThenKill(js, fleet);
  const std::uint64_t missed = phase(fleet, 1);
  // Retention dropped what came just after the snapshot: keep only the last 3 events.
  const auto purged = fleet.client().request("$JS.API.STREAM.PURGE.WSS_EVENTS", R"({"keep":3})");
  REQUIRE(purged);
  REQUIRE_THAT(*purged, Catch::Contains("\"success\":true"));

  SidecarProcess fresh(snapshotOptions(js.server.url(), "w", "1s"));
  const auto replayed = statsWhen(
      fleet, "w.stats", [&](const json& s) { return number(s, "stateStreamEvents") == 3; });
  INFO(fresh.log());
  REQUIRE(replayed);
  CHECK(number(*replayed, "stateSnapshotRestores") == 0);
  CHECK(number(*replayed, "stateSnapshotRestoreRefusals") == 1);
  CHECK_THAT(
      fresh.log(),
      Catch::Contains("it covers up to sequence " + std::to_string(before.sent) +
                      " but the stream starts at " + std::to_string(before.sent + missed - 2)));
  CHECK_THAT(fresh.log(), Catch::Contains("consuming stream 'WSS_EVENTS' from its first event"));
}

}  // namespace
}  // namespace wss::testing

namespace wss::testing {
namespace {

TEST_CASE("state snapshots: one of another format is refused and counted",
          "[integration][state_snapshot]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  Written before = writeThenKill(js, fleet);
  // A head as a build of format 1 would not write it, but as a reader of 2 must refuse it.
  const json head = {{"format", 1},
                     {"slot", 0},
                     {"transfer", 1},
                     {"pieces", 1},
                     {"streamSequence", before.sent},
                     {"bytes", 10},
                     {"takenUnixMs", 1},
                     {"streamCreatedNs", 1}};
  REQUIRE(fleet.client().request("$KV.wss_state.default.head", head.dump()));

  SidecarProcess fresh(snapshotOptions(js.server.url(), "w", "1s"));
  const auto replayed = statsWhen(
      fleet, "w.stats", [&](const json& s) { return number(s, "eventsProcessed") == before.sent; });
  INFO(fresh.log());
  REQUIRE(replayed);
  CHECK(number(*replayed, "stateSnapshotRestores") == 0);
  CHECK(number(*replayed, "stateSnapshotRestoreRefusals") == 1);
  CHECK(number(*replayed, "stateStreamEvents") == before.sent);
  CHECK_THAT(fresh.log(), Catch::Contains("is refused (snapshot format 1, this build reads 2)"));
}

TEST_CASE("state snapshots: one of a stream deleted since is refused and counted",
          "[integration][state_snapshot]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  Written before = writeThenKill(js, fleet);
  before.steady.reset();  // its consumer would go with the stream
  const auto deleted = fleet.client().request("$JS.API.STREAM.DELETE.WSS_EVENTS", "");
  REQUIRE(deleted);
  REQUIRE_THAT(*deleted, Catch::Contains("\"success\":true"));

  SidecarProcess fresh(snapshotOptions(js.server.url(), "w", "1s"));
  REQUIRE(statsWhen(fleet, "w.stats", [](const json&) { return true; }));  // made it again
  const std::uint64_t sent = phase(fleet, 1);
  const auto live = statsWhen(fleet, "w.stats",
                              [&](const json& s) { return number(s, "eventsProcessed") == sent; });
  INFO(fresh.log());
  REQUIRE(live);
  CHECK(number(*live, "stateSnapshotRestores") == 0);
  CHECK(number(*live, "stateSnapshotRestoreRefusals") == 1);
  CHECK_THAT(fresh.log(), Catch::Contains("is refused (stream 'WSS_EVENTS' does not exist)"));
}

// A stream deleted and made again under the same name, then filled as far as before: the old
// snapshot's sequence fits its bounds, but it numbers other events. The head records when the
// stream it covers was made.
TEST_CASE("state snapshots: one of a stream made again since, as long as before, is refused",
          "[integration][state_snapshot]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  Written before = writeThenKill(js, fleet);
  before.steady.reset();
  const auto deleted = fleet.client().request("$JS.API.STREAM.DELETE.WSS_EVENTS", "");
  REQUIRE(deleted);
  REQUIRE_THAT(*deleted, Catch::Contains("\"success\":true"));
  std::uint64_t refilled = 0;
  {
    SidecarProcess maker(snapshotOptions(js.server.url(), "maker", "0"));  // makes it again
    REQUIRE(statsWhen(fleet, "maker.stats", [](const json&) { return true; }));
    refilled = phase(fleet, 0);
    REQUIRE(statsWhen(fleet, "maker.stats",
                      [&](const json& s) { return number(s, "eventsProcessed") == refilled; }));
  }
  REQUIRE(refilled >= before.sent);

  SidecarProcess fresh(snapshotOptions(js.server.url(), "w", "1s"));
  const auto live = statsWhen(
      fleet, "w.stats", [&](const json& s) { return number(s, "eventsProcessed") == refilled; });
  INFO(fresh.log());
  REQUIRE(live);
  CHECK(number(*live, "stateSnapshotRestores") == 0);
  CHECK(number(*live, "stateSnapshotRestoreRefusals") == 1);
  CHECK_THAT(fresh.log(), Catch::Contains("deleted and made again since"));
}

}  // namespace
}  // namespace wss::testing
