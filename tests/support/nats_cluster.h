// A JetStream cluster of real nats-servers on loopback, for the tests of several replicas on
// replicated (R3) lease buckets.
//
// NatsCluster starts `size` servers (default 3), each with JetStream and a store directory of
// its own, a client port and a cluster port nobody uses, routes to every other server, the
// cluster name "wss" and the server name n<i> (what JetStream reports as a stream's leader).
// Servers are plain NatsServers, so one can be killed (kill -9), stopped or restarted on its
// ports. It only ever signals the PIDs it started. Test thread only; not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/nats_server.h"
#include "tests/support/process.h"

namespace wss::testing {

class NatsCluster {
 public:
  // Picks 2 x `size` distinct free ports and starts every server; check running().
  explicit NatsCluster(std::size_t size = 3);
  // Kills every server still running, then removes their stores.
  ~NatsCluster();
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  // Every server was started and accepts connections.
  [[nodiscard]] bool running() const;
  // Waits until every running server answers $JS.API.INFO without an error, i.e. the cluster
  // has elected its JetStream meta leader and each server knows it.
  [[nodiscard]] bool waitForJetStream(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  [[nodiscard]] std::size_t size() const { return servers_.size(); }
  [[nodiscard]] NatsServer& server(std::size_t i) { return *servers_[i]; }
  // The server's name (-n): n0, n1, ...
  [[nodiscard]] const std::string& name(std::size_t i) const { return names_[i]; }
  // The index of the server named `name`; nullopt when none is.
  [[nodiscard]] std::optional<std::size_t> indexOf(const std::string& name) const;
  // Every server's client URL, comma-separated (what nats.url takes).
  [[nodiscard]] std::string urls() const;

  // Kills server `i` with SIGKILL (no shutdown of its own) and reaps it; its store stays.
  void kill(std::size_t i);

  // The name of the server that leads stream `stream`, as $JS.API.STREAM.INFO.<stream> says
  // (cluster.leader) on any running server; retried until one names a leader, nullopt after
  // `timeout`.
  [[nodiscard]] std::optional<std::string> streamLeader(
      const std::string& stream, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Asks the leader of `stream` to step down ($JS.API.STREAM.LEADER.STEPDOWN.<stream>), so
  // the others elect a new one: a leader moving without any server failing. True when it
  // agreed.
  [[nodiscard]] bool stepDown(const std::string& stream);
  // The stream's replicas (its config's num_replicas), nullopt when no server says.
  [[nodiscard]] std::optional<int> streamReplicas(const std::string& stream);

 private:
  // One $JS.API request to running server `i`; the reply parsed when it carries no error.
  [[nodiscard]] std::optional<std::string> ask(std::size_t i, const std::string& subject);

  std::vector<std::unique_ptr<TempDir>> stores_;  // outlive servers_ (declared first)
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<NatsServer>> servers_;
};

}  // namespace wss::testing
