// Bad input is dropped, counted per subject and never changes state; bad requests get
// {"error": ...}; the daemon keeps answering.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "tests/support/fleet_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;

// agentId -> taskCount, from work.agents.
std::map<std::string, int> loads(FleetClient& fleet) {
  std::map<std::string, int> out;
  auto reply = fleet.ask("work.agents");
  if (!reply) return out;
  for (const auto& agent : (*reply)["agents"]) {
    out[agent["agentId"].get<std::string>()] = agent["taskCount"].get<int>();
  }
  return out;
}

TEST_CASE("bad inbound messages are dropped and counted, state is unchanged",
          "[integration][bad-input]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.stats());

  REQUIRE(fleet.assign("agent-a", "t-1"));
  REQUIRE(fleet.assign("agent-a", "t-2"));
  REQUIRE(fleet.assign("agent-a", "t-3"));
  REQUIRE(fleet.metrics("agent-b", 40.0));
  REQUIRE(fleet.flush());
  auto baseline = fleet.waitForStats([](const json& s) { return s["eventsProcessed"] == 4; });
  REQUIRE(baseline);
  const auto before = loads(fleet);
  REQUIRE(before == std::map<std::string, int>{{"agent-a", 3}, {"agent-b", 0}});

  TestClient& raw = fleet.client();
  const std::string garbage("\x00\x01\x02garbage\xff\xfe", 12);
  struct Bad {
    std::string subject;
    std::string payload;
    std::string content_type;
  };
  const Bad bad[] = {
      {"task.assigned", garbage, ""},                                        // binary junk
      {"task.assigned", R"({"agentId": 5, "taskId": "t-9"})", ""},           // wrong type
      {"task.completed", R"({"taskId": "t-1", "duration": 10})", ""},        // no agentId
      {"agent.metrics", R"({"agentId": "agent-z", "cpuUsage": true})", ""},  // wrong type
      {"task.failed", std::string(1000 * 1000, 'x'), "application/json"},    // 1 MB
      {"task.assigned",
       std::string("\x0a\x05"
                   "ab",
                   4),
       "application/protobuf"},                                        // truncated
      {"task.completed", std::string("\xff\xff\xff\xff\x0f", 5), ""},  // protobuf junk
      {"task.assigned", R"({"agentId": "agent-q", "taskId": )", ""},   // cut JSON
      {"agent.metrics", "[1, 2, 3]", "application/json"},              // not an object
      {"task.failed", "", ""},                                         // empty
  };
  for (const auto& message : bad)
    REQUIRE(raw.publish(message.subject, message.payload, message.content_type));
  REQUIRE(raw.flush());

  constexpr std::uint64_t kBad = sizeof bad / sizeof bad[0];
  auto after = fleet.waitForStats([&](const json& s) { return s["eventsRejected"] == kBad; });
  REQUIRE(after);
  INFO(after->dump() << "\n" << sidecar.log());
  CHECK((*after)["eventsRejected"] == kBad);
  CHECK((*after)["eventsProcessed"] == 4);
  CHECK((*after)["totalAgents"] == 2);
  CHECK((*after)["eventsRejectedBySubject"]["task.assigned"] == 4);
  CHECK((*after)["eventsRejectedBySubject"]["task.completed"] == 2);
  CHECK((*after)["eventsRejectedBySubject"]["task.failed"] == 2);
  CHECK((*after)["eventsRejectedBySubject"]["agent.metrics"] == 2);
  CHECK(loads(fleet) == before);

  // The log names the drops, rate-limited: far fewer lines than messages for one reason.
  for (int i = 0; i < 200; ++i) raw.publish("task.assigned", garbage);
  REQUIRE(raw.flush());
  REQUIRE(fleet.waitForStats([&](const json& s) { return s["eventsRejected"] == kBad + 200; }));
  const std::string log = sidecar.log();
  std::size_t lines = 0;
  for (std::size_t at = log.find("dropped a bad message"); at != std::string::npos;
       at = log.find("dropped a bad message", at + 1)) {
    ++lines;
  }
  CHECK(lines >= 1);
  CHECK(lines < 50);

  // Good events still apply afterwards.
  REQUIRE(fleet.assign("agent-b", "t-4"));
  REQUIRE(fleet.flush());
  REQUIRE(fleet.waitForStats([](const json& s) { return s["eventsProcessed"] == 5; }));
  auto exit = sidecar.stop();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

TEST_CASE("bad requests get an error reply and are counted", "[integration][bad-input]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  auto baseline = fleet.stats();
  REQUIRE(baseline);

  const std::pair<std::string, std::string> bad[] = {
      {"work.operations", "not json"},
      {"work.operations", R"({"limit": -1})"},
      {"work.agents", R"({"agentId": 7})"},
      {"work.agents", "[1]"},
      {"work.bestAgent", R"({"requiredCapabilities": "gpu"})"},
      {"work.bestAgent", std::string("\xff\xff\xff\xff\x0f", 5)},
  };
  for (const auto& [subject, request] : bad) {
    auto reply = fleet.ask(subject, request);
    INFO(subject << " " << request);
    REQUIRE(reply);
    CHECK(reply->contains("error"));
  }
  auto stats = fleet.stats();
  REQUIRE(stats);
  CHECK((*stats)["requestsRejected"] == 6);
  CHECK((*stats)["totalAgents"] == 0);
  CHECK((*stats)["eventsProcessed"] == 0);
}

}  // namespace
}  // namespace wss::testing
