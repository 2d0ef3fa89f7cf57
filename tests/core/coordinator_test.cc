// Events, counts, classification, stats and maintenance: the reference design's behaviour
// and the defects it must not have (numbered as in shared/seed/README.md).
#include "sidecar/core/coordinator.h"

#include <catch2/catch.hpp>

#include "tests/core/fleet.h"

namespace wss::core {
namespace {

using testing::Fleet;

TEST_CASE("assigned, completed and failed tasks move the count") {
  Fleet f;
  f.load("a", 3, "t");
  CHECK(f.tasks("a") == 3);
  CHECK(f.complete("a", "t-0", 100.0) == Outcome::kApplied);
  CHECK(f.fail("a", "t-1") == Outcome::kApplied);
  CHECK(f.tasks("a") == 1);
  CHECK(f.coordinator.stats(f.now).in_flight_tasks == 1);
}

TEST_CASE("the mean duration is the rolling mean of recorded durations") {
  Fleet f;
  f.load("a", 2, "t");
  f.complete("a", "t-0", 100.0);
  f.complete("a", "t-1", 300.0);
  CHECK(*f.coordinator.agent("a", f.now)->avg_task_duration_ms == Approx(200));
}

TEST_CASE("defect 7: a completion without a duration is not a 0 ms duration") {
  Fleet f;
  f.load("a", 2, "t");
  f.complete("a", "t-0", 400.0);
  f.complete("a", "t-1");  // no duration
  CHECK(*f.coordinator.agent("a", f.now)->avg_task_duration_ms == Approx(400));
}

TEST_CASE("defect 8: duplicate and unknown completions never corrupt counts") {
  Fleet f;
  f.load("a", 2, "t");
  CHECK(f.complete("a", "t-0", 100.0) == Outcome::kApplied);
  CHECK(f.complete("a", "t-0", 100.0) == Outcome::kUnknownTask);
  CHECK(f.complete("a", "never-assigned") == Outcome::kUnknownTask);
  CHECK(f.fail("a", "t-0") == Outcome::kUnknownTask);
  CHECK(f.tasks("a") == 1);
  CHECK(f.coordinator.counters().unknown_completions == 3);
  // The duplicate's duration did not weigh twice.
  f.complete("a", "t-1", 300.0);
  CHECK(*f.coordinator.agent("a", f.now)->avg_task_duration_ms == Approx(200));
}

TEST_CASE("a duplicate assignment is idempotent") {
  Fleet f;
  f.assign("a", "t-0");
  CHECK(f.assign("a", "t-0") == Outcome::kDuplicate);
  CHECK(f.tasks("a") == 1);
  CHECK(f.coordinator.counters().duplicate_assignments == 1);
}

TEST_CASE("a task id assigned to another agent moves there") {
  Fleet f;
  f.load("a", 2, "t");
  CHECK(f.assign("b", "t-1") == Outcome::kApplied);
  CHECK(f.tasks("a") == 1);
  CHECK(f.tasks("b") == 1);
  // Completed by the agent that no longer holds it: counted, and the task is done.
  CHECK(f.complete("a", "t-1") == Outcome::kApplied);
  CHECK(f.coordinator.counters().foreign_completions == 1);
  CHECK(f.tasks("b") == 0);
}

TEST_CASE("defect 6: agents are known from their first message on any subject") {
  Fleet f;
  f.complete("stranger", "t-9", 50.0);
  f.fail("other", "t-8");
  f.metrics("third", 10);
  f.assign("fourth", "t-1");
  CHECK(f.coordinator.stats(f.now).total_agents == 4);
  CHECK(f.coordinator.agent("stranger", f.now).has_value());
}

TEST_CASE("metrics update cpu, memory, capabilities, empty capabilities keep the old ones") {
  Fleet f;
  f.metrics("a", 55, {"gpu"});
  f.metrics("a", 65);
  auto view = *f.coordinator.agent("a", f.now);
  CHECK(view.cpu_usage == Approx(65));
  CHECK(view.memory_usage == Approx(10));
  CHECK(view.capabilities == std::vector<std::string>{"gpu"});
}

TEST_CASE("metrics without cpu keep the last cpu, out-of-range values are clamped") {
  Fleet f;
  f.metrics("a", 70);
  AgentMetrics m;
  m.agent_id = "a";
  m.memory_usage = 250;
  f.coordinator.apply(m, f.now);
  auto view = *f.coordinator.agent("a", f.now);
  CHECK(view.cpu_usage == Approx(70));
  CHECK(view.memory_usage == Approx(100));
}

TEST_CASE("classification uses the reference thresholds by default") {
  Fleet f;
  f.load("busy", 9, "b");  // > 8 tasks
  f.metrics("hot", 85);    // > 80 % cpu
  f.metrics("idle", 10);   // < 2 tasks and < 30 % cpu
  f.load("mid", 4, "m");
  Stats s = f.coordinator.stats(f.now);
  CHECK(s.total_agents == 4);
  CHECK(s.overloaded_agents == 2);
  CHECK(s.underloaded_agents == 1);  // "idle"; "hot" has no tasks but too much cpu
}

TEST_CASE("defect 9: classification thresholds are configurable") {
  CoordinatorConfig c;
  c.overloaded_task_count = 3;
  c.overloaded_cpu = 50;
  c.underloaded_task_count = 1;
  c.underloaded_cpu = 5;
  Fleet f(c);
  f.load("a", 4, "a");
  f.metrics("b", 60);
  f.metrics("c", 1);
  auto a = *f.coordinator.agent("a", f.now);
  auto b = *f.coordinator.agent("b", f.now);
  auto cc = *f.coordinator.agent("c", f.now);
  CHECK(a.overloaded);
  CHECK(b.overloaded);
  CHECK_FALSE(b.underloaded);
  CHECK(cc.underloaded);
  CHECK_FALSE(cc.overloaded);
}

TEST_CASE("stats report the reference fields") {
  Fleet f;
  f.load("a", 6, "a");
  f.load("b", 2, "b");
  Stats s = f.coordinator.stats(f.now);
  CHECK(s.total_agents == 2);
  CHECK(s.avg_tasks_per_agent == Approx(4));
  CHECK(s.total_steal_operations == 0);
  CHECK(s.in_flight_tasks == 8);
}

TEST_CASE("status offline removes the agent, an idle one at once") {
  Fleet f;
  f.metrics("a", 10);
  f.metrics("b", 10);
  CHECK(f.metrics("a", 0, {}, AgentStatus::kOffline) == Outcome::kAgentRemoved);
  CHECK(f.coordinator.stats(f.now).total_agents == 1);
  CHECK_FALSE(f.coordinator.agent("a", f.now).has_value());
  CHECK(f.coordinator.counters().agents_removed == 1);
  // It may come back.
  f.metrics("a", 10);
  CHECK(f.coordinator.stats(f.now).total_agents == 2);
}

TEST_CASE("count-only fleets: tasks without ids are counted") {
  Fleet f;
  f.assign("a", "");
  f.assign("a", "");
  CHECK(f.tasks("a") == 2);
  CHECK(f.complete("a", "", 100.0) == Outcome::kApplied);
  CHECK(f.complete("a", "") == Outcome::kApplied);
  CHECK(f.complete("a", "") == Outcome::kUnknownTask);  // never below zero
  CHECK(f.tasks("a") == 0);
}

TEST_CASE("maintenance forgets ended operations older than the retention") {
  CoordinatorConfig c;
  c.operation_retention_ms = 60'000;
  Fleet f(c);
  f.load("a", 6, "a");
  f.metrics("b", 0);
  REQUIRE_FALSE(f.round().empty());
  f.advance(c.steal_timeout_ms + 1);
  f.coordinator.performMaintenance(f.now);  // fails the steal; ended just now: kept
  CHECK(f.coordinator.operations(10).size() == 1);
  f.advance(60'001);
  f.coordinator.performMaintenance(f.now);
  CHECK(f.coordinator.operations(10).empty());
  CHECK(f.coordinator.stats(f.now).failed_steals == 1);  // counters outlive the list
}

TEST_CASE("maintenance keeps at most maxOperations ended operations") {
  CoordinatorConfig c;
  c.max_operations = 2;
  c.steal_timeout_ms = 10;
  Fleet f(c);
  f.metrics("b", 0);
  for (int i = 0; i < 4; ++i) {
    f.load("a" + std::to_string(i), 4, "x" + std::to_string(i));
    f.round();
    f.advance(20);
    f.metrics("b", 0);  // b stays fresh
  }
  f.coordinator.performMaintenance(f.now);
  CHECK(f.coordinator.operations(100).size() == 2);
}

TEST_CASE("maintenance forgets silent agents that hold nothing") {
  CoordinatorConfig c;
  c.agent_timeout_ms = 1000;
  Fleet f(c);
  f.metrics("quiet", 0);
  f.load("holder", 1, "h");
  f.advance(10'001);
  f.coordinator.performMaintenance(f.now);
  CHECK_FALSE(f.coordinator.agent("quiet", f.now).has_value());
  CHECK(f.coordinator.agent("holder", f.now).has_value());
}

TEST_CASE("bestAgent: capable, live, and soonest to start") {
  Fleet f;
  f.metrics("gpu-busy", 10, {"gpu"});
  f.load("gpu-busy", 3, "g");
  f.metrics("gpu-free", 10, {"gpu"});
  f.metrics("cpu-free", 10, {"cpu"});
  auto best = f.coordinator.bestAgent({"gpu"}, f.now);
  REQUIRE(best);
  CHECK(best->agent_id == "gpu-free");
  CHECK(best->expected_start_ms == Approx(0));
  CHECK_FALSE(f.coordinator.bestAgent({"quantum"}, f.now).has_value());
  // An agent silent past agentTimeout is never chosen.
  f.advance(f.coordinator.config().agent_timeout_ms + 1);
  f.metrics("cpu-free", 10, {"cpu"});
  best = f.coordinator.bestAgent({}, f.now);
  REQUIRE(best);
  CHECK(best->agent_id == "cpu-free");
}

TEST_CASE("bestAgent: a fast agent with a queue beats a slow idle one, and follows the load") {
  Fleet f;
  f.assign("slow", "s-0");
  f.complete("slow", "s-0", 60'000);  // a minute a task
  for (int i = 0; i < 20; ++i) {
    f.assign("fast", "f-" + std::to_string(i));
    f.complete("fast", "f-" + std::to_string(i), 10);
  }
  f.load("fast", 30, "q");  // past its late-binding cap, still done in ~300 ms
  auto best = f.coordinator.bestAgent({}, f.now);
  REQUIRE(best);
  CHECK(best->agent_id == "fast");
  CHECK(best->expected_start_ms == Approx(300).margin(20));
  // A requirement never interned as a set is matched by name.
  f.metrics("gpu", 0, {"gpu", "cuda"});
  best = f.coordinator.bestAgent({"cuda"}, f.now);
  REQUIRE(best);
  CHECK(best->agent_id == "gpu");
  // Load piles up past a minute on "fast": the idle one is sooner now.
  f.load("fast", 6'000, "more");
  best = f.coordinator.bestAgent({}, f.now);
  REQUIRE(best);
  CHECK(best->agent_id != "fast");
  // An agent that says busy is no candidate; one back to idle is.
  f.metrics("gpu", 0, {"gpu", "cuda"}, AgentStatus::kBusy);
  CHECK_FALSE(f.coordinator.bestAgent({"cuda"}, f.now).has_value());
  f.metrics("gpu", 0, {"gpu", "cuda"}, AgentStatus::kIdle);
  REQUIRE(f.coordinator.bestAgent({"cuda"}, f.now));
}

// The saturated heaps are settled only when a request needs them (steal_planner.h): an agent
// that went past its cap, below it and back, or whose load changed at its cap, must be
// answered as a full rebuild of the heaps (a reload re-keys every agent) would answer it.
TEST_CASE("bestAgent: agents at their cap are ranked by their load as of the request") {
  Fleet f;
  std::vector<std::string> fleet{"a", "b"};
  // Far behind, and enough of them that two changed agents are re-keyed one by one (a
  // decision rebuilds the heaps when more than 1 in 8 changed).
  for (int i = 0; i < 30; ++i) fleet.push_back("filler-" + std::to_string(i));
  for (const std::string& agent : fleet) {
    for (int i = 0; i < 10; ++i) {
      f.assign(agent, agent + "-warm-" + std::to_string(i));
      f.complete(agent, agent + "-warm-" + std::to_string(i), 100);
    }
    if (agent.rfind("filler", 0) == 0) f.load(agent, 1'000, agent + "-q");
  }
  const auto best = [&] {
    auto answer = f.coordinator.bestAgent({}, f.now);
    REQUIRE(answer);
    f.coordinator.reconfigure(f.coordinator.config());  // every agent re-keyed anew
    auto rebuilt = f.coordinator.bestAgent({}, f.now);
    REQUIRE(rebuilt);
    CHECK(rebuilt->agent_id == answer->agent_id);
    CHECK(rebuilt->expected_start_ms == Approx(answer->expected_start_ms));
    return answer->agent_id;
  };
  f.load("a", 20, "a-q");
  f.load("b", 25, "b-q");  // both past their cap
  CHECK(best() == "a");
  f.load("a", 40, "a-more");  // still at its cap, later now
  CHECK(best() == "b");
  for (int i = 0; i < 25; ++i) f.complete("b", "b-q-" + std::to_string(i), 100);
  CHECK(best() == "b");  // below its cap: a target again
  f.load("b", 200, "b-more");  // past its cap again, far later than "a"
  CHECK(best() == "a");
  for (int i = 0; i < 20; ++i) f.complete("a", "a-q-" + std::to_string(i), 100);
  for (int i = 0; i < 40; ++i) f.complete("a", "a-more-" + std::to_string(i), 100);
  CHECK(best() == "a");
}

TEST_CASE("agents() lists sorted by id and honours the limit") {
  Fleet f;
  f.metrics("c", 0);
  f.metrics("a", 0);
  f.metrics("b", 0);
  auto list = f.coordinator.agents(f.now, 2);
  REQUIRE(list.size() == 2);
  CHECK(list[0].agent_id == "a");
  CHECK(list[1].agent_id == "b");
}

}  // namespace
}  // namespace wss::core
