// A real Prometheus scrapes the sidecar's /metrics and sees the figures it was given.
//
// The seam is ScrapeTarget: something Prometheus can scrape plus the PromQL values it must then
// report. Today SnapshotTarget serves a hand-made snapshot through HttpServer; a target that
// runs the daemon against nats-server and publishes fleet events fits the same test body.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sidecar/observability/http_server.h"
#include "sidecar/observability/snapshot_slot.h"
#include "tests/observability/prometheus_server.h"
#include "tests/observability/sample_snapshot.h"
#include "tests/support/loopback.h"
#include "tests/support/process.h"
#ifdef WSS_SIDECAR_BINARY
#include <httplib.h>

#include "tests/support/fleet_client.h"
#include "tests/support/nats_server.h"
#endif

namespace wss::observability {
namespace {

using namespace std::chrono_literals;

struct Expectation {
  std::string promql;
  double value;
};

class ScrapeTarget {
 public:
  virtual ~ScrapeTarget() = default;
  // "127.0.0.1:PORT", serving /metrics.
  [[nodiscard]] virtual std::string address() const = 0;
  // What Prometheus must report once it has scraped the target.
  [[nodiscard]] virtual std::vector<Expectation> expectations() const = 0;
};

// HttpServer on a loopback port over a published snapshot, as the app wires it.
class SnapshotTarget : public ScrapeTarget {
 public:
  SnapshotTarget()
      : server_("127.0.0.1:0", {.snapshot = [this] { return slot_.latest(); },
                                .live = [] { return true; },
                                .ready = [] { return true; }}) {
    slot_.publish(testing::sampleSnapshot());
    const auto error = server_.start();
    INFO(error);
    REQUIRE(error.empty());
  }

  std::string address() const override { return "127.0.0.1:" + std::to_string(server_.port()); }

  std::vector<Expectation> expectations() const override {
    return {
        {"wss_tasks_moved_total", 14},
        {R"(wss_events_received_total{kind="task_completed"})", 102},
        {R"(wss_agents_by_state{state="overloaded"})", 19},
        {R"(wss_build_info{version="1.2.3",commit="abc123"})", 1},
        {"wss_steal_round_duration_seconds_count", 3},
        {R"(wss_steal_round_duration_seconds_bucket{le="0.005"})", 2},
        {"wss_nats_connected", 1},
    };
  }

 private:
  SnapshotSlot slot_;
  HttpServer server_;
};

#ifdef WSS_SIDECAR_BINARY
// The daemon on a loopback HTTP port, fed through nats-server by a test fleet.
class DaemonTarget : public ScrapeTarget {
 public:
  DaemonTarget() : http_port_(::wss::testing::findFreePort()) {
    REQUIRE(nats_.running());
    const std::string config =
        dir_.writeFile("sidecar.yaml", "nats:\n  url: " + nats_.url() +
                                           "\nstealing:\n  stealInterval: 100ms\n"
                                           "log:\n  level: warn\n"
                                           "http:\n  enabled: true\n  listen: " +
                                           address() + "\n");
    daemon_ = std::make_unique<::wss::testing::ChildProcess>(
        std::vector<std::string>{WSS_SIDECAR_BINARY, "--config", config},
        dir_.path() + "/sidecar.log");
    REQUIRE(waitReady());

    ::wss::testing::FleetClient fleet(nats_.url());
    REQUIRE(fleet.connected());
    fleet.metrics("agent-1", 95);
    fleet.metrics("agent-2", 5);
    for (const char* task : {"t-1", "t-2", "t-3"}) {
      fleet.assign("agent-1", task);
    }
    fleet.complete("agent-1", "t-1", 120.0);
    fleet.client().publish("task.completed", R"({"taskId":"t-2"})");  // no agentId: rejected
    REQUIRE(fleet.flush());
  }

  std::string address() const override { return "127.0.0.1:" + std::to_string(http_port_); }

  std::vector<Expectation> expectations() const override {
    return {
        {R"(wss_events_received_total{kind="agent_metrics"})", 2},
        {R"(wss_events_received_total{kind="task_assigned"})", 3},
        {R"(wss_events_received_total{kind="task_completed"})", 2},
        {R"(wss_events_rejected_total{kind="task_completed"})", 1},
        {R"(wss_events_rejected_total{kind="task_assigned"})", 0},
        {"wss_agents", 2},
        {"wss_nats_connected", 1},
        {"count(wss_build_info)", 1},
    };
  }

  std::string log() const { return ::wss::testing::readFile(dir_.path() + "/sidecar.log"); }

 private:
  // /readyz turns 200 once the daemon is connected and subscribed.
  bool waitReady() {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_connection_timeout(200ms);
    for (int i = 0; i < 100 && daemon_->running(); ++i) {
      if (auto res = client.Get("/readyz"); res && res->status == 200) {
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  ::wss::testing::NatsServer nats_;
  ::wss::testing::TempDir dir_;
  int http_port_;
  std::unique_ptr<::wss::testing::ChildProcess> daemon_;
};

TEST_CASE("a real Prometheus scrapes the daemon fed through NATS", "[prometheus][slow]") {
  const DaemonTarget target;
  INFO("sidecar log:\n" << target.log());
  testing::PrometheusServer prometheus({target.address()});
  REQUIRE(prometheus.waitReady(10s));
  INFO("prometheus log:\n" << prometheus.log());
  CHECK(prometheus.waitForValue(R"(up{job="wss"})", 1, 15s) == 1.0);
  for (const auto& [promql, value] : target.expectations()) {
    INFO(promql);
    CHECK(prometheus.waitForValue(promql, value, 5s) == value);
  }
}
#endif

TEST_CASE("a real Prometheus scrapes /metrics and reports the figures", "[prometheus][slow]") {
  const SnapshotTarget target;
  testing::PrometheusServer prometheus({target.address()});
  REQUIRE(prometheus.waitReady(10s));
  INFO("prometheus log:\n" << prometheus.log());

  // The first scrape comes within a scrape interval (1 s) of start.
  CHECK(prometheus.waitForValue(R"(up{job="wss"})", 1, 15s) == 1.0);
  for (const auto& [promql, value] : target.expectations()) {
    INFO(promql);
    CHECK(prometheus.waitForValue(promql, value, 5s) == value);
  }
  // Prometheus also lints what it ingests; a rejected sample would show here.
  CHECK(prometheus.query("scrape_samples_post_metric_relabeling") > 0.0);
}

}  // namespace
}  // namespace wss::observability
