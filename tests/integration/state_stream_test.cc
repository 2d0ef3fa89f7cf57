// state.stream end to end: the daemon reads its inbound events from a JetStream stream, so a
// sidecar started after the last one was killed (-9) replays the tasks queued before, sees
// the agents as old as they are, and steals; a replica restarted from the stream ends with
// the view of one that never stopped; without JetStream it says so, counts it and runs on
// plain subscriptions. One fleet connection publishes everything, so the stream's order is
// the publish order (NATS promises nothing across connections). Waits are on conditions.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/fleet_client.h"
#include "tests/support/http_probe.h"
#include "tests/support/http_sidecar.h"
#include "tests/support/loopback.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

struct JetStreamServer {
  TempDir store;
  NatsServer server{jetStreamArgs(store.path())};
};

constexpr const char* kStateYaml = "state:\n  stream: WSS_EVENTS\n  createStream: true\n";

// A sidecar on the state stream; `prefix` gives it service subjects of its own (prefix.stats,
// prefix.agents), so two can run side by side and each be asked alone.
SidecarOptions streamOptions(const std::string& url, bool stealing, const std::string& prefix) {
  SidecarOptions options = SidecarOptions::forServer(url);
  options.stealing_enabled = stealing;
  options.extra_yaml = kStateYaml;
  if (!prefix.empty()) {
    options.extra_yaml += "subjects:\n  workStats: " + prefix + ".stats\n  workAgents: " + prefix +
                          ".agents\n  workOperations: " + prefix + ".ops\n  workBestAgent: " +
                          prefix + ".best\n";
  }
  return options;
}

std::string task(const std::string& agent, int n) { return agent + "-t" + std::to_string(100 + n); }

// work.stats on `subject` once `condition` holds, polled up to `timeout`; nullopt otherwise.
std::optional<json> statsWhen(FleetClient& fleet, const std::string& subject,
                              const std::function<bool(const json&)>& condition,
                              milliseconds timeout = std::chrono::seconds(10)) {
  std::optional<json> last;
  (void)eventually(
      [&] {
        last = fleet.ask(subject);
        return last && last->contains("eventsProcessed") && condition(*last);
      },
      timeout);
  if (!last || !last->contains("eventsProcessed") || !condition(*last)) return std::nullopt;
  return last;
}

std::uint64_t processed(const json& stats) { return stats["eventsProcessed"].get<std::uint64_t>(); }

// One agent of a work.agents reply, or null.
json agentIn(const std::optional<json>& reply, const std::string& agent) {
  if (!reply || !reply->contains("agents")) return nullptr;
  for (const json& a : (*reply)["agents"]) {
    if (a["agentId"] == agent) return a;
  }
  return nullptr;
}

void killHard(SidecarProcess& sidecar) {
  sidecar.signal(SIGKILL);
  REQUIRE(eventually([&] { return !sidecar.running(); }));
}

TEST_CASE("state stream: a sidecar started after kill -9 replays the queued tasks and steals them",
          "[integration][state_stream]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.client().subscribe("work.steal"));
  auto first = std::make_unique<SidecarProcess>(streamOptions(js.server.url(), true, ""));
  REQUIRE(fleet.stats());  // up, and the stream exists: what the fleet sends now is kept
  INFO(first->log());
  CHECK_THAT(first->log(), Catch::Contains("created stream 'WSS_EVENTS'"));

  // A busy agent with 12 queued tasks; nobody idle to steal for yet.
  REQUIRE(fleet.metrics("agent-a", 95.0, {}, "busy"));
  for (int i = 1; i <= 12; ++i) REQUIRE(fleet.assign("agent-a", task("agent-a", i)));
  REQUIRE(fleet.flush());
  REQUIRE(fleet.waitForStats([](const json& s) { return processed(s) >= 13; }));
  const auto published = Clock::now();
  killHard(*first);  // the only replica: no sidecar holds the state now
  // While none runs, an idle agent joins: only the stream hears it.
  REQUIRE(fleet.metrics("agent-b", 5.0, {}, "idle"));
  REQUIRE(fleet.flush());

  const auto restarted = Clock::now();
  SidecarProcess second(streamOptions(js.server.url(), true, ""));
  std::optional<json> agents;
  const bool replayed = eventually(
      [&] {
        agents = fleet.ask("work.agents");
        return agentIn(agents, "agent-a").is_object() &&
               agentIn(agents, "agent-a")["taskCount"] == 12 &&
               agentIn(agents, "agent-b").is_object();
      },
      std::chrono::seconds(5));
  INFO(second.log());
  REQUIRE(replayed);
  CHECK(Clock::now() - restarted < std::chrono::seconds(5));
  // Heard from before the restart, and the sidecar knows it: not taken as fresh.
  const auto gap = std::chrono::duration_cast<milliseconds>(restarted - published).count();
  CHECK(agentIn(agents, "agent-a")["lastSeenAgoMs"].get<std::int64_t>() >= gap - 50);
  CHECK_THAT(second.log(), Catch::Contains("state: consuming stream 'WSS_EVENTS'"));

  // It steals the replayed tasks for the agent that joined while no sidecar ran.
  auto steal = fleet.client().waitFor("work.steal", [](const ReceivedMessage& m) {
    const json order = json::parse(m.payload, nullptr, false);
    return order.is_object() && order["targetAgentId"] == "agent-b";
  });
  REQUIRE(steal);
  const json order = json::parse(steal->payload);
  CHECK(order["sourceAgentId"] == "agent-a");
  const auto ids = order["taskIds"].get<std::vector<std::string>>();
  REQUIRE_FALSE(ids.empty());
  for (const auto& id : ids) CHECK(id.rfind("agent-a-t1", 0) == 0);  // replayed task ids
  for (const auto& id : ids) REQUIRE(fleet.assign("agent-b", id));
  REQUIRE(fleet.flush());
  auto stats = fleet.waitForStats([](const json& s) { return s["successfulSteals"] >= 1; });
  REQUIRE(stats);
  CHECK((*stats)["stateStreamActive"] == true);
  CHECK((*stats)["stateStreamUnavailable"] == 0);
  CHECK((*stats)["stateStreamEvents"].get<std::uint64_t>() >= 14);
  CHECK(fleet.taskCount("agent-a") + fleet.taskCount("agent-b") == 12);
  auto exit = second.stop();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

// What two views of one agent must share; everything but the age of the last report, which
// differs by the moment each was asked.
json comparable(json agent) {
  agent.erase("lastSeenAgoMs");
  return agent;
}

TEST_CASE("state stream: a replica restarted from the stream ends with the view of one that "
          "never stopped",
          "[integration][state_stream]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  // Stealing off: the views then follow from the events alone.
  SidecarProcess steady(streamOptions(js.server.url(), false, "steady"));
  REQUIRE(statsWhen(fleet, "steady.stats", [](const json&) { return true; }));  // stream made
  auto restarted = std::make_unique<SidecarProcess>(streamOptions(js.server.url(), false, "r"));
  REQUIRE(statsWhen(fleet, "r.stats", [](const json&) { return true; }));

  std::uint64_t sent = 0;
  const auto phase = [&](int round) {
    for (const char* agent : {"a", "b", "c"}) {
      const std::string id = agent;
      REQUIRE(fleet.metrics(id, 10.0 * (round + 1), {"gpu"}));
      for (int i = 0; i < 4; ++i) REQUIRE(fleet.assign(id, task(id, round * 10 + i)));
      REQUIRE(fleet.complete(id, task(id, round * 10), 100.0 * (round + 1)));
      sent += 6;
    }
    REQUIRE(fleet.client().publish("task.failed", json{{"agentId", "c"},
                                                       {"taskId", task("c", round * 10 + 1)},
                                                       {"error", "boom"}}
                                                      .dump()));
    ++sent;
    REQUIRE(fleet.flush());
  };
  phase(0);
  REQUIRE(statsWhen(fleet, "r.stats", [&](const json& s) { return processed(s) == sent; }));
  killHard(*restarted);
  phase(1);  // only the steady replica and the stream hear these
  restarted = std::make_unique<SidecarProcess>(streamOptions(js.server.url(), false, "r"));
  INFO(restarted->log());
  REQUIRE(statsWhen(fleet, "r.stats", [&](const json& s) { return processed(s) == sent; }));
  phase(2);  // both live
  REQUIRE(statsWhen(fleet, "steady.stats", [&](const json& s) { return processed(s) == sent; }));
  REQUIRE(statsWhen(fleet, "r.stats", [&](const json& s) { return processed(s) == sent; }));

  const auto a = fleet.ask("steady.agents");
  const auto b = fleet.ask("r.agents");
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
    CHECK(std::llabs(ago_a - ago_b) < 2000);  // both heard the last report live
  }
}

TEST_CASE("state stream without JetStream: says so, counts it, and steals on plain subscriptions",
          "[integration][state_stream]") {
  NatsServer server;  // no -js
  REQUIRE(server.running());
  const int port = findFreePort();
  SidecarOptions options = SidecarOptions::forServer(server.url());
  options.extra_yaml = kStateYaml;
  HttpSidecar sidecar(options, port);
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.client().subscribe("work.steal"));
  auto stats = fleet.stats();
  REQUIRE(stats);
  INFO(sidecar.log());
  CHECK((*stats)["stateStreamActive"] == false);
  CHECK((*stats)["stateStreamUnavailable"] == 1);
  CHECK_THAT(sidecar.log(), Catch::Contains("JetStream is not enabled"));
  CHECK_THAT(sidecar.log(), Catch::Contains("falling back to plain subscriptions: a cold start"));
  httplib::Client http = httpClient(port);
  CHECK(eventually([&] { return metricValue(http, "wss_state_stream_unavailable_total") == 1; }));
  CHECK(metricValue(http, "wss_state_stream_active") == 0);

  for (int i = 1; i <= 12; ++i) REQUIRE(fleet.assign("agent-a", task("agent-a", i)));
  REQUIRE(fleet.flush());
  REQUIRE(fleet.waitForStats([](const json& s) { return processed(s) >= 12; }));
  REQUIRE(fleet.metrics("agent-b", 5.0, {}, "idle"));
  REQUIRE(fleet.flush());
  auto steal = fleet.client().waitFor("work.steal", [](const ReceivedMessage&) { return true; });
  REQUIRE(steal);
  const json order = json::parse(steal->payload);
  CHECK(order["sourceAgentId"] == "agent-a");
  CHECK(order["targetAgentId"] == "agent-b");
}

TEST_CASE("state stream absent and createStream false: says so, counts it, plain subscriptions",
          "[integration][state_stream]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  SidecarOptions options = SidecarOptions::forServer(js.server.url());
  options.extra_yaml = "state:\n  stream: NOT_THERE\n";
  SidecarProcess sidecar(options);
  FleetClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  auto stats = fleet.stats();
  REQUIRE(stats);
  INFO(sidecar.log());
  CHECK((*stats)["stateStreamActive"] == false);
  CHECK((*stats)["stateStreamUnavailable"] == 1);
  CHECK_THAT(sidecar.log(), Catch::Contains("stream 'NOT_THERE' does not exist"));
  CHECK_THAT(sidecar.log(), Catch::Contains("falling back to plain subscriptions"));
  REQUIRE(fleet.assign("agent-a", task("agent-a", 1)));  // live events still arrive
  REQUIRE(fleet.flush());
  CHECK(fleet.waitForStats([](const json& s) { return processed(s) >= 1; }));
}

}  // namespace
}  // namespace wss::testing
