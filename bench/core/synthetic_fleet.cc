#include "bench/core/synthetic_fleet.h"

#include <random>
#include <string>
#include <vector>

namespace wss::bench {

std::uint64_t populate(core::Coordinator& coordinator, const SyntheticFleetShape& shape,
                       core::TimeMs now) {
  std::mt19937 rng(shape.seed);
  const std::vector<std::vector<std::string>> capability_sets{
      {"python"}, {"python", "gpu"}, {"python", "browser"}, {"python", "gpu", "browser"}};
  std::uint64_t tasks = 0;
  for (std::uint32_t i = 0; i < shape.agents; ++i) {
    const std::string agent = "agent-" + std::to_string(i);
    const auto& caps = capability_sets[rng() % capability_sets.size()];
    core::AgentMetrics metrics;
    metrics.agent_id = agent;
    metrics.cpu_usage = static_cast<double>(rng() % 70);
    metrics.memory_usage = 40;
    metrics.capabilities = caps;
    metrics.status = core::AgentStatus::kActive;
    (void)coordinator.apply(metrics, now);

    const std::uint32_t dice = rng() % 10;
    const std::uint32_t count = dice < 2 ? 8 + rng() % 9 : dice < 5 ? 0 : 1 + rng() % 3;
    const double duration = 200.0 + static_cast<double>(rng() % 1800);
    for (std::uint32_t t = 0; t < count + 1; ++t) {
      const std::string task = agent + "/task-" + std::to_string(t);
      std::vector<std::string> need;
      if (rng() % 4 == 0) need = {caps.back()};
      (void)coordinator.apply(core::TaskAssigned{agent, task, need, 0}, now);
      ++tasks;
    }
    // One completion gives the agent its mean duration and leaves `count` tasks.
    (void)coordinator.apply(core::TaskCompleted{agent, agent + "/task-0", duration}, now);
    --tasks;
  }
  return tasks;
}

}  // namespace wss::bench
