// A fleet as integration tests play it: events in JSON or protobuf, and the services.
//
// FleetClient wraps a TestClient with the contract's vocabulary: assign a task, complete
// it, report metrics; ask work.stats / work.agents and get parsed JSON back; wait, with a
// deadline, until the stats satisfy a condition. Protobuf events are built with the
// generated classes of schemas/fleet.proto, independently of the sidecar's codec.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/nats_client.h"

namespace wss::testing {

enum class Wire { kJson, kJsonWithHeader, kProtobuf, kProtobufWithHeader };

class FleetClient {
 public:
  explicit FleetClient(const std::string& url, Wire wire = Wire::kJson);
  // Over TLS (a tls:// URL) with `tls`'s files.
  FleetClient(const std::string& url, const ClientTls& tls, Wire wire = Wire::kJson);

  [[nodiscard]] TestClient& client() { return client_; }
  [[nodiscard]] bool connected() const { return client_.connected(); }

  bool assign(const std::string& agent, const std::string& task,
              const std::vector<std::string>& capabilities = {});
  bool complete(const std::string& agent, const std::string& task,
                std::optional<double> duration_ms = std::nullopt);
  bool metrics(const std::string& agent, double cpu,
               const std::vector<std::string>& capabilities = {}, const std::string& status = "");
  bool flush() { return client_.flush(); }

  // A service's reply parsed as JSON; nullopt when there was no reply or it was not JSON.
  [[nodiscard]] std::optional<nlohmann::json> ask(const std::string& subject,
                                                  const std::string& request = "");
  // work.stats, retried until it answers (up to 10 s).
  [[nodiscard]] std::optional<nlohmann::json> stats();
  // Polls work.stats until `condition` holds (up to `timeout`); returns the last reply.
  [[nodiscard]] std::optional<nlohmann::json> waitForStats(
      const std::function<bool(const nlohmann::json&)>& condition,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // work.agents {"agentId": id} -> that agent's taskCount, or -1 when unknown.
  [[nodiscard]] int taskCount(const std::string& agent);

 private:
  bool send(const std::string& subject, const std::string& json, const std::string& protobuf);

  TestClient client_;
  Wire wire_;
};

}  // namespace wss::testing
