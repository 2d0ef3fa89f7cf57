// A synthetic, seeded fleet for the core benchmarks: skewed queues, a few capability sets,
// known durations, so steal rounds have real work to do at any size.
#pragma once

#include <cstdint>

#include "sidecar/core/coordinator.h"

namespace wss::bench {

struct SyntheticFleetShape {
  std::uint32_t agents = 1000;
  std::uint32_t seed = 42;
};

// Fills `coordinator` at time `now`: ~20 % of agents hot (8-16 tasks), ~30 % idle, the rest
// with 1-3 tasks; every agent has a mean duration and one of four capability sets.
// Returns the number of tasks assigned.
std::uint64_t populate(core::Coordinator& coordinator, const SyntheticFleetShape& shape,
                       core::TimeMs now);

}  // namespace wss::bench
