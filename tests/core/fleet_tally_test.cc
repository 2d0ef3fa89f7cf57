// work.stats' running counts (FleetTally) against a full pass over the agents: random events,
// agents that go silent or offline, count-only tasks, threshold and timeout reloads.
#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "sidecar/core/coordinator.h"
#include "tests/core/fleet.h"

namespace wss::core {
namespace {

using testing::Fleet;

// What a pass over every agent's view finds, to hold the running counts against.
Stats statsByPass(const Fleet& f) {
  Stats s;
  for (const AgentView& v : f.coordinator.agents(f.now, 1'000'000)) {
    if (v.status == AgentStatus::kOffline) continue;  // departed: not counted
    ++s.total_agents;
    if (v.overloaded) ++s.overloaded_agents;
    if (v.underloaded) ++s.underloaded_agents;
    if (v.task_count == 0) ++s.idle_agents;
    if (v.stale) ++s.stale_agents;
  }
  return s;
}

void checkAgainstPass(const Fleet& f) {
  const Stats running = f.coordinator.stats(f.now);
  const Stats pass = statsByPass(f);
  CHECK(running.total_agents == pass.total_agents);
  CHECK(running.overloaded_agents == pass.overloaded_agents);
  CHECK(running.underloaded_agents == pass.underloaded_agents);
  CHECK(running.idle_agents == pass.idle_agents);
  CHECK(running.stale_agents == pass.stale_agents);
}

TEST_CASE("work.stats' running counts equal a pass over the agents, whatever happens") {
  std::mt19937 rng(GENERATE(1u, 2u, 3u));
  CoordinatorConfig c;
  c.steal_timeout_ms = 300;
  c.agent_timeout_ms = 2000;
  Fleet f(c);
  int next_task = 0;
  const auto agent = [&] { return "agent-" + std::to_string(rng() % 20); };
  for (int step = 0; step < 4000; ++step) {
    const int dice = static_cast<int>(rng() % 100);
    if (dice < 35) {
      f.assign(agent(), "t-" + std::to_string(next_task++));
    } else if (dice < 40) {
      f.assign(agent(), "");  // count-only
    } else if (dice < 60) {
      f.complete(agent(), "t-" + std::to_string(rng() % (next_task + 1)), 100.0);
    } else if (dice < 63) {
      f.complete(agent(), "");
    } else if (dice < 75) {
      f.metrics(agent(), static_cast<double>(rng() % 100));
    } else if (dice < 78) {
      f.metrics(agent(), 0, {}, AgentStatus::kOffline);
    } else if (dice < 88) {
      for (const auto& o : (dice < 83 ? f.react() : f.round())) {
        for (const auto& id : o.task_ids) {
          if (rng() % 2 == 0) f.assign(o.target_agent_id, id);
        }
      }
    } else if (dice < 98) {
      f.advance(static_cast<TimeMs>(rng() % 700));  // some agents go stale meanwhile
    } else if (dice < 99) {
      f.coordinator.performMaintenance(f.now);
    } else {
      CoordinatorConfig reloaded = f.coordinator.config();
      reloaded.overloaded_task_count = 1 + rng() % 8;
      reloaded.agent_timeout_ms = 500 + static_cast<TimeMs>(rng() % 3000);
      f.coordinator.reconfigure(reloaded);
    }
    if (step % 10 == 0) checkAgainstPass(f);
  }
  checkAgainstPass(f);
}

TEST_CASE("an agent heard from again is no longer stale") {
  Fleet f;
  f.metrics("a", 10);
  f.metrics("b", 10);
  f.advance(f.coordinator.config().agent_timeout_ms + 1);
  CHECK(f.coordinator.stats(f.now).stale_agents == 2);
  f.metrics("a", 10);
  CHECK(f.coordinator.stats(f.now).stale_agents == 1);
  f.metrics("b", 0, {}, AgentStatus::kOffline);
  CHECK(f.coordinator.stats(f.now).stale_agents == 0);
  CHECK(f.coordinator.stats(f.now).total_agents == 1);
}

}  // namespace
}  // namespace wss::core
