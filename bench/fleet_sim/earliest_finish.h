// The one home of "which capable agent would finish this task first", shared by the offline
// schedulers (the ideal scheduler and the steal floor).
//
// A SlotBook holds, per agent of a scenario, the time each execution slot becomes free. It
// answers where a task would start and end on an agent (its earliest-free slot, not before the
// task arrives), which capable agent live at the task's arrival would finish it first (never
// one that joins later or dies before the task would end), and books a placement. Pure and
// deterministic: no clock, no randomness.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "bench/fleet_sim/scenario.h"

namespace wss::sim {

// Where and when a task would run: agent index, slot index, start and end times.
struct Placement {
  std::size_t agent = 0;
  std::size_t slot = 0;
  Us start = 0;
  Us finish = 0;
};

// What an offline scheduler computed for a scenario's tasks.
struct OfflineSchedule {
  // Per task, in scenario order: arrival -> completion in ms; negative when no agent could
  // ever run it (counted as lost).
  std::vector<double> latency_ms;
};

class SlotBook {
 public:
  // Every slot of every agent is free from the agent's join time. `scenario` must outlive it.
  explicit SlotBook(const Scenario& scenario);

  // `task` on `agent`'s earliest-free slot, starting no earlier than the task's arrival.
  // Ignores capabilities and lifetime: the caller decides whether the agent may run it.
  [[nodiscard]] Placement on(std::size_t agent, const TaskSpec& task) const;
  // True when one of `agent`'s slots is free at time `at`.
  [[nodiscard]] bool hasFreeSlot(std::size_t agent, Us at) const;
  // True when `agent` has joined by `at` and is still alive at `finish` (>= `at`).
  [[nodiscard]] bool livesThrough(std::size_t agent, Us at, Us finish) const;
  // The capable agent, live at the task's arrival and alive until the task would end, that
  // would finish `task` first; ties go to the lowest index. nullopt when there is none.
  [[nodiscard]] std::optional<Placement> earliestFinish(const TaskSpec& task) const;
  // Marks the placement's slot busy until its finish.
  void book(const Placement& placement);

 private:
  const Scenario& scenario_;
  std::vector<std::vector<Us>> slot_free_us_;  // per agent, per slot
};

// The latency a booked placement gives its task, in ms.
[[nodiscard]] double latencyMs(const TaskSpec& task, const Placement& placement);

}  // namespace wss::sim
