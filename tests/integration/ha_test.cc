// Several replicas, one leader (ha): replicas of the daemon against a JetStream nats-server.
// Only the leader publishes steals, each stamped with its epoch; a killed leader is replaced
// within 2 x ha.leaseTtl; a leader paused past its lease publishes nothing under its old
// epoch; SIGTERM hands over at once; without JetStream nobody steals.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/support/fleet_client.h"
#include "tests/support/http_probe.h"
#include "tests/support/http_sidecar.h"
#include "tests/support/loopback.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

SidecarOptions replicaOptions(const std::string& url, const std::string& name,
                              const std::string& ttl) {
  SidecarOptions options = SidecarOptions::forServer(url);
  options.extra_yaml = "ha:\n  enabled: true\n  leaseTtl: " + ttl + "\n  name: " + name + "\n";
  return options;
}

struct Replicas {
  Replicas(const std::string& url, int count, const std::string& ttl) {
    for (int i = 0; i < count; ++i) add(url, ttl);
  }
  // Starts one more replica, named r<N>; returns its index.
  std::size_t add(const std::string& url, const std::string& ttl) {
    names.push_back("r" + std::to_string(names.size()));
    ports.push_back(findFreePort());
    processes.push_back(
        std::make_unique<HttpSidecar>(replicaOptions(url, names.back(), ttl), ports.back()));
    return processes.size() - 1;
  }
  // Waits until replica `i`'s /metrics shows `name` at `value` or more.
  bool metricReaches(std::size_t i, const std::string& name, double value,
                     std::chrono::milliseconds timeout) {
    httplib::Client client = httpClient(ports[i]);
    return eventually([&] { return metricValue(client, name) >= value; }, timeout);
  }
  // Each replica's own view (work.stats goes to any one of them): for failure messages.
  std::string describe() {
    std::string out;
    for (std::size_t i = 0; i < processes.size(); ++i) {
      if (!processes[i]->running()) continue;
      httplib::Client client = httpClient(ports[i]);
      out += names[i] + ": leader " + std::to_string(metricValue(client, "wss_ha_leader")) +
             ", epoch " + std::to_string(metricValue(client, "wss_ha_epoch")) + ", issued " +
             std::to_string(metricValue(client, "wss_steals_issued_total")) + ", pending " +
             std::to_string(metricValue(client, "wss_steals_pending")) + "\n" +
             processes[i]->log() + "\n----\n";
    }
    return out;
  }
  // Once every replica is subscribed (so none misses the events a test sends next), the one
  // whose log says it leads; -1 when none within the timeout.
  int leader(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    (void)eventually(
        [&] {
          for (const auto& process : processes) {
            if (process->log().find("running: ") == std::string::npos) return false;
          }
          return true;
        },
        timeout);
    int found = -1;
    (void)eventually(
        [&] {
          for (std::size_t i = 0; i < processes.size(); ++i) {
            if (processes[i] && processes[i]->running() &&
                processes[i]->log().find("ha: leading group") != std::string::npos) {
              found = static_cast<int>(i);
            }
          }
          return found >= 0;
        },
        timeout);
    return found;
  }
  std::vector<std::string> names;
  std::vector<int> ports;
  std::vector<std::unique_ptr<HttpSidecar>> processes;
};

// A steal opportunity: `busy` holds 12 queued tasks, `idle` says idle.
void makeWork(FleetClient& fleet, const std::string& busy, const std::string& idle) {
  for (int i = 0; i < 12; ++i) REQUIRE(fleet.assign(busy, busy + "-t" + std::to_string(i)));
  REQUIRE(fleet.metrics(idle, 1.0, {}, "idle"));
  REQUIRE(fleet.flush());
}

std::uint64_t epochOf(const ReceivedMessage& m) {
  const json order = json::parse(m.payload);
  return order.contains("epoch") ? order["epoch"].get<std::uint64_t>() : 0;
}

// Waits for a steal stamped with an epoch above `above`; returns its epoch, 0 when none came.
std::uint64_t waitForEpochAbove(FleetClient& fleet, std::uint64_t above,
                                std::chrono::milliseconds timeout) {
  auto steal = fleet.client().waitFor(
      "work.steal", [&](const ReceivedMessage& m) { return epochOf(m) > above; }, timeout);
  return steal ? epochOf(*steal) : 0;
}

TEST_CASE("ha: one leader steals with its epoch, and a killed leader is replaced within 2 x ttl",
          "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  Replicas replicas(server.url(), 3, "2s");
  FleetClient fleet(server.url());
  REQUIRE(fleet.client().subscribe("work.steal"));
  const int first = replicas.leader();
  if (first < 0) FAIL(replicas.describe());

  makeWork(fleet, "busy-1", "idle-1");
  const std::uint64_t epoch = waitForEpochAbove(fleet, 0, std::chrono::seconds(10));
  REQUIRE(epoch > 0);
  // Every order so far comes from one leader: one epoch, no task named twice.
  std::set<std::string> named;
  for (const ReceivedMessage& m : fleet.client().received("work.steal")) {
    CHECK(epochOf(m) == epoch);
    const json order = json::parse(m.payload);  // named: a range-for over a temporary dangles
    for (const auto& id : order["taskIds"]) CHECK(named.insert(id).second);
  }
  // Any replica may answer; each learns the leader's name within a campaign interval.
  const std::string& name = replicas.names[static_cast<std::size_t>(first)];
  auto stats = fleet.waitForStats([&](const json& s) { return s["leader"] == name; });
  REQUIRE(stats);
  CHECK(((*stats)["role"] == "leader" || (*stats)["role"] == "standby"));

  replicas.processes[static_cast<std::size_t>(first)]->signal(SIGKILL);
  const auto killed = Clock::now();
  makeWork(fleet, "busy-2", "idle-2");
  const std::uint64_t next = waitForEpochAbove(fleet, epoch, std::chrono::seconds(12));
  const auto failover = Clock::now() - killed;
  INFO(replicas.describe());
  REQUIRE(next > epoch);
  INFO("failover took " << std::chrono::duration_cast<std::chrono::milliseconds>(failover).count()
                        << " ms");
  CHECK(failover <= std::chrono::seconds(4) + std::chrono::seconds(2));  // 2 x ttl, and slack
}

// The task ids every order in `messages` names.
std::set<std::string> namedTasks(const std::vector<ReceivedMessage>& messages) {
  std::set<std::string> ids;
  for (const ReceivedMessage& m : messages) {
    const json order = json::parse(m.payload);
    for (const auto& id : order["taskIds"]) ids.insert(id.get<std::string>());
  }
  return ids;
}

TEST_CASE("ha: a new leader never names again the unconfirmed steals of the one it replaced",
          "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  Replicas replicas(server.url(), 3, "2s");
  FleetClient fleet(server.url());
  REQUIRE(fleet.client().subscribe("work.steal"));
  const int first = replicas.leader();
  if (first < 0) FAIL(replicas.describe());

  httplib::Client leader_http = httpClient(replicas.ports[static_cast<std::size_t>(first)]);
  CHECK(eventually([&] { return metricValue(leader_http, "wss_ha_terms_won_total") == 1; },
                   std::chrono::seconds(5)));
  makeWork(fleet, "busy-1", "idle-1");  // the fleet confirms nothing: every steal stays pending
  const std::uint64_t epoch = waitForEpochAbove(fleet, 0, std::chrono::seconds(10));
  REQUIRE(epoch > 0);
  const std::set<std::string> old_named = namedTasks(fleet.client().received("work.steal"));
  // Every standby has taken those orders on (they heard work.steal too).
  for (std::size_t i = 0; i < replicas.processes.size(); ++i) {
    if (static_cast<int>(i) == first) continue;
    httplib::Client client = httpClient(replicas.ports[i]);
    INFO(replicas.describe());
    REQUIRE(eventually(
        [&] {
          return metricValue(client, "wss_ha_adopted_tasks_total") >=
                 static_cast<double>(old_named.size());
        },
        std::chrono::seconds(10)));
  }

  replicas.processes[static_cast<std::size_t>(first)]->signal(SIGKILL);
  const std::size_t before = fleet.client().received("work.steal").size();
  REQUIRE(fleet.metrics("idle-2", 1.0, {}, "idle"));  // a second target for busy-1's backlog
  REQUIRE(fleet.flush());
  const std::uint64_t next = waitForEpochAbove(fleet, epoch, std::chrono::seconds(12));
  INFO(replicas.describe());
  REQUIRE(next > epoch);
  const auto all = fleet.client().received("work.steal");
  const std::vector<ReceivedMessage> later(all.begin() + static_cast<std::ptrdiff_t>(before),
                                           all.end());
  for (const std::string& id : namedTasks(later)) {
    INFO(id);
    CHECK(old_named.count(id) == 0);
  }
}

TEST_CASE("ha: a replica that starts beside running ones restores their state from a peer",
          "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  Replicas replicas(server.url(), 2, "2s");
  FleetClient fleet(server.url());
  REQUIRE(fleet.client().subscribe("work.steal"));
  if (replicas.leader() < 0) FAIL(replicas.describe());
  // Queued before the third replica starts, on an agent nobody can relieve yet.
  for (int i = 0; i < 12; ++i) REQUIRE(fleet.assign("busy-1", "busy-1-t" + std::to_string(i)));
  REQUIRE(fleet.flush());
  for (std::size_t i = 0; i < 2; ++i) {
    INFO(replicas.describe());
    REQUIRE(replicas.metricReaches(i, "wss_tasks_in_flight", 12, std::chrono::seconds(5)));
  }
  const auto started = Clock::now();
  const std::size_t late = replicas.add(server.url(), "2s");
  INFO(replicas.describe());
  REQUIRE(replicas.metricReaches(late, "wss_ha_restored_tasks_total", 12, std::chrono::seconds(10)));
  REQUIRE(replicas.metricReaches(late, "wss_tasks_in_flight", 12, std::chrono::seconds(1)));
  CHECK(Clock::now() - started < std::chrono::seconds(5));
  CHECK(replicas.processes[late]->log().find("ha: restored 1 agents, 12 tasks") != std::string::npos);

  // Everyone who heard those tasks queued goes; the late replica steals them.
  replicas.processes[0]->signal(SIGKILL);
  replicas.processes[1]->signal(SIGKILL);
  REQUIRE(fleet.metrics("idle-1", 1.0, {}, "idle"));
  REQUIRE(fleet.flush());
  auto steal = fleet.client().waitFor(
      "work.steal",
      [](const ReceivedMessage& m) {
        return json::parse(m.payload)["sourceAgentId"] == "busy-1";
      },
      std::chrono::seconds(12));
  REQUIRE(steal);
  CHECK(json::parse(steal->payload)["taskIds"][0].get<std::string>().rfind("busy-1-t", 0) == 0);
}

TEST_CASE("ha: the first replica of a group starts cold at once: nobody to ask",
          "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  Replicas replicas(server.url(), 1, "2s");
  INFO(replicas.describe());
  REQUIRE(replicas.leader() == 0);
  REQUIRE(replicas.metricReaches(0, "wss_ha_peer_restore_failures_total", 1,
                                 std::chrono::seconds(5)));
  CHECK(replicas.processes[0]->log().find("no other replica of the group is running") !=
        std::string::npos);
}

TEST_CASE("ha: two groups side by side each have their own leader, epochs and fleet",
          "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  // Two pools on one server: their own subjects, their own lease group.
  const auto pool = [&](const std::string& name, const std::string& group) {
    SidecarOptions options = SidecarOptions::forServer(server.url());
    options.extra_yaml = "ha:\n  enabled: true\n  leaseTtl: 2s\n  name: " + name +
                         "\n  group: " + group + "\nsubjects:\n  taskAssigned: " + group +
                         ".task.assigned\n  agentMetrics: " + group +
                         ".agent.metrics\n  workSteal: " + group + ".work.steal\n";
    return std::make_unique<SidecarProcess>(options);
  };
  std::vector<std::unique_ptr<SidecarProcess>> sidecars;
  sidecars.push_back(pool("a0", "pool-a"));
  sidecars.push_back(pool("a1", "pool-a"));
  sidecars.push_back(pool("b0", "pool-b"));
  for (auto& s : sidecars) {
    REQUIRE(eventually([&] { return s->log().find("ha: leading group") != std::string::npos ||
                                    s->log().find("running: ") != std::string::npos; },
                       std::chrono::seconds(15)));
  }
  FleetClient fleet(server.url());
  REQUIRE(fleet.client().subscribe("pool-a.work.steal"));
  REQUIRE(fleet.client().subscribe("pool-b.work.steal"));
  // Each pool's leader wins its own lease (b0 alone in its group), both at epoch >= 1.
  int leaders_a = 0;
  REQUIRE(eventually(
      [&] {
        leaders_a = 0;
        for (int i = 0; i < 2; ++i) {
          leaders_a += sidecars[i]->log().find("ha: leading group 'pool-a'") != std::string::npos;
        }
        return leaders_a == 1 &&
               sidecars[2]->log().find("ha: leading group 'pool-b'") != std::string::npos;
      },
      std::chrono::seconds(15)));
  for (const std::string group : {"pool-a", "pool-b"}) {
    for (int i = 0; i < 12; ++i) {
      REQUIRE(fleet.client().publish(group + ".task.assigned",
                                     R"({"agentId":")" + group + R"(-busy","taskId":")" + group +
                                         "-t" + std::to_string(i) + R"("})"));
    }
    REQUIRE(fleet.client().publish(group + ".agent.metrics",
                                   R"({"agentId":")" + group + R"(-idle","status":"idle"})"));
  }
  REQUIRE(fleet.flush());
  for (const std::string group : {"pool-a", "pool-b"}) {
    INFO(group);
    auto steal = fleet.client().waitFor(
        group + ".work.steal", [](const ReceivedMessage&) { return true; },
        std::chrono::seconds(10));
    REQUIRE(steal);
  }
  // No order crosses pools: each names only its own pool's agents and tasks.
  for (const std::string group : {"pool-a", "pool-b"}) {
    std::set<std::string> named;
    for (const ReceivedMessage& m : fleet.client().received(group + ".work.steal")) {
      const json order = json::parse(m.payload);
      CHECK(order["sourceAgentId"] == group + "-busy");
      CHECK(order["targetAgentId"] == group + "-idle");
      for (const auto& id : order["taskIds"]) CHECK(named.insert(id.get<std::string>()).second);
    }
  }
}

TEST_CASE("ha: after nats-server restarts, one leader steals again and no order is doubled",
          "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  Replicas replicas(server.url(), 2, "2s");
  if (replicas.leader() < 0) FAIL(replicas.describe());
  {
    FleetClient fleet(server.url());
    REQUIRE(fleet.client().subscribe("work.steal"));
    makeWork(fleet, "busy-1", "idle-1");
    REQUIRE(waitForEpochAbove(fleet, 0, std::chrono::seconds(10)) > 0);
  }
  server.stop();  // the JetStream store (leases) survives on disk
  REQUIRE(server.start());
  FleetClient fleet(server.url());
  REQUIRE(fleet.client().subscribe("work.steal"));
  INFO(replicas.describe());
  // Both replicas are back once each counts a reconnect.
  for (std::size_t i = 0; i < 2; ++i) {
    REQUIRE(replicas.metricReaches(i, "wss_nats_reconnects_total", 1, std::chrono::seconds(15)));
  }
  makeWork(fleet, "busy-2", "idle-2");
  const std::uint64_t epoch = waitForEpochAbove(fleet, 0, std::chrono::seconds(15));
  REQUIRE(epoch > 0);
  // Whatever came after the restart: one epoch at a time, no task named twice.
  std::set<std::string> named;
  for (const ReceivedMessage& m : fleet.client().received("work.steal")) {
    const json order = json::parse(m.payload);
    for (const auto& id : order["taskIds"]) CHECK(named.insert(id.get<std::string>()).second);
  }
}

TEST_CASE("ha: a leader paused past its lease publishes nothing under its old epoch",
          "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  Replicas replicas(server.url(), 2, "2s");
  FleetClient fleet(server.url());
  REQUIRE(fleet.client().subscribe("work.steal"));
  const int first = replicas.leader();
  if (first < 0) FAIL(replicas.describe());
  makeWork(fleet, "busy-1", "idle-1");
  const std::uint64_t old_epoch = waitForEpochAbove(fleet, 0, std::chrono::seconds(10));
  REQUIRE(old_epoch > 0);

  HttpSidecar& paused = *replicas.processes[static_cast<std::size_t>(first)];
  paused.signal(SIGSTOP);
  makeWork(fleet, "busy-2", "idle-2");  // the other replica takes over and steals these
  const std::uint64_t new_epoch = waitForEpochAbove(fleet, old_epoch, std::chrono::seconds(12));
  REQUIRE(new_epoch > old_epoch);
  const std::size_t before_resume = fleet.client().received("work.steal").size();
  paused.signal(SIGCONT);
  makeWork(fleet, "busy-3", "idle-3");
  // The resumed replica finds its lease gone on its own clock and stands by.
  REQUIRE(eventually([&] { return paused.log().find("ha: lost the lease") != std::string::npos; },
                     std::chrono::seconds(10)));
  REQUIRE(waitForEpochAbove(fleet, new_epoch - 1, std::chrono::seconds(10)) >= new_epoch);
  const auto all = fleet.client().received("work.steal");
  for (std::size_t i = before_resume; i < all.size(); ++i) {
    INFO(all[i].payload);
    CHECK(epochOf(all[i]) >= new_epoch);
  }
}

TEST_CASE("ha: SIGTERM hands the lease over at once", "[integration][ha]") {
  TempDir store;
  NatsServer server(jetStreamArgs(store.path()));
  REQUIRE(server.running());
  Replicas replicas(server.url(), 2, "30s");  // expiry alone would take 30 s
  FleetClient fleet(server.url());
  REQUIRE(fleet.client().subscribe("work.steal"));
  const int first = replicas.leader();
  if (first < 0) FAIL(replicas.describe());
  const auto stopped = Clock::now();
  auto exit = replicas.processes[static_cast<std::size_t>(first)]->stop();
  REQUIRE(exit);
  CHECK(exit->code == 0);
  const std::size_t other = first == 0 ? 1 : 0;
  REQUIRE(eventually(
      [&] { return replicas.processes[other]->log().find("ha: leading group") != std::string::npos; },
      std::chrono::seconds(10)));
  CHECK(Clock::now() - stopped < std::chrono::seconds(10));  // far inside the 30 s lease
  makeWork(fleet, "busy-1", "idle-1");
  CHECK(waitForEpochAbove(fleet, 0, std::chrono::seconds(10)) > 0);
}

TEST_CASE("ha: without JetStream a replica says so, keeps tracking and never steals",
          "[integration][ha]") {
  NatsServer server;  // no -js
  REQUIRE(server.running());
  SidecarProcess replica(replicaOptions(server.url(), "lonely", "2s"));
  FleetClient fleet(server.url());
  REQUIRE(fleet.client().subscribe("work.steal"));
  REQUIRE(eventually([&] { return replica.log().find("ha: no lease bucket") != std::string::npos; },
                     std::chrono::seconds(10)));
  makeWork(fleet, "busy-1", "idle-1");
  REQUIRE(eventually([&] { return fleet.taskCount("busy-1") == 12; }, std::chrono::seconds(10)));
  auto stats = fleet.stats();
  REQUIRE(stats);
  CHECK((*stats)["role"] == "standby");
  // Ten steal intervals at least (100 ms each) in which a leader would have stolen.
  CHECK_FALSE(fleet.client().waitFor("work.steal", [](const ReceivedMessage&) { return true; },
                                     std::chrono::seconds(1)));
  CHECK(replica.running());
}

}  // namespace
}  // namespace wss::testing
