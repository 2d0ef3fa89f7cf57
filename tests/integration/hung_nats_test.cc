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
#include <httplib.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "tests/support/fleet_client.h"
#include "tests/support/nats_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The daemon with HTTP on 127.0.0.1:`http_port` (SidecarProcess always turns HTTP off).
class HttpSidecar {
 public:
  HttpSidecar(const SidecarOptions& options, int http_port) {
    std::string yaml = sidecarConfigYaml(options);
    const std::string http_off = "http:\n  enabled: false\n";
    const auto at = yaml.find(http_off);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, http_off.size(),
                 "http:\n  enabled: true\n  listen: 127.0.0.1:" + std::to_string(http_port) + "\n");
    log_path_ = dir_.path() + "/sidecar.log";
    pid_ = spawn({sidecarBinary(), "--config", dir_.writeFile("sidecar.yaml", yaml)}, log_path_);
    REQUIRE(pid_ > 0);
  }
  ~HttpSidecar() {
    if (pid_ > 0 && !exit_) {
      kill(pid_, SIGCONT);  // a failed test may leave it stopped
      killAndReap(pid_);
    }
  }
  HttpSidecar(const HttpSidecar&) = delete;
  HttpSidecar& operator=(const HttpSidecar&) = delete;

  void signal(int signo) const { kill(pid_, signo); }
  std::optional<ExitStatus> stop() {
    if (!exit_) {
      kill(pid_, SIGTERM);
      exit_ = waitFor(pid_, 5s);
    }
    return exit_;
  }
  [[nodiscard]] std::string log() const { return readFile(log_path_); }

 private:
  TempDir dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
};

httplib::Client httpClient(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(3s);
  client.set_read_timeout(3s);
  return client;
}

// The status of GET `path`, or 0 when no answer came.
int status(httplib::Client& client, const std::string& path) {
  auto result = client.Get(path);
  return result ? result->status : 0;
}

// The value of the unlabelled sample `name` on /metrics; -1 when it is not there.
double metric(httplib::Client& client, const std::string& name) {
  auto result = client.Get("/metrics");
  if (!result || result->status != 200) return -1;
  std::istringstream lines(result->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

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
  REQUIRE(eventually([&] { return status(http, "/readyz") == 200; }));

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
        CHECK(status(http, "/healthz") == 200);
        return status(http, "/readyz") == 503;
      },
      20s));
  // cnats declares the link dead (unanswered PINGs, or the write deadline): counted.
  REQUIRE(eventually(
      [&] {
        CHECK(status(http, "/healthz") == 200);
        return metric(http, "wss_nats_disconnects_total") >= 1;
      },
      20s));
  CHECK(status(http, "/readyz") == 503);

  server.signal(SIGCONT);
  REQUIRE(eventually([&] { return status(http, "/readyz") == 200; }, 30s));

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
  REQUIRE(eventually([&] { return status(http, "/readyz") == 200; }));
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

  REQUIRE(eventually([&] { return metric(http, "wss_nats_slow_consumer_disconnects_total") >= 1; },
                     20s));
  auto stats = fleet.waitForStats([](const json& s) {
    return s["slowConsumerDisconnects"].get<std::uint64_t>() >= 1 && s["natsReconnects"] >= 1;
  });
  REQUIRE(stats);
  CHECK((*stats)["natsDisconnects"].get<std::uint64_t>() >= 1);
  REQUIRE(eventually([&] { return status(http, "/readyz") == 200; }, 20s));
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
  REQUIRE(eventually([&] { return sidecar.log().find("connection stale") != std::string::npos; },
                     20s));
  auto exit = sidecar.stop(5s);  // nullopt if it took longer
  server.signal(SIGCONT);
  REQUIRE(exit);
  INFO(sidecar.log());
  CHECK(exit->exited);
  CHECK(exit->code == 0);
}

}  // namespace
}  // namespace wss::testing
