#include "bench/fleet_sim/agent.h"

#include <algorithm>
#include <cassert>

namespace wss::sim {

void Agent::join(Us now) {
  alive_ = true;
  window_start_ = now;
  last_change_ = now;
  busy_slot_us_ = 0;
}

std::vector<TaskIndex> Agent::die(Us now) {
  account(now);
  alive_ = false;
  std::vector<TaskIndex> held(queue_.begin(), queue_.end());
  held.insert(held.end(), running_.begin(), running_.end());
  queue_.clear();
  running_.clear();
  return held;
}

bool Agent::removeQueued(TaskIndex task) {
  const auto it = std::find(queue_.begin(), queue_.end(), task);
  if (it == queue_.end()) return false;
  queue_.erase(it);
  return true;
}

std::optional<TaskIndex> Agent::startNext(Us now) {
  if (!alive_ || queue_.empty() || running_.size() >= spec_.concurrency) return std::nullopt;
  account(now);
  const TaskIndex task = queue_.front();
  queue_.pop_front();
  running_.push_back(task);
  return task;
}

void Agent::finish(TaskIndex task, Us now) {
  const auto it = std::find(running_.begin(), running_.end(), task);
  assert(it != running_.end() && "finish of a task that is not running here");
  account(now);
  running_.erase(it);
}

void Agent::account(Us now) {
  if (now > last_change_) {
    busy_slot_us_ += static_cast<double>(running_.size()) * static_cast<double>(now - last_change_);
    last_change_ = now;
  }
}

double Agent::takeUtilisation(Us now) {
  account(now);
  const double window = static_cast<double>(now - window_start_) * spec_.concurrency;
  const double pct = window > 0 ? std::min(100.0, 100.0 * busy_slot_us_ / window) : 0.0;
  window_start_ = now;
  busy_slot_us_ = 0;
  return pct;
}

core::AgentStatus Agent::status() const {
  if (!alive_) return core::AgentStatus::kOffline;
  if (running_.empty() && queue_.empty()) return core::AgentStatus::kIdle;
  if (running_.size() >= spec_.concurrency) return core::AgentStatus::kBusy;
  return core::AgentStatus::kActive;
}

}  // namespace wss::sim
