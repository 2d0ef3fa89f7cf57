#include "tests/support/nats_cluster.h"

#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/nats_client.h"

namespace wss::testing {
namespace {

constexpr const char* kClusterName = "wss";

std::string routeUrl(int port) { return "nats://127.0.0.1:" + std::to_string(port); }

// `count` free loopback ports, no two alike (findFreePort may hand out one twice).
std::vector<int> distinctFreePorts(std::size_t count) {
  std::set<int> seen;
  std::vector<int> ports;
  while (ports.size() < count) {
    const int port = findFreePort();
    if (port > 0 && seen.insert(port).second) ports.push_back(port);
  }
  return ports;
}

}  // namespace

NatsCluster::NatsCluster(std::size_t size) {
  const std::vector<int> ports = distinctFreePorts(2 * size);  // client ports, then cluster ports
  for (std::size_t i = 0; i < size; ++i) {
    stores_.push_back(std::make_unique<TempDir>());
    names_.push_back("n" + std::to_string(i));
  }
  for (std::size_t i = 0; i < size; ++i) {
    std::string routes;
    for (std::size_t j = 0; j < size; ++j) {
      if (j == i) continue;
      routes += (routes.empty() ? "" : ",") + routeUrl(ports[size + j]);
    }
    std::vector<std::string> args = jetStreamArgs(stores_[i]->path());
    args.insert(args.end(), {"--cluster", routeUrl(ports[size + i]), "--routes", routes,
                             "--cluster_name", kClusterName, "-n", names_[i]});
    servers_.push_back(std::make_unique<NatsServer>(ports[i], std::move(args)));
  }
}

NatsCluster::~NatsCluster() = default;

bool NatsCluster::running() const {
  for (const auto& server : servers_) {
    if (!server->running()) return false;
  }
  return !servers_.empty();
}

std::optional<std::size_t> NatsCluster::indexOf(const std::string& name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  return std::nullopt;
}

std::string NatsCluster::urls() const {
  std::string out;
  for (const auto& server : servers_) out += (out.empty() ? "" : ",") + server->url();
  return out;
}

void NatsCluster::kill(std::size_t i) {
  servers_[i]->signal(SIGKILL);
  servers_[i]->stop();  // reaps the killed process: its PID stays ours until then
}

std::optional<std::string> NatsCluster::ask(std::size_t i, const std::string& subject) {
  if (!servers_[i]->running()) return std::nullopt;
  TestClient client(servers_[i]->url(), std::chrono::seconds(2));
  if (!client.connected()) return std::nullopt;
  std::optional<std::string> reply = client.request(subject, "", std::chrono::seconds(1));
  if (!reply) return std::nullopt;
  const nlohmann::json parsed = nlohmann::json::parse(*reply, nullptr, false);
  if (parsed.is_discarded() || parsed.contains("error")) return std::nullopt;
  return reply;
}

bool NatsCluster::waitForJetStream(std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        for (std::size_t i = 0; i < servers_.size(); ++i) {
          if (servers_[i]->running() && !ask(i, "$JS.API.INFO")) return false;
        }
        return true;
      },
      timeout);
}

std::optional<std::string> NatsCluster::streamLeader(const std::string& stream,
                                                     std::chrono::milliseconds timeout) {
  std::optional<std::string> leader;
  (void)eventually(
      [&] {
        for (std::size_t i = 0; i < servers_.size() && !leader; ++i) {
          const std::optional<std::string> reply = ask(i, "$JS.API.STREAM.INFO." + stream);
          if (!reply) continue;
          const nlohmann::json info = nlohmann::json::parse(*reply);
          const std::string name =
              info.value("cluster", nlohmann::json::object()).value("leader", "");
          if (!name.empty()) leader = name;
        }
        return leader.has_value();
      },
      timeout);
  return leader;
}

bool NatsCluster::stepDown(const std::string& stream) {
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    if (ask(i, "$JS.API.STREAM.LEADER.STEPDOWN." + stream)) return true;
  }
  return false;
}

std::optional<int> NatsCluster::streamReplicas(const std::string& stream) {
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    const std::optional<std::string> reply = ask(i, "$JS.API.STREAM.INFO." + stream);
    if (!reply) continue;
    const nlohmann::json info = nlohmann::json::parse(*reply);
    return info.value("config", nlohmann::json::object()).value("num_replicas", 1);
  }
  return std::nullopt;
}

}  // namespace wss::testing
