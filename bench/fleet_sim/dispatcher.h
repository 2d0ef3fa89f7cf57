// The naive dispatcher of a fleet without work stealing: it places each task once, on arrival,
// by a fixed policy (hot-spot, round-robin or random), among the live agents that have the
// task's capabilities. It never looks at queue lengths; that is the point.
//
// Deterministic: given the same seed and the same sequence of calls (the simulation calls it
// in scheduled-time order), it makes the same choices in every run.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "bench/fleet_sim/agent.h"
#include "bench/fleet_sim/scenario.h"

namespace wss::sim {

class Dispatcher {
 public:
  Dispatcher(const Scenario& scenario, std::uint64_t seed);

  // The index of the agent to queue `task` on, or nullopt when no live agent can run it.
  [[nodiscard]] std::optional<std::size_t> choose(const TaskSpec& task,
                                                  const std::vector<Agent>& agents);

 private:
  DispatchPolicy policy_;
  double hot_share_;
  std::mt19937_64 rng_;
  std::size_t next_ = 0;                 // round-robin cursor
  std::vector<std::size_t> candidates_;  // scratch
};

}  // namespace wss::sim
