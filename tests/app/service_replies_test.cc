// The JSON replies of work.stats, work.operations, work.agents and work.bestAgent, from a
// coordinator fed known events; and the error replies for bad requests.
#include "sidecar/app/service_replies.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sidecar/codec/codec.h"

namespace wss::app {
namespace {

using nlohmann::json;

json parsed(const Reply& reply) {
  INFO(reply.body);
  json out = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(out.is_discarded());
  return out;
}

// A coordinator with a known history: one steal that expired, one the fleet confirmed.
struct KnownFleet {
  core::Coordinator coordinator{core::CoordinatorConfig{}};
  core::TimeMs now = 1'000'000;
  std::string failed_id;
  std::string confirmed_id;
  std::size_t confirmed_tasks = 0;

  void apply(core::Event event) { (void)coordinator.apply(std::move(event), now); }
  void metrics(const std::string& agent, double cpu, std::vector<std::string> caps = {}) {
    core::AgentMetrics m;
    m.agent_id = agent;
    m.cpu_usage = cpu;
    m.memory_usage = 20;
    m.capabilities = std::move(caps);
    apply(m);
  }
  void assign(const std::string& agent, const std::string& task) {
    apply(core::TaskAssigned{agent, task, {}, 0});
  }

  KnownFleet() {
    for (int i = 0; i < 10; ++i) assign("hot", "h-" + std::to_string(i));
    metrics("idle", 5, {"gpu"});

    // Steal 1: never confirmed, fails after stealTimeout; its tasks stay on "hot".
    auto first = coordinator.stealRound(now);
    REQUIRE(first.size() == 1);
    failed_id = first[0].operation_id;
    now += coordinator.config().steal_timeout_ms + 1;
    coordinator.performMaintenance(now);

    // Steal 2, once "idle" is no longer benched for the timeout and has reported again: the
    // fleet moves every task it names.
    now += coordinator.config().steal_timeout_ms;
    metrics("idle", 5, {"gpu"});
    auto second = coordinator.stealRound(now);
    REQUIRE(second.size() == 1);
    REQUIRE(second[0].source_agent_id == "hot");
    REQUIRE(second[0].target_agent_id == "idle");
    confirmed_id = second[0].operation_id;
    confirmed_tasks = second[0].task_ids.size();
    REQUIRE(confirmed_tasks >= 1);
    for (const auto& task : second[0].task_ids) assign("idle", task);
    now += 200;

    // Settle to known loads: "hot" 12 tasks (overloaded), "idle" none (underloaded),
    // "mid" 4 tasks at 50 % cpu (neither).
    for (std::size_t i = 0; i < confirmed_tasks + 2; ++i) assign("hot", "x-" + std::to_string(i));
    for (const auto& task : second[0].task_ids) {
      apply(core::TaskCompleted{"idle", task, 100.0});
    }
    metrics("mid", 50);
    for (int i = 0; i < 4; ++i) assign("mid", "m-" + std::to_string(i));
  }
};

TEST_CASE("work.stats has every contract field - with the coordinator's values") {
  KnownFleet fleet;
  SidecarFigures figures;
  figures.events_processed = 1234;
  figures.events_rejected = 7;
  figures.rejected_by_subject = {{"task.assigned", 5}, {"agent.metrics", 2}};
  const Reply reply = statsReply(fleet.coordinator, fleet.now, figures);
  REQUIRE(reply.ok);
  const json stats = parsed(reply);

  CHECK(stats.at("totalAgents") == 3);
  CHECK(stats.at("overloadedAgents") == 1);
  CHECK(stats.at("underloadedAgents") == 1);
  CHECK(stats.at("totalStealOperations") == 2);
  CHECK(stats.at("successfulSteals") == 1);
  CHECK(stats.at("failedSteals") == 1);
  REQUIRE(stats.at("avgTasksPerAgent").is_number());
  CHECK(stats.at("avgTasksPerAgent").get<double>() == Approx(16.0 / 3.0));
  CHECK(stats.at("eventsProcessed") == 1234);
  CHECK(stats.at("eventsRejected") == 7);
  for (const char* field :
       {"totalAgents", "overloadedAgents", "underloadedAgents", "totalStealOperations",
        "successfulSteals", "failedSteals", "eventsProcessed", "eventsRejected"}) {
    INFO(field);
    CHECK(stats.at(field).is_number_unsigned());
  }
  // Extensions a dashboard reads.
  CHECK(stats.at("inFlightTasks") == 16);
  CHECK(stats.at("pendingSteals") == 0);
  CHECK(stats.at("tasksMoved") == fleet.confirmed_tasks);
  CHECK(stats.at("eventsRejectedBySubject") == json{{"task.assigned", 5}, {"agent.metrics", 2}});
  CHECK(stats.at("stealingEnabled") == true);
}

TEST_CASE("work.stats of an empty coordinator is all zeros - never null") {
  core::Coordinator coordinator{core::CoordinatorConfig{}};
  const json stats = parsed(statsReply(coordinator, 0, SidecarFigures{}));
  CHECK(stats.at("totalAgents") == 0);
  CHECK(stats.at("avgTasksPerAgent") == 0);
  CHECK(stats.at("eventsProcessed") == 0);
}

TEST_CASE("work.operations lists operations most recent first - honouring limit") {
  KnownFleet fleet;
  SECTION("empty request: all of them") {
    const json ops = parsed(operationsReply(fleet.coordinator, fleet.now, ""));
    REQUIRE(ops.is_array());
    REQUIRE(ops.size() == 2);
    CHECK(ops[0].at("operationId") == fleet.confirmed_id);
    CHECK(ops[0].at("status") == "completed");
    CHECK(ops[0].at("sourceAgentId") == "hot");
    CHECK(ops[0].at("targetAgentId") == "idle");
    CHECK(ops[0].at("tasksToSteal") == fleet.confirmed_tasks);
    CHECK(ops[0].at("tasksConfirmed") == fleet.confirmed_tasks);
    CHECK(ops[0].at("taskIds").size() == fleet.confirmed_tasks);
    CHECK(ops[0].at("ageMs") == 200);
    CHECK(ops[0].at("durationMs").is_number());
    CHECK(ops[1].at("operationId") == fleet.failed_id);
    CHECK(ops[1].at("status") == "failed");
  }
  SECTION("limit") {
    const Reply reply = operationsReply(fleet.coordinator, fleet.now, R"({"limit": 1})");
    REQUIRE(reply.ok);
    const json ops = parsed(reply);
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].at("operationId") == fleet.confirmed_id);
    CHECK(parsed(operationsReply(fleet.coordinator, fleet.now, R"({"limit": 0})")).empty());
    CHECK(parsed(operationsReply(fleet.coordinator, fleet.now, " \n")).size() == 2);
  }
}

TEST_CASE("work.agents: all sorted - one by id - or an empty list for an unknown id") {
  KnownFleet fleet;
  const json all = parsed(agentsReply(fleet.coordinator, fleet.now, ""));
  CHECK(all.at("totalAgents") == 3);
  REQUIRE(all.at("agents").size() == 3);
  CHECK(all["agents"][0].at("agentId") == "hot");
  CHECK(all["agents"][1].at("agentId") == "idle");
  CHECK(all["agents"][2].at("agentId") == "mid");
  CHECK(all["agents"][0].at("taskCount") == 12);
  CHECK(all["agents"][0].at("overloaded") == true);
  CHECK(all["agents"][1].at("underloaded") == true);
  CHECK(all["agents"][1].at("capabilities") == json{"gpu"});

  const json one = parsed(agentsReply(fleet.coordinator, fleet.now, R"({"agentId": "mid"})"));
  REQUIRE(one.at("agents").size() == 1);
  CHECK(one["agents"][0].at("agentId") == "mid");
  CHECK(one["agents"][0].at("taskCount") == 4);
  CHECK(one["agents"][0].at("cpuUsage") == Approx(50));

  const Reply unknown = agentsReply(fleet.coordinator, fleet.now, R"({"agentId": "nobody"})");
  CHECK(unknown.ok);
  CHECK(parsed(unknown).at("agents").empty());

  const json limited = parsed(agentsReply(fleet.coordinator, fleet.now, R"({"limit": 2})"));
  CHECK(limited.at("agents").size() == 2);
  CHECK(limited.at("totalAgents") == 3);
}

TEST_CASE("work.bestAgent: the capable agent - or null when none qualifies") {
  KnownFleet fleet;
  const Reply gpu =
      bestAgentReply(fleet.coordinator, fleet.now, "", R"({"requiredCapabilities": ["gpu"]})");
  REQUIRE(gpu.ok);
  CHECK(parsed(gpu).at("agentId") == "idle");
  CHECK(parsed(gpu).at("expectedStartMs").is_number());

  const json none = parsed(bestAgentReply(fleet.coordinator, fleet.now, "application/json",
                                          R"({"requiredCapabilities": ["tpu"]})"));
  CHECK(none.at("agentId").is_null());

  // Empty: no requirement; the idle agent starts soonest.
  CHECK(parsed(bestAgentReply(fleet.coordinator, fleet.now, "", "")).at("agentId") == "idle");
}

TEST_CASE("bad requests get an error object with ok=false") {
  KnownFleet fleet;
  auto checkError = [](const Reply& reply, const std::string& contains) {
    INFO(reply.body);
    CHECK_FALSE(reply.ok);
    const json body = json::parse(reply.body, nullptr, false);
    REQUIRE(body.is_object());
    REQUIRE(body.contains("error"));
    CHECK_THAT(body["error"].get<std::string>(), Catch::Contains(contains));
  };
  auto& c = fleet.coordinator;
  const auto now = fleet.now;
  checkError(operationsReply(c, now, "{not json"), "not valid JSON");
  checkError(operationsReply(c, now, "[1, 2]"), "must be a JSON object");
  checkError(operationsReply(c, now, R"({"limit": -1})"), "limit");
  checkError(operationsReply(c, now, R"({"limit": "5"})"), "limit");
  checkError(operationsReply(c, now, R"({"limit": 1.5})"), "limit");
  checkError(operationsReply(c, now, R"({"agentId": "hot"})"), "agentId");
  checkError(agentsReply(c, now, "nope"), "not valid JSON");
  checkError(agentsReply(c, now, R"("hot")"), "must be a JSON object");
  checkError(agentsReply(c, now, R"({"agentId": ""})"), "agentId");
  checkError(agentsReply(c, now, R"({"agentId": 7})"), "agentId");
  checkError(agentsReply(c, now, R"({"limit": -3})"), "limit");
  checkError(bestAgentReply(c, now, "application/json", R"({"requiredCapabilities": "gpu"})"),
             "bad work.bestAgent request");
  checkError(bestAgentReply(c, now, "application/json", "{"), "bad work.bestAgent request");
  checkError(bestAgentReply(c, now, "application/protobuf", "\xff\xff\xff"),
             "bad work.bestAgent request");
}

TEST_CASE("errorReply escapes what it is given and invalid UTF-8 never throws") {
  const Reply reply = errorReply("bad \"thing\"\n\xff");
  CHECK_FALSE(reply.ok);
  const json body = json::parse(reply.body);
  CHECK(body.at("error") == "bad \"thing\"\n\xef\xbf\xbd");
}

}  // namespace
}  // namespace wss::app

namespace wss::app {
namespace {

TEST_CASE("work.agents pages: next names where to go on, after resumes there") {
  KnownFleet fleet;
  const json first = parsed(agentsReply(fleet.coordinator, fleet.now, R"({"limit": 2})"));
  REQUIRE(first.at("agents").size() == 2);
  CHECK(first.at("next") == "idle");
  const json rest =
      parsed(agentsReply(fleet.coordinator, fleet.now, R"({"limit": 2, "after": "idle"})"));
  REQUIRE(rest.at("agents").size() == 1);
  CHECK(rest["agents"][0].at("agentId") == "mid");
  CHECK_FALSE(rest.contains("next"));  // the last page
  CHECK_FALSE(agentsReply(fleet.coordinator, fleet.now, R"({"after": 7})").ok);
  CHECK_FALSE(operationsReply(fleet.coordinator, fleet.now, R"({"after": "x"})").ok);
}

TEST_CASE("work.agents stays far under max_payload however large the limit") {
  core::Coordinator coordinator{core::CoordinatorConfig{}};
  for (int i = 0; i < 20000; ++i) {
    (void)coordinator.apply(
        core::TaskAssigned{"agent-" + std::to_string(100000 + i), "t-" + std::to_string(i), {}, 0},
        1000);
  }
  const Reply reply = agentsReply(coordinator, 1000, R"({"limit": 100000})");
  REQUIRE(reply.ok);
  CHECK(reply.body.size() < 512 * 1024);
  const json body = json::parse(reply.body);
  CHECK(body.at("agents").size() < 20000);
  const std::string next = body.at("next");
  CHECK(next == body["agents"].back().at("agentId"));
}

}  // namespace
}  // namespace wss::app
