// How the planner and bestAgent judge an agent: when its work would finish, whether it may
// give or take tasks, and whether a move is worth it. One place for each of these tests.
//
// An agent's estimate is ceil((backlog + ahead) / slots) * duration: `backlog` counts its
// promised steals, `ahead` the tasks its arrival rate brings within the look-ahead, and
// `duration` is its typical (median) task duration, or the fleet's before it has one: the
// median, because one heavy-tailed task must not make an agent look slow for 50 tasks.
// Pure; owner thread.
#pragma once

#include <cmath>
#include <cstdint>

#include "sidecar/core/agent_table.h"
#include "sidecar/core/coordinator_config.h"

namespace wss::core {

// Departed sources go first, and every capable target beats "never".
inline constexpr double kNever = 1e300;

struct Estimate {
  std::uint32_t backlog = 0;  // tasks it will hold once promised steals land
  std::uint32_t slots = 1;
  double duration = 0;      // mean task duration, ms
  std::uint32_t ahead = 0;  // tasks expected to arrive within the look-ahead

  // When the last of `tasks` tasks (plus those expected) would finish, from now.
  [[nodiscard]] double finishOf(std::uint32_t tasks) const {
    return std::ceil(static_cast<double>(tasks + ahead) / slots) * duration;
  }
  [[nodiscard]] double newestFinish() const { return finishOf(backlog); }
  [[nodiscard]] double appendedFinish() const { return finishOf(backlog + 1); }
};

class LoadModel {
 public:
  LoadModel(const CoordinatorConfig& config, double fleet_typical, TimeMs now)
      : config_(config), fleet_typical_(fleet_typical), now_(now) {}

  [[nodiscard]] std::uint32_t slotsOf(const Agent& agent) const;
  [[nodiscard]] Estimate estimate(const Agent& agent) const;
  // When a source's newest task would finish, counting what a running task that has run far
  // past the typical one is still expected to take (from its own durations). kNever for a
  // departed agent: its tasks go first.
  [[nodiscard]] double sourceFinish(const Agent& agent, const Estimate& estimate) const;
  // The heavy-tail part of sourceFinish: how much later than its estimate a live agent's
  // queue finishes because its running task has run long. Changes only with events.
  [[nodiscard]] double tailDelay(const Agent& agent, const Estimate& estimate) const;
  // When the agent counts as stale (silent past agentTimeout), on the core's clock.
  [[nodiscard]] TimeMs staleAt(const Agent& agent) const;
  [[nodiscard]] bool isStale(const Agent& agent) const;
  // Live, recently heard from, not benched for timed-out steals, not saying busy or offline.
  [[nodiscard]] bool canReceive(const Agent& agent) const;
  // Late binding: a target takes only what it can start within the look-ahead, so it is
  // offered tasks while its backlog is below this.
  [[nodiscard]] std::uint32_t targetCap(const Estimate& estimate) const;
  // May give tasks: departed with named tasks left, or holding more than it can run.
  [[nodiscard]] bool isSource(const Agent& agent, const Estimate& estimate) const;
  // The threshold test: a task whose source would finish at `source_finish` is worth moving
  // to a target that would finish it at `target_finish` (its appendedFinish) when that is
  // sooner by (stealThreshold - 1) of the target's typical durations.
  [[nodiscard]] bool worthMoving(double source_finish, double target_finish,
                                 double target_duration) const;
  // The look-ahead window: the reactive delay when stealing reacts to events, else the
  // steal interval (the next chance to correct a decision).
  [[nodiscard]] TimeMs lookAheadMs() const;

  [[nodiscard]] TimeMs now() const { return now_; }
  [[nodiscard]] const CoordinatorConfig& config() const { return config_; }

 private:
  const CoordinatorConfig& config_;
  double fleet_typical_;
  TimeMs now_;
};

}  // namespace wss::core
