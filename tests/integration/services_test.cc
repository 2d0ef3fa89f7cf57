// The request-reply services: work.stats fields, work.agents, work.operations,
// work.bestAgent.
#include <catch2/catch.hpp>
#include <string>

#include "fleet.pb.h"
#include "tests/support/fleet_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;

TEST_CASE("work.stats carries the contract's fields", "[integration][services]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  auto stats = fleet.stats();
  REQUIRE(stats);
  for (const char* field :
       {"totalAgents", "overloadedAgents", "underloadedAgents", "totalStealOperations",
        "successfulSteals", "failedSteals", "avgTasksPerAgent", "eventsProcessed", "eventsRejected",
        "pendingSteals", "natsDisconnects", "natsReconnects", "slowConsumerDrops", "queueDepth"}) {
    INFO(field);
    CHECK(stats->contains(field));
  }
  CHECK((*stats)["natsConnected"] == true);
  // A request with a payload is served the same.
  CHECK(fleet.ask("work.stats", "{}").has_value());
}

TEST_CASE("work.agents, work.operations and work.bestAgent answer from the state",
          "[integration][services]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarOptions options = SidecarOptions::forServer(server.url());
  options.stealing_enabled = false;
  SidecarProcess sidecar(options);
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.stats());

  REQUIRE(fleet.metrics("a-gpu", 10.0, {"gpu"}));
  REQUIRE(fleet.metrics("b-cpu", 10.0, {"cpu"}));
  REQUIRE(fleet.metrics("c-cpu", 10.0, {"cpu"}));
  REQUIRE(fleet.assign("b-cpu", "t-1"));
  REQUIRE(fleet.assign("b-cpu", "t-2"));
  REQUIRE(fleet.flush());
  REQUIRE(fleet.waitForStats([](const json& s) { return s["eventsProcessed"] == 5; }));

  auto all = fleet.ask("work.agents");
  REQUIRE(all);
  CHECK((*all)["totalAgents"] == 3);
  REQUIRE((*all)["agents"].size() == 3);
  CHECK((*all)["agents"][0]["agentId"] == "a-gpu");  // sorted by id
  CHECK((*all)["agents"][0]["capabilities"] == json::array({"gpu"}));
  auto limited = fleet.ask("work.agents", R"({"limit": 1})");
  REQUIRE(limited);
  CHECK((*limited)["agents"].size() == 1);
  CHECK(fleet.taskCount("b-cpu") == 2);
  CHECK(fleet.taskCount("nobody") == -1);

  auto operations = fleet.ask("work.operations");
  REQUIRE(operations);
  CHECK(operations->is_array());
  CHECK(operations->empty());  // stealing disabled

  auto gpu = fleet.ask("work.bestAgent", R"({"requiredCapabilities": ["gpu"]})");
  REQUIRE(gpu);
  CHECK((*gpu)["agentId"] == "a-gpu");
  CHECK((*gpu)["expectedStartMs"].is_number());
  auto cpu = fleet.ask("work.bestAgent", R"({"requiredCapabilities": ["cpu"]})");
  REQUIRE(cpu);
  CHECK((*cpu)["agentId"] == "c-cpu");  // idle beats two queued tasks
  auto none = fleet.ask("work.bestAgent", R"({"requiredCapabilities": ["tpu"]})");
  REQUIRE(none);
  CHECK((*none)["agentId"].is_null());
  auto any = fleet.ask("work.bestAgent");
  REQUIRE(any);
  CHECK((*any)["agentId"].is_string());
  v1::BestAgentRequest request;
  request.add_required_capabilities("gpu");
  auto protobuf = fleet.client().request("work.bestAgent", request.SerializeAsString());
  REQUIRE(protobuf);
  CHECK(json::parse(*protobuf)["agentId"] == "a-gpu");
}

}  // namespace
}  // namespace wss::testing
