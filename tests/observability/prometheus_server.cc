#include "tests/observability/prometheus_server.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/support/loopback.h"

namespace wss::observability::testing {

PrometheusServer::PrometheusServer(const std::vector<std::string>& targets)
    : port_(wss::testing::findFreePort()) {
  std::string config =
      "global:\n"
      "  scrape_interval: 1s\n"
      "  scrape_timeout: 1s\n"
      "  evaluation_interval: 1s\n"
      "scrape_configs:\n"
      "  - job_name: wss\n"
      "    metrics_path: /metrics\n"
      "    static_configs:\n"
      "      - targets:\n";
  for (const auto& target : targets) {
    config += "          - '" + target + "'\n";
  }
  const std::string config_file = dir_.writeFile("prometheus.yml", config);
  process_ = std::make_unique<wss::testing::ChildProcess>(
      std::vector<std::string>{
          WSS_PROMETHEUS,
          "--config.file=" + config_file,
          "--storage.tsdb.path=" + dir_.path() + "/data",
          "--web.listen-address=127.0.0.1:" + std::to_string(port_),
          "--log.level=warn",
      },
      dir_.path() + "/prometheus.log");
}

PrometheusServer::~PrometheusServer() {
  process_.reset();  // stops the process before its directory goes away
}

bool PrometheusServer::waitReady(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::milliseconds(500));
  while (std::chrono::steady_clock::now() < deadline && process_->running()) {
    if (auto res = client.Get("/-/ready"); res && res->status == 200) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::optional<double> PrometheusServer::query(const std::string& promql) {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(std::chrono::milliseconds(500));
  client.set_read_timeout(std::chrono::seconds(2));
  const auto res =
      client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
  if (!res || res->status != 200) {
    return std::nullopt;
  }
  const auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || body.value("status", "") != "success") {
    return std::nullopt;
  }
  const auto& result = body["data"]["result"];
  if (!result.is_array() || result.size() != 1) {
    return std::nullopt;
  }
  // An instant vector sample: {"metric": {...}, "value": [<time>, "<value>"]}.
  const auto& value = result[0]["value"];
  if (!value.is_array() || value.size() != 2 || !value[1].is_string()) {
    return std::nullopt;
  }
  return std::stod(value[1].get<std::string>());
}

std::optional<double> PrometheusServer::waitForValue(const std::string& promql, double expected,
                                                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<double> last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = query(promql);
    if (last && *last == expected) {
      return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return last;
}

std::string PrometheusServer::log() const {
  return wss::testing::readFile(dir_.path() + "/prometheus.log");
}

}  // namespace wss::observability::testing
