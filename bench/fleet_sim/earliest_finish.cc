#include "bench/fleet_sim/earliest_finish.h"

#include <algorithm>

namespace wss::sim {

SlotBook::SlotBook(const Scenario& scenario) : scenario_(scenario) {
  slot_free_us_.reserve(scenario.agents.size());
  for (const auto& a : scenario.agents) slot_free_us_.emplace_back(a.concurrency, a.join_us);
}

Placement SlotBook::on(std::size_t agent, const TaskSpec& task) const {
  const auto& slots = slot_free_us_[agent];
  const auto slot = std::min_element(slots.begin(), slots.end());
  Placement p;
  p.agent = agent;
  p.slot = static_cast<std::size_t>(slot - slots.begin());
  p.start = std::max(*slot, task.arrival_us);
  p.finish = p.start + static_cast<Us>(task.work_ms / scenario_.agents[agent].speed * kUsPerMs);
  return p;
}

bool SlotBook::hasFreeSlot(std::size_t agent, Us at) const {
  const auto& slots = slot_free_us_[agent];
  return *std::min_element(slots.begin(), slots.end()) <= at;
}

bool SlotBook::livesThrough(std::size_t agent, Us at, Us finish) const {
  const AgentSpec& a = scenario_.agents[agent];
  if (a.join_us > at) return false;  // not there yet
  return !a.death_us || *a.death_us >= finish;
}

std::optional<Placement> SlotBook::earliestFinish(const TaskSpec& task) const {
  std::optional<Placement> best;
  for (std::size_t i = 0; i < scenario_.agents.size(); ++i) {
    if (!covers(scenario_.agents[i].capabilities, task.required_capabilities)) continue;
    const Placement p = on(i, task);
    if (!livesThrough(i, task.arrival_us, p.finish)) continue;
    if (!best || p.finish < best->finish) best = p;
  }
  return best;
}

void SlotBook::book(const Placement& placement) {
  slot_free_us_[placement.agent][placement.slot] = placement.finish;
}

double latencyMs(const TaskSpec& task, const Placement& placement) {
  return static_cast<double>(placement.finish - task.arrival_us) / kUsPerMs;
}

}  // namespace wss::sim
