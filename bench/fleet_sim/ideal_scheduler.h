// The ideal scheduler the report compares against, computed offline on the scenario's tasks.
//
// It knows everything in advance: each task, on arrival, goes to the capable agent that would
// finish it first, given every agent's speed, concurrency, queue and lifetime (it never picks
// an agent that dies before the task would end). Greedy earliest-finish list scheduling: not
// a proven optimum, but a strong, honest bar for an online system that cannot see the future.
#pragma once

#include "bench/fleet_sim/earliest_finish.h"
#include "bench/fleet_sim/scenario.h"

namespace wss::sim {

[[nodiscard]] OfflineSchedule scheduleIdeal(const Scenario& scenario);

}  // namespace wss::sim
