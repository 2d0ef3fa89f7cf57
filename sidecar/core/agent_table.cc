#include "sidecar/core/agent_table.h"

#include <cassert>

namespace wss::core {

AgentIndex AgentTable::find(std::string_view id) const {
  const std::uint32_t at = index_.find(id, idOf());
  return at == FlatIndex::kNone ? kNoAgent : at;
}

AgentIndex AgentTable::touch(std::string_view id, TimeMs now) {
  AgentIndex index = find(id);
  if (index == kNoAgent) {
    if (free_.empty()) {
      index = static_cast<AgentIndex>(agents_.size());
      agents_.emplace_back();
    } else {
      index = free_.back();
      free_.pop_back();
    }
    agents_[index].id.assign(id);
    agents_[index].in_use = true;
    index_.insert(id, index);
    order_.insert(index);
  }
  agents_[index].last_seen = now;
  return index;
}

void AgentTable::remove(AgentIndex index) {
  Agent& agent = agents_[index];
  assert(agent.in_use && agent.oldest == kNoTask);
  forgetTypical(agent);
  index_.erase(agent.id, idOf());
  order_.erase(index);  // while its id is still there to find it by
  agent = Agent{};
  free_.push_back(index);
}

void AgentTable::recordDuration(AgentIndex index, double duration_ms, std::uint32_t window) {
  Agent& agent = agents_[index];
  forgetTypical(agent);
  agent.durations.record(duration_ms, window);
  typical_sum_ += *agent.durations.typical();
  ++with_typical_;
}

void AgentTable::forgetTypical(const Agent& agent) {
  if (auto typical = agent.durations.typical()) {
    typical_sum_ -= *typical;
    --with_typical_;
  }
}

double AgentTable::fleetTypicalDuration(double fallback) const {
  if (with_typical_ == 0) return fallback;
  return std::max(typical_sum_, 0.0) / static_cast<double>(with_typical_);
}

void AgentTable::resumTypical() {
  typical_sum_ = 0;
  with_typical_ = 0;
  for (const Agent& agent : agents_) {
    if (!agent.in_use) continue;
    if (auto typical = agent.durations.typical()) {
      typical_sum_ += *typical;
      ++with_typical_;
    }
  }
}

}  // namespace wss::core
