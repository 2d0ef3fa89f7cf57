// fleet-sim's ha mode end to end: fleet-sim starts 2 sidecar replicas on a JetStream
// nats-server, kills the leader twice (kill -9, restarted 1 s later) while the hot-spots fleet
// runs, and reports. Steals must resume under a higher epoch after each kill, nothing may be
// lost, duplicated or misplaced, and an order of a deposed leader, replayed by the test once
// the next leader's orders flow, must be fenced by the fleet.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/nats_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;

std::uint64_t epochOf(const ReceivedMessage& m) {
  const json order = json::parse(m.payload, nullptr, /*allow_exceptions=*/false);
  return order.is_object() && order.contains("epoch") ? order["epoch"].get<std::uint64_t>() : 0;
}

constexpr const char* kBaseConfig =
    "encoding: json\n"
    "log:\n  level: info\n"
    "ha:\n  leaseTtl: 2s\n";

TEST_CASE(
    "ha mode: the leader killed twice, steals resume each time, a deposed leader's "
    "order is fenced, nothing lost, duplicated or misplaced",
    "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  TempDir dir;
  TestClient watcher(server.url());
  REQUIRE(watcher.subscribe("work.steal"));

  const std::string report_file = dir.path() + "/report.json";
  const std::string steals_file = dir.path() + "/steals.jsonl";
  ChildProcess sim({WSS_FLEET_SIM_BINARY,
                    "--nats-url",
                    server.url(),
                    "--scenario",
                    "hot-spots",
                    "--duration-s",
                    "15",
                    "--grace-s",
                    "20",
                    "--ha-replicas",
                    "2",
                    "--sidecar-bin",
                    sidecarBinary(),
                    "--sidecar-config",
                    dir.writeFile("base.yaml", kBaseConfig),
                    "--kill-leader-every-s",
                    "5",
                    "--restart-after-s",
                    "1",
                    "--ha-log-dir",
                    dir.path() + "/replicas",
                    "--json-out",
                    report_file,
                    "--steals-out",
                    steals_file},
                   dir.path() + "/fleet-sim.log");
  REQUIRE(sim.started());
  const auto log = [&] { return readFile(dir.path() + "/fleet-sim.log"); };

  // The first leader's orders, then the next one's (after the first kill, at 5 s).
  const auto first = watcher.waitFor(
      "work.steal", [](const ReceivedMessage& m) { return epochOf(m) > 0; },
      std::chrono::seconds(40));
  REQUIRE(first);
  const auto next = watcher.waitFor(
      "work.steal", [&](const ReceivedMessage& m) { return epochOf(m) > epochOf(*first); },
      std::chrono::seconds(40));
  INFO(log());
  REQUIRE(next);
  // Once the fleet has taken an order of the new term (its steals log says so; NATS orders
  // nothing across connections), a deposed leader's order arrives late: it must be dropped.
  const std::string new_epoch = "\"epoch\":" + std::to_string(epochOf(*next)) + ",";
  REQUIRE(eventually([&] { return readFile(steals_file).find(new_epoch) != std::string::npos; },
                     std::chrono::seconds(20)));
  REQUIRE(watcher.publish("work.steal", first->payload, first->content_type));
  REQUIRE(watcher.flush());

  REQUIRE(eventually([&] { return !sim.running(); }, std::chrono::seconds(100)));
  const auto status = sim.stop();
  REQUIRE(status);
  CHECK(status->exited);
  CHECK(status->code == 0);

  const json r = json::parse(readFile(report_file), nullptr, /*allow_exceptions=*/false);
  REQUIRE(r.is_object());
  REQUIRE(r.contains("ha"));
  const json& ha = r["ha"];
  INFO(ha.dump(2));
  CHECK(ha["killCount"] == 2);
  CHECK(ha["killsMissed"] == 0);
  CHECK(ha["notResumed"] == 0);
  CHECK(ha["unexpectedExits"] == 0);
  for (const json& kill : ha["kills"]) {
    REQUIRE(kill["resumeMs"].is_number());
    CHECK(kill["resumeMs"].get<double>() < 4 * 2000);  // docs: within about ttl + 1 s
    CHECK(kill["newEpoch"].get<std::uint64_t>() > kill["epoch"].get<std::uint64_t>());
  }
  CHECK(ha["fencedOrders"].get<std::uint64_t>() >= 1);
  CHECK(r["lost"] == 0);
  CHECK(r["duplicated"] == 0);
  CHECK(r["capabilityViolations"] == 0);
  CHECK(r["steals"]["refused"]["targetIncapable"] == 0);
  CHECK(r["steals"]["tasksMoved"].get<std::uint64_t>() > 0);
  CHECK(r["haGoalMet"] == true);
}

}  // namespace
}  // namespace wss::testing
