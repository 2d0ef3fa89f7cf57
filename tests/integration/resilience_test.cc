// Outages and signals: a nats-server restart, starting before NATS is up, SIGTERM, SIGHUP.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tests/support/fleet_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST_CASE("a nats-server restart on the same port keeps state and resumes subscriptions",
          "[integration][resilience]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  {
    FleetClient fleet(server.url());
    REQUIRE(fleet.connected());
    REQUIRE(fleet.stats());
    REQUIRE(fleet.assign("agent-a", "t-1"));
    REQUIRE(fleet.assign("agent-a", "t-2"));
    REQUIRE(fleet.metrics("agent-b", 10.0));
    REQUIRE(fleet.flush());
    REQUIRE(fleet.waitForStats([](const json& s) { return s["totalAgents"] == 2; }));
  }

  server.stop();
  REQUIRE(server.start());
  REQUIRE(sidecar.running());

  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  auto stats = fleet.waitForStats([](const json& s) { return s["natsReconnects"] >= 1; });
  REQUIRE(stats);
  INFO(sidecar.log());
  CHECK((*stats)["totalAgents"] == 2);
  CHECK((*stats)["natsDisconnects"] >= 1);
  CHECK(fleet.taskCount("agent-a") == 2);

  // Subscriptions resumed: new events apply.
  REQUIRE(fleet.metrics("agent-c", 10.0));
  REQUIRE(fleet.assign("agent-a", "t-3"));
  REQUIRE(fleet.flush());
  // Wait for both: agent-c alone says nothing of t-3, published after it.
  const auto processed = (*stats)["eventsProcessed"].get<std::uint64_t>();
  auto resumed = fleet.waitForStats([&](const json& s) {
    return s["totalAgents"] == 3 && s["eventsProcessed"] == processed + 2;
  });
  REQUIRE(resumed);
  INFO(resumed->dump());
  CHECK(fleet.taskCount("agent-a") == 3);

  auto exit = sidecar.stop();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

TEST_CASE("the daemon starts before NATS is up and connects when it comes",
          "[integration][resilience]") {
  const int port = findFreePort();
  SidecarProcess sidecar(SidecarOptions::forServer("nats://127.0.0.1:" + std::to_string(port)));
  REQUIRE(eventually([&] { return sidecar.log().find("not reachable yet") != std::string::npos; }));
  REQUIRE(sidecar.running());

  NatsServer server(port);
  REQUIRE(server.running());
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  auto stats = fleet.stats();
  REQUIRE(stats);
  REQUIRE(fleet.metrics("agent-a", 10.0));
  REQUIRE(fleet.flush());
  REQUIRE(fleet.waitForStats([](const json& s) { return s["totalAgents"] == 1; }));
}

TEST_CASE("SIGTERM drains and exits 0 within 5 seconds", "[integration][signals]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.stats());
  for (int i = 0; i < 1000; ++i)
    fleet.assign("agent-" + std::to_string(i % 7), "t-" + std::to_string(i));
  REQUIRE(fleet.flush());

  auto exit = sidecar.stop(seconds(5));  // nullopt if it took longer
  REQUIRE(exit);
  INFO(sidecar.log());
  CHECK(exit->exited);
  CHECK(exit->code == 0);
  CHECK(sidecar.log().find("stopped in") != std::string::npos);
}

TEST_CASE("SIGTERM while NATS is down still exits 0 within 5 seconds", "[integration][signals]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.stats());
  server.stop();
  REQUIRE(eventually(
      [&] { return sidecar.log().find("disconnected from NATS") != std::string::npos; }));

  auto exit = sidecar.stop(seconds(5));
  REQUIRE(exit);
  INFO(sidecar.log());
  CHECK(exit->code == 0);
}

TEST_CASE("SIGHUP reloads the stealing section, a bad file keeps the old one",
          "[integration][signals]") {
  NatsServer server;
  REQUIRE(server.running());
  const SidecarOptions options = SidecarOptions::forServer(server.url());
  SidecarProcess sidecar(options);
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  auto stats = fleet.stats();
  REQUIRE(stats);
  CHECK((*stats)["stealingEnabled"] == true);

  SidecarOptions disabled = options;
  disabled.stealing_enabled = false;
  disabled.encoding = "protobuf";  // not reloadable: logged as needing a restart
  sidecar.rewriteConfig(disabled);
  sidecar.signal(SIGHUP);
  REQUIRE(fleet.waitForStats([](const json& s) { return s["stealingEnabled"] == false; }));
  REQUIRE(eventually([&] { return sidecar.log().find("need a restart") != std::string::npos; }));

  SidecarOptions broken = options;
  broken.extra_stealing = "  maxStealBatch: lots\n";
  sidecar.rewriteConfig(broken);
  sidecar.signal(SIGHUP);
  REQUIRE(eventually([&] { return sidecar.log().find("reload failed") != std::string::npos; }));
  auto after = fleet.stats();
  REQUIRE(after);
  CHECK((*after)["stealingEnabled"] == false);
  REQUIRE(sidecar.running());
  auto exit = sidecar.stop();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

}  // namespace
}  // namespace wss::testing
