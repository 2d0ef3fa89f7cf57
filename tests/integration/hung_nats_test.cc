// A hung NATS server and a frozen sidecar (issue 8, items 4 and 7), with real processes.
//
// - nats-server SIGSTOPped under steal traffic: /healthz keeps answering, /readyz says 503
//   once the link is stale, the disconnect is counted, and after SIGCONT the sidecar is ready
//   again and still steals.
// - The sidecar SIGSTOPped while a publisher floods it: nats-server cuts it as a slow consumer
//   (a short write_deadline in its config file); after SIGCONT the sidecar counts the cut in
//   /metrics and work.stats and logs it at warn.
// Every wait is on a condition; HTTP requests carry a 3 s client timeout, so "answers" means
// an answer arrived, not a figure of how fast.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/support/fleet_client.h"
#include "tests/support/http_probe.h"
#include "tests/support/http_sidecar.h"
#include "tests/support/nats_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Queues `count` tasks on `agent`; the sidecar sees them in order.
void assignTasks(FleetClient& fleet, const std::string& agent, int count) {
  for (int i = 0; i < count; ++i) REQUIRE(fleet.assign(agent, agent + "-t" + std::to_string(i)));
  REQUIRE(fleet.flush());
}

TEST_CASE(
    "hung NATS: a SIGSTOPped server under steal traffic - /healthz answers - /readyz 503 "
    "- SIGCONT: ready again and still stealing",
    "[integration][hung]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarOptions options = SidecarOptions::forServer(server.url());
  options.extra_nats = "  pingInterval: 1s\n";
  // Never confirmed by this fleet, steals expire quickly and are issued again: steady traffic.
  options.extra_stealing = "  stealTimeout: 300ms\n";
  const int http_port = findFreePort();
  HttpSidecar sidecar(options, http_port);
  httplib::Client http = httpClient(http_port);
  REQUIRE(eventually([&] { return httpStatus(http, "/readyz") == 200; }));

  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.client().subscribe("work.steal"));
  REQUIRE(fleet.stats());
  assignTasks(fleet, "busy", 20);
  REQUIRE(fleet.metrics("idle", 5.0, {}, "idle"));
  REQUIRE(fleet.flush());
  REQUIRE(eventually([&] { return fleet.client().received("work.steal").size() >= 3; }));

  server.signal(SIGSTOP);
  // Stale within connectTimeout (1 s) + 1 s; /healthz answers on every poll meanwhile.
  REQUIRE(eventually(
      [&] {
        CHECK(httpStatus(http, "/healthz") == 200);
        return httpStatus(http, "/readyz") == 503;
      },
      20s));
  // cnats declares the link dead (unanswered PINGs, or the write deadline): counted.
  REQUIRE(eventually(
      [&] {
        CHECK(httpStatus(http, "/healthz") == 200);
        return metricValue(http, "wss_nats_disconnects_total") >= 1;
      },
      20s));
  CHECK(httpStatus(http, "/readyz") == 503);

  server.signal(SIGCONT);
  REQUIRE(eventually([&] { return httpStatus(http, "/readyz") == 200; }, 30s));

  // Still stealing: the deepest agent now is a new one, with a new idle agent beside it.
  assignTasks(fleet, "busier", 40);
  REQUIRE(fleet.metrics("idle-2", 5.0, {}, "idle"));
  REQUIRE(fleet.flush());
  CHECK(fleet.client()
            .waitFor(
                "work.steal",
                [](const ReceivedMessage& m) {
                  const json order = json::parse(m.payload, nullptr, false);
                  return !order.is_discarded() && order.value("sourceAgentId", "") == "busier";
                },
                20s)
            .has_value());
  const std::string log = sidecar.log();
  INFO(log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
  CHECK(log.find("disconnected from NATS") != std::string::npos);
  auto exit = sidecar.stop();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

// nats-server's own count of slow consumers (its /varz), or -1.
int serverSlowConsumers(httplib::Client& monitor) {
  auto result = monitor.Get("/varz");
  if (!result || result->status != 200) return -1;
  const json varz = json::parse(result->body, nullptr, false);
  if (varz.is_discarded() || !varz.contains("slow_consumers")) return -1;
  return varz["slow_consumers"].get<int>();
}

TEST_CASE(
    "server-side slow consumer: nats-server cuts a SIGSTOPped sidecar in a burst - counted "
    "and logged after SIGCONT",
    "[integration][hung]") {
  TempDir dir;
  const int monitor_port = findFreePort();
  // The server gives up on a client that does not read for 2 s (default 10 s).
  const std::string conf = dir.writeFile("nats.conf", "write_deadline: \"2s\"\n");
  NatsServer server({"-c", conf, "-m", std::to_string(monitor_port)});
  REQUIRE(server.running());
  const int http_port = findFreePort();
  HttpSidecar sidecar(SidecarOptions::forServer(server.url()), http_port);
  httplib::Client http = httpClient(http_port);
  REQUIRE(eventually([&] { return httpStatus(http, "/readyz") == 200; }));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.stats());
  httplib::Client monitor = httpClient(monitor_port);
  REQUIRE(serverSlowConsumers(monitor) == 0);

  sidecar.signal(SIGSTOP);
  // Flood until the server says it cut a slow consumer: the sidecar is its only subscriber.
  int batch = 0;
  REQUIRE(eventually(
      [&] {
        for (int i = 0; i < 5000; ++i) {
          fleet.assign("flood-" + std::to_string(i % 100),
                       "flood-" + std::to_string(batch) + "-" + std::to_string(i));
        }
        ++batch;
        fleet.flush();
        return serverSlowConsumers(monitor) >= 1;
      },
      60s));
  sidecar.signal(SIGCONT);

  REQUIRE(eventually(
      [&] { return metricValue(http, "wss_nats_slow_consumer_disconnects_total") >= 1; }, 20s));
  auto stats = fleet.waitForStats([](const json& s) {
    return s["slowConsumerDisconnects"].get<std::uint64_t>() >= 1 && s["natsReconnects"] >= 1;
  });
  REQUIRE(stats);
  CHECK((*stats)["natsDisconnects"].get<std::uint64_t>() >= 1);
  REQUIRE(eventually([&] { return httpStatus(http, "/readyz") == 200; }, 20s));
  const std::string log = sidecar.log();
  INFO(log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
  CHECK(log.find("slow-consumer cut") != std::string::npos);
  auto exit = sidecar.stop();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

TEST_CASE("hung NATS: SIGTERM while the server is SIGSTOPped still exits 0 within 5 seconds",
          "[integration][hung][signals]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.stats());  // up and subscribed
  server.signal(SIGSTOP);
  REQUIRE(
      eventually([&] { return sidecar.log().find("connection stale") != std::string::npos; }, 20s));
  auto exit = sidecar.stop(5s);  // nullopt if it took longer
  server.signal(SIGCONT);
  REQUIRE(exit);
  INFO(sidecar.log());
  CHECK(exit->exited);
  CHECK(exit->code == 0);
}

}  // namespace
}  // namespace wss::testing
