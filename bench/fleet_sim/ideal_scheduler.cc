#include "bench/fleet_sim/ideal_scheduler.h"

#include <algorithm>
#include <limits>

namespace wss::sim {

IdealResult scheduleIdeal(const Scenario& scenario) {
  IdealResult result;
  result.latency_ms.reserve(scenario.tasks.size());
  // Per agent, the time each slot becomes free.
  std::vector<std::vector<Us>> slots;
  slots.reserve(scenario.agents.size());
  for (const auto& a : scenario.agents) slots.emplace_back(a.concurrency, a.join_us);

  for (const auto& task : scenario.tasks) {
    Us best_finish = std::numeric_limits<Us>::max();
    std::size_t best_agent = 0;
    std::size_t best_slot = 0;
    for (std::size_t i = 0; i < scenario.agents.size(); ++i) {
      const auto& a = scenario.agents[i];
      if (a.join_us > task.arrival_us) continue;  // not there yet when the task arrives
      if (a.death_us && *a.death_us <= task.arrival_us) continue;
      if (!covers(a.capabilities, task.required_capabilities)) continue;
      const auto slot = std::min_element(slots[i].begin(), slots[i].end());
      const Us start = std::max(*slot, task.arrival_us);
      const Us finish = start + static_cast<Us>(task.work_ms / a.speed * kUsPerMs);
      if (a.death_us && finish > *a.death_us) continue;
      if (finish < best_finish) {
        best_finish = finish;
        best_agent = i;
        best_slot = static_cast<std::size_t>(slot - slots[i].begin());
      }
    }
    if (best_finish == std::numeric_limits<Us>::max()) {
      result.latency_ms.push_back(-1);
      continue;
    }
    slots[best_agent][best_slot] = best_finish;
    result.latency_ms.push_back(static_cast<double>(best_finish - task.arrival_us) / kUsPerMs);
  }
  return result;
}

}  // namespace wss::sim
