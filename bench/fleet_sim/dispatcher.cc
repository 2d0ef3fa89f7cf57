#include "bench/fleet_sim/dispatcher.h"

namespace wss::sim {

Dispatcher::Dispatcher(const Scenario& scenario, std::uint64_t seed)
    : policy_(scenario.policy), hot_share_(scenario.hot_share), rng_(seed ^ 0xd15a7c4e5ULL) {}

std::optional<std::size_t> Dispatcher::choose(const TaskSpec& task,
                                              const std::vector<Agent>& agents) {
  const std::size_t n = agents.size();
  if (n == 0) return std::nullopt;
  const auto usable = [&](std::size_t i) {
    return agents[i].alive() && agents[i].canRun(task.required_capabilities);
  };

  if (policy_ == DispatchPolicy::kRoundRobin) {
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (next_ + k) % n;
      if (usable(i)) {
        next_ = i + 1;
        return i;
      }
    }
    return std::nullopt;
  }

  // Always draw the coin, so both policies consume the same random stream per task.
  const bool go_hot = std::uniform_real_distribution<double>(0, 1)(rng_) < hot_share_ &&
                      policy_ == DispatchPolicy::kHotSpot;
  candidates_.clear();
  if (go_hot) {
    for (std::size_t i = 0; i < n; ++i) {
      if (agents[i].spec().hot && usable(i)) candidates_.push_back(i);
    }
  }
  if (candidates_.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      if (usable(i)) candidates_.push_back(i);
    }
  }
  if (candidates_.empty()) return std::nullopt;
  return candidates_[std::uniform_int_distribution<std::size_t>(0, candidates_.size() - 1)(rng_)];
}

}  // namespace wss::sim
