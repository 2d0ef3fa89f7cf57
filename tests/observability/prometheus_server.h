// A real Prometheus server for tests: scrapes given targets every second, answers queries.
//
// It runs /usr/bin/prometheus (found by CMake, WSS_PROMETHEUS) on a free loopback port with its
// config and TSDB in a temp dir, and stops that one PID on destruction.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace wss::observability::testing {

class PrometheusServer {
 public:
  // Starts scraping `targets` ("127.0.0.1:PORT", path /metrics) as job "wss". Check started().
  explicit PrometheusServer(const std::vector<std::string>& targets);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // Whether it answers /-/ready within `timeout`.
  [[nodiscard]] bool waitReady(std::chrono::milliseconds timeout);

  // The value of an instant query that returns one sample; nullopt if it returns none.
  [[nodiscard]] std::optional<double> query(const std::string& promql);

  // Polls query(promql) until it returns `expected` or `timeout` passes; returns the last value.
  [[nodiscard]] std::optional<double> waitForValue(const std::string& promql, double expected,
                                                   std::chrono::milliseconds timeout);

  // Its own log, for failure messages.
  [[nodiscard]] std::string log() const;

 private:
  wss::testing::TempDir dir_;
  int port_ = 0;
  std::unique_ptr<wss::testing::ChildProcess> process_;
};

}  // namespace wss::observability::testing
