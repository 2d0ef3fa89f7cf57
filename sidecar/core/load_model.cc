#include "sidecar/core/load_model.h"

#include <algorithm>

namespace wss::core {

std::uint32_t LoadModel::slotsOf(const Agent& agent) const {
  return agent.concurrency > 0 ? agent.concurrency
                               : std::max<std::uint32_t>(config_.default_concurrency, 1);
}

TimeMs LoadModel::lookAheadMs() const {
  return config_.reactive ? config_.reactive_delay_ms : config_.steal_interval_ms;
}

Estimate LoadModel::estimate(const Agent& agent) const {
  Estimate e;
  e.slots = slotsOf(agent);
  e.duration = agent.durations.typical().value_or(fleet_typical_);
  e.backlog = agent.backlog();
  // Whole tasks only: a fraction would move the ceiling by a full slot.
  e.ahead = agent.arrivals.expectedWithin(lookAheadMs(), now_);
  return e;
}

double LoadModel::sourceFinish(const Agent& agent, const Estimate& estimate) const {
  if (agent.departed) return kNever;
  return estimate.newestFinish() + tailDelay(agent, estimate);
}

double LoadModel::tailDelay(const Agent& agent, const Estimate& estimate) const {
  // A running task far past the typical one is likely to run long still: what its slot adds
  // beyond a typical task delays the whole queue by that share of the slots.
  // Without durations of its own there is no tail to read.
  if (agent.held() == 0 || agent.slot_started == 0) return 0;
  const auto elapsed = static_cast<double>(now_ - agent.slot_started);
  if (auto rest = agent.durations.residualAfter(elapsed); rest && *rest > estimate.duration) {
    return (*rest - estimate.duration) / estimate.slots;
  }
  return 0;
}

TimeMs LoadModel::staleAt(const Agent& agent) const {
  return agent.last_seen + config_.agent_timeout_ms;
}

bool LoadModel::isStale(const Agent& agent) const { return now_ > staleAt(agent); }

// The finish-time estimate, not a task-count or cpu cap, decides whether a move helps. cpu
// only breaks ties between targets: an agent whose slots are all running reports high cpu yet
// may start a task soonest, and a saturated machine shows up in its measured durations.
bool LoadModel::canReceive(const Agent& agent) const {
  return agent.in_use && !agent.departed && !isStale(agent) && now_ >= agent.benched_until &&
         agent.status != AgentStatus::kBusy && agent.status != AgentStatus::kOffline;
}

std::uint32_t LoadModel::targetCap(const Estimate& estimate) const {
  if (estimate.duration <= 0) return estimate.slots;
  const double startable =
      static_cast<double>(estimate.slots) * static_cast<double>(lookAheadMs()) / estimate.duration;
  return estimate.slots + static_cast<std::uint32_t>(std::min(startable, 1e6));
}

bool LoadModel::isSource(const Agent& agent, const Estimate& estimate) const {
  if (!agent.in_use) return false;
  if (agent.departed) return agent.id_tasks > agent.outgoing;
  return agent.held() >= config_.min_tasks_to_steal && estimate.backlog > estimate.slots;
}

bool LoadModel::worthMoving(double source_finish, double target_finish,
                            double target_duration) const {
  const double gain = source_finish - target_finish;
  return gain > 0 && gain >= (static_cast<double>(config_.steal_threshold) - 1) * target_duration;
}

}  // namespace wss::core
