#include "bench/fleet_sim/ideal_scheduler.h"

namespace wss::sim {

OfflineSchedule scheduleIdeal(const Scenario& scenario) {
  OfflineSchedule result;
  result.latency_ms.reserve(scenario.tasks.size());
  SlotBook book(scenario);
  for (const auto& task : scenario.tasks) {
    const auto best = book.earliestFinish(task);
    if (!best) {
      result.latency_ms.push_back(-1);
      continue;
    }
    book.book(*best);
    result.latency_ms.push_back(latencyMs(task, *best));
  }
  return result;
}

}  // namespace wss::sim
