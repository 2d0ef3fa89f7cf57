// Hostile and runaway input: bounds on what the coordinator holds, and values it cannot trust.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "sidecar/core/coordinator.h"
#include "tests/core/fleet.h"

namespace wss::core {
namespace {

using testing::Fleet;

TEST_CASE("a poison duration (1e39 ms, infinite as a float) is clamped: stealing goes on") {
  Fleet f;
  f.load("poisoned", 1, "p");
  f.complete("poisoned", "p-0", 1e39);
  CHECK(f.coordinator.counters().values_clamped == 1);
  f.metrics("fresh", 0);  // no history of its own: estimated with the fleet's
  f.load("hot", 3, "t");
  auto orders = f.react();
  REQUIRE_FALSE(orders.empty());
  for (const auto& o : orders) CHECK(o.reason.find("-9223372036854775808") == std::string::npos);
  auto best = f.coordinator.bestAgent({}, f.now);
  REQUIRE(best.has_value());
  CHECK(std::isfinite(best->expected_start_ms));
}

TEST_CASE("concurrency beyond any real agent is clamped") {
  Fleet f;
  f.slots("huge", 4294967295u);
  CHECK(f.coordinator.agent("huge", f.now)->concurrency == kMaxConcurrency);
  CHECK(f.coordinator.counters().values_clamped == 1);
}

TEST_CASE("capability sets of finished tasks and departed agents are freed") {
  Fleet f;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = "t-" + std::to_string(i);
    f.assign("agent", id, {"cap-" + std::to_string(i)});
    f.complete("agent", id, 100.0);
  }
  CHECK(f.coordinator.stats(f.now).capability_sets == 0);
  CHECK(f.coordinator.stats(f.now).capability_names == 0);
  f.metrics("worker", 0, {"gpu", "linux"});
  f.metrics("worker", 0, {"linux"});  // replaced: gpu is no longer held
  CHECK(f.coordinator.stats(f.now).capability_names == 1);
  f.metrics("worker", 0, {}, AgentStatus::kOffline);
  CHECK(f.coordinator.stats(f.now).capability_sets == 0);
}

TEST_CASE("limits.maxAgents: new agents are rejected and counted, known ones still apply") {
  CoordinatorConfig c;
  c.limits.max_agents = 2;
  Fleet f(c);
  f.metrics("a", 0);
  f.metrics("b", 0);
  CHECK(f.metrics("c", 0) == Outcome::kTooManyAgents);
  CHECK(f.assign("c", "t-1") == Outcome::kTooManyAgents);
  CHECK(f.coordinator.counters().rejected_agents == 2);
  CHECK(f.coordinator.stats(f.now).total_agents == 2);
  CHECK(f.assign("a", "t-1") == Outcome::kApplied);
  f.metrics("b", 0, {}, AgentStatus::kOffline);  // b leaves: room for c
  CHECK(f.metrics("c", 0) == Outcome::kApplied);
}

TEST_CASE("limits.maxTasks: new tasks are rejected, moves and completions still apply") {
  CoordinatorConfig c;
  c.limits.max_tasks = 2;
  Fleet f(c);
  f.load("a", 2, "t");
  CHECK(f.assign("a", "t-2") == Outcome::kTooManyTasks);
  CHECK(f.assign("b", "t-1") == Outcome::kApplied);  // a move, not a new task
  CHECK(f.complete("a", "t-0") == Outcome::kApplied);
  CHECK(f.assign("a", "t-2") == Outcome::kApplied);
  CHECK(f.coordinator.counters().rejected_tasks == 1);
  CHECK(f.coordinator.stats(f.now).in_flight_tasks == 2);
}

TEST_CASE("limits.maxIdLength and the capability bounds reject the whole event") {
  CoordinatorConfig c;
  c.limits.max_id_length = 8;
  c.limits.max_capability_sets = 1;
  Fleet f(c);
  CHECK(f.assign("a-very-long-agent", "t") == Outcome::kIdTooLong);
  CHECK(f.assign("a", "a-long-task-id") == Outcome::kIdTooLong);
  CHECK(f.assign("a", "t", {"much-too-long"}) == Outcome::kIdTooLong);
  CHECK(f.coordinator.counters().rejected_long_ids == 3);
  CHECK(f.coordinator.stats(f.now).total_agents == 0);
  CHECK(f.assign("a", "t-1", {"gpu"}) == Outcome::kApplied);
  CHECK(f.assign("a", "t-2", {"arm"}) == Outcome::kTooManyCapabilities);
  CHECK(f.tasks("a") == 1);
  CHECK(f.coordinator.counters().rejected_capabilities == 1);
}

}  // namespace
}  // namespace wss::core
