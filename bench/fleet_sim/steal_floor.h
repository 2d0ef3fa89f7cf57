// The steal floor: the best any steal-only coordinator could do on a scenario, computed
// offline on the same tasks as the ideal scheduler.
//
// A steal-only coordinator cannot change where the naive dispatcher puts a task, only move it
// while it waits. So: a task the scenario's naive dispatcher sends to an agent with a free slot
// at that moment starts there at once (nothing is left queued to move); every other task goes,
// the moment it arrives, to the capable live agent that would finish it first (the ideal
// scheduler's rule, from the same SlotBook). A task that would still be running when its
// naive agent dies counts as movable, a small generosity. The floor's gap to the ideal is
// placement; a run's gap to the floor is what a better steal policy could still win.
//
// Deterministic from the seed: the naive choices come from a Dispatcher seeded as the live
// run's, called in the same order (injected failures, which re-dispatch, are not modelled).
#pragma once

#include "bench/fleet_sim/earliest_finish.h"
#include "bench/fleet_sim/scenario.h"

namespace wss::sim {

[[nodiscard]] OfflineSchedule scheduleStealFloor(const Scenario& scenario);

}  // namespace wss::sim
