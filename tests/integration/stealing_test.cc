// End to end: a fleet publishes its load, the daemon publishes steals naming real tasks,
// the fleet confirms them with task.assigned. JSON and protobuf fleets.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "fleet.pb.h"
#include "tests/support/fleet_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;

std::string taskId(const std::string& agent, int n) {
  return agent + "-t" + std::to_string(100 + n);  // sortable, so the order is clear
}

// Publishes tasks `first`..`last` for `agent` through `fleet` and waits until the daemon
// applied them all. NATS keeps one connection's messages in order but interleaves two
// connections freely: a test feeding one agent from several connections calls this once per
// connection, so the daemon's arrival order (its queue order) is the order of the calls.
void loadTasks(FleetClient& fleet, const std::string& agent, int first, int last,
               const std::vector<std::string>& capabilities = {}) {
  auto before = fleet.stats();
  REQUIRE(before);
  const auto processed = (*before)["eventsProcessed"].get<std::uint64_t>();
  for (int i = first; i <= last; ++i) REQUIRE(fleet.assign(agent, taskId(agent, i), capabilities));
  REQUIRE(fleet.flush());
  const auto count = static_cast<std::uint64_t>(last - first + 1);
  REQUIRE(fleet.waitForStats([&](const json& s) {
    return s["eventsProcessed"].get<std::uint64_t>() >= processed + count;
  }));
}

// Publishes `count` tasks for `agent` and waits until the daemon applied them all.
void loadAgent(FleetClient& fleet, const std::string& agent, int count,
               const std::vector<std::string>& capabilities = {}) {
  loadTasks(fleet, agent, 1, count, capabilities);
}

// The ids of `agent`'s queued tasks in the order they wait: task 1 runs (one slot), so
// `count` of tasks 2, 3, ...: the longest-waiting first, as a steal names them.
std::vector<std::string> longestWaitingFirst(const std::string& agent, std::size_t count) {
  std::vector<std::string> ids;
  for (int i = 2; ids.size() < count; ++i) ids.push_back(taskId(agent, i));
  return ids;
}

TEST_CASE("JSON fleet: a steal names real queued tasks, longest-waiting first, and is confirmed",
          "[integration][stealing]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.client().subscribe("work.steal"));
  REQUIRE(fleet.stats());  // the daemon is up and subscribed

  // A busy agent first, alone: nobody to steal for yet.
  loadAgent(fleet, "agent-a", 12);
  CHECK(fleet.client().received("work.steal").empty());
  // Then an idle one.
  REQUIRE(fleet.metrics("agent-b", 5.0, {}, "idle"));
  REQUIRE(fleet.flush());

  auto steal = fleet.client().waitFor("work.steal", [](const ReceivedMessage&) { return true; });
  REQUIRE(steal);
  INFO(steal->payload);
  CHECK(steal->content_type == "application/json");
  const json order = json::parse(steal->payload);
  CHECK(order["sourceAgentId"] == "agent-a");
  CHECK(order["targetAgentId"] == "agent-b");
  CHECK_FALSE(order["operationId"].get<std::string>().empty());
  const auto ids = order["taskIds"].get<std::vector<std::string>>();
  REQUIRE_FALSE(ids.empty());
  CHECK(order["tasksToSteal"].get<std::size_t>() == ids.size());
  CHECK(ids == longestWaitingFirst("agent-a", ids.size()));

  // The fleet moves them and confirms with task.assigned on the target.
  for (const auto& id : ids) REQUIRE(fleet.assign("agent-b", id));
  REQUIRE(fleet.flush());
  auto stats = fleet.waitForStats([](const json& s) { return s["successfulSteals"] >= 1; });
  REQUIRE(stats);
  INFO(stats->dump());
  CHECK((*stats)["successfulSteals"] == 1);
  CHECK((*stats)["totalStealOperations"] >= 1);
  CHECK((*stats)["tasksMoved"] == ids.size());
  CHECK(fleet.taskCount("agent-b") == static_cast<int>(ids.size()));
  CHECK(fleet.taskCount("agent-a") == 12 - static_cast<int>(ids.size()));

  // The operation is listed as completed.
  auto operations = fleet.ask("work.operations", R"({"limit": 10})");
  REQUIRE(operations);
  REQUIRE(operations->is_array());
  auto confirmed = std::find_if(operations->begin(), operations->end(), [&](const json& op) {
    return op["operationId"] == order["operationId"];
  });
  REQUIRE(confirmed != operations->end());
  CHECK((*confirmed)["status"] == "completed");
  CHECK((*confirmed)["tasksConfirmed"] == ids.size());

  auto exit = sidecar.stop();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

TEST_CASE("capability-safe steals: tasks only go to agents advertising the capability",
          "[integration][stealing]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.client().subscribe("work.steal"));
  REQUIRE(fleet.stats());

  loadAgent(fleet, "agent-gpu-busy", 12, {"gpu"});
  REQUIRE(fleet.metrics("agent-b", 5.0, {"cpu"}, "idle"));
  REQUIRE(fleet.flush());
  auto known = fleet.waitForStats([](const json& s) { return s["totalAgents"] == 2; });
  REQUIRE(known);
  // Several steal rounds pass with only an incapable idle agent: no steal at all.
  const auto rounds = (*known)["stealRounds"].get<std::uint64_t>();
  REQUIRE(fleet.waitForStats([&](const json& s) { return s["stealRounds"] >= rounds + 5; }));
  CHECK(fleet.client().received("work.steal").empty());

  // An idle agent with the capability appears: it gets the steal.
  REQUIRE(fleet.metrics("agent-c", 5.0, {"gpu", "cpu"}, "idle"));
  REQUIRE(fleet.flush());
  auto steal = fleet.client().waitFor("work.steal", [](const ReceivedMessage&) { return true; });
  REQUIRE(steal);
  for (const auto& message : fleet.client().received("work.steal")) {
    const json order = json::parse(message.payload);
    INFO(message.payload);
    CHECK(order["targetAgentId"] == "agent-c");
    CHECK(order["sourceAgentId"] == "agent-gpu-busy");
    for (const auto& id : order["taskIds"]) {
      CHECK(id.get<std::string>().rfind("agent-gpu-busy-t", 0) == 0);
    }
  }
}

TEST_CASE("protobuf fleet: events with and without the header, steals in protobuf",
          "[integration][stealing][protobuf]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarOptions options = SidecarOptions::forServer(server.url());
  options.encoding = "protobuf";
  SidecarProcess sidecar(options);
  FleetClient sniffed(server.url(), Wire::kProtobuf);
  FleetClient labelled(server.url(), Wire::kProtobufWithHeader);
  REQUIRE(sniffed.connected());
  REQUIRE(labelled.connected());
  REQUIRE(sniffed.client().subscribe("work.steal"));
  REQUIRE(sniffed.stats());

  // Two connections: the daemon applies the sniffed six before the labelled six arrive, so
  // pb-a's queue is t101..t112 in order whichever way NATS would have interleaved them.
  loadTasks(sniffed, "pb-a", 1, 6);
  loadTasks(labelled, "pb-a", 7, 12);
  auto loaded = sniffed.stats();
  REQUIRE(loaded);
  CHECK((*loaded)["eventsProcessed"] == 12);  // both wires decoded, none rejected
  CHECK((*loaded)["eventsRejected"] == 0);
  CHECK(sniffed.taskCount("pb-a") == 12);
  REQUIRE(labelled.metrics("pb-b", 3.0, {}, "idle"));
  REQUIRE(labelled.flush());

  auto steal = sniffed.client().waitFor("work.steal", [](const ReceivedMessage&) { return true; });
  REQUIRE(steal);
  CHECK(steal->content_type == "application/protobuf");
  v1::WorkSteal order;
  REQUIRE(order.ParseFromString(steal->payload));
  CHECK(order.source_agent_id() == "pb-a");
  CHECK(order.target_agent_id() == "pb-b");
  REQUIRE(order.task_ids_size() > 0);
  CHECK(order.tasks_to_steal() == order.task_ids_size());
  const std::vector<std::string> ids(order.task_ids().begin(), order.task_ids().end());
  CHECK(ids == longestWaitingFirst("pb-a", ids.size()));

  for (const auto& id : order.task_ids()) REQUIRE(labelled.assign("pb-b", id));
  REQUIRE(labelled.flush());
  auto stats = sniffed.waitForStats([](const json& s) { return s["successfulSteals"] == 1; });
  REQUIRE(stats);
  CHECK(sniffed.taskCount("pb-b") == order.task_ids_size());
  CHECK(sniffed.taskCount("pb-a") == 12 - order.task_ids_size());
  CHECK((*stats)["eventsRejected"] == 0);
}

}  // namespace
}  // namespace wss::testing

namespace wss::testing {
namespace {

TEST_CASE("reactive: a queued task moves to a free slot at once, with no round in between",
          "[integration][stealing]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarOptions options = SidecarOptions::forServer(server.url());
  options.steal_interval = "1h";  // no round during the test: only a reactive decision
  SidecarProcess sidecar(options);
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.client().subscribe("work.steal"));
  REQUIRE(fleet.stats());

  loadAgent(fleet, "agent-a", 3);  // one running, two queued, nobody free
  REQUIRE(fleet.metrics("agent-b", 5.0, {}, "idle"));
  REQUIRE(fleet.flush());
  auto steal = fleet.client().waitFor("work.steal", [](const ReceivedMessage&) { return true; });
  REQUIRE(steal);
  const json order = json::parse(steal->payload);
  CHECK(order["targetAgentId"] == "agent-b");
  CHECK(order["taskIds"] == json::array({taskId("agent-a", 2)}));  // what agent-b can start now
  auto stats = fleet.waitForStats([](const json& s) { return s["reactiveDecisions"] >= 1; });
  REQUIRE(stats);
  CHECK((*stats)["stealRounds"] == 0);

  // Late binding: agent-b runs it; agent-a's last queued task waits until a slot is free.
  REQUIRE(fleet.assign("agent-b", taskId("agent-a", 2)));
  REQUIRE(fleet.flush());
  REQUIRE(fleet.waitForStats([](const json& s) { return s["successfulSteals"] == 1; }));
  CHECK(fleet.client().received("work.steal").size() == 1);
  REQUIRE(fleet.complete("agent-b", taskId("agent-a", 2), 100.0));
  REQUIRE(fleet.flush());
  auto second = fleet.client().waitFor("work.steal", [&](const ReceivedMessage& m) {
    return json::parse(m.payload)["taskIds"] == json::array({taskId("agent-a", 3)});
  });
  CHECK(second);
}

TEST_CASE("reactive: false: steals wait for the round", "[integration][stealing]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarOptions options = SidecarOptions::forServer(server.url());
  options.steal_interval = "300ms";
  options.extra_stealing = "  reactive: false\n";
  SidecarProcess sidecar(options);
  FleetClient fleet(server.url());
  REQUIRE(fleet.connected());
  REQUIRE(fleet.client().subscribe("work.steal"));
  REQUIRE(fleet.stats());
  loadAgent(fleet, "agent-a", 3);
  REQUIRE(fleet.metrics("agent-b", 5.0, {}, "idle"));
  REQUIRE(fleet.flush());
  auto steal = fleet.client().waitFor("work.steal", [](const ReceivedMessage&) { return true; });
  REQUIRE(steal);
  auto stats = fleet.stats();
  REQUIRE(stats);
  CHECK((*stats)["reactiveDecisions"] == 0);  // reactive, it would have decided 2 ms after
  CHECK((*stats)["stealRounds"] >= 1);
}

}  // namespace
}  // namespace wss::testing
