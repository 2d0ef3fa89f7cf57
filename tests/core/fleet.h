// Test helpers for the core: a manual clock and terse event builders.
#pragma once

#include <string>
#include <vector>

#include "sidecar/core/coordinator.h"

namespace wss::core::testing {

// The tasks all `orders` move.
inline std::uint32_t totalTasks(const std::vector<StealOrder>& orders) {
  std::uint32_t n = 0;
  for (const auto& o : orders) n += o.tasks_to_steal;
  return n;
}

// Drives a Coordinator with a clock the test moves by hand.
class Fleet {
 public:
  explicit Fleet(CoordinatorConfig config = {}) : coordinator(std::move(config)) {}

  Outcome assign(const std::string& agent, const std::string& task,
                 std::vector<std::string> caps = {}) {
    return coordinator.apply(TaskAssigned{agent, task, std::move(caps), 0}, now);
  }
  Outcome complete(const std::string& agent, const std::string& task,
                   std::optional<double> duration = std::nullopt) {
    return coordinator.apply(TaskCompleted{agent, task, duration}, now);
  }
  Outcome fail(const std::string& agent, const std::string& task) {
    return coordinator.apply(TaskFailed{agent, task, "boom"}, now);
  }
  Outcome metrics(const std::string& agent, double cpu, std::vector<std::string> caps = {},
                  AgentStatus status = AgentStatus::kUnspecified) {
    AgentMetrics m;
    m.agent_id = agent;
    m.cpu_usage = cpu;
    m.memory_usage = 10;
    m.capabilities = std::move(caps);
    m.status = status;
    return coordinator.apply(m, now);
  }
  // Says `agent` runs `slots` tasks at once.
  Outcome slots(const std::string& agent, std::uint32_t slots) {
    AgentMetrics m;
    m.agent_id = agent;
    m.concurrency = slots;
    return coordinator.apply(m, now);
  }
  // Assigns `count` tasks named prefix-0.. to `agent`.
  void load(const std::string& agent, int count, const std::string& prefix,
            std::vector<std::string> caps = {}) {
    for (int i = 0; i < count; ++i) assign(agent, prefix + "-" + std::to_string(i), caps);
  }
  std::uint32_t tasks(const std::string& agent) const {
    auto view = coordinator.agent(agent, now);
    return view ? view->task_count : 0;
  }
  std::vector<StealOrder> round() { return coordinator.stealRound(now); }
  std::vector<StealOrder> react() { return coordinator.react(now); }
  void advance(TimeMs ms) { now += ms; }

  Coordinator coordinator;
  TimeMs now = 1'000'000;
};

}  // namespace wss::core::testing
