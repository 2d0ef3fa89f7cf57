// One simulated agent: a FIFO queue feeding `concurrency` execution slots at a given speed.
//
// Pure state, no NATS and no clock: the simulation tells it the time. It tracks how busy its
// slots were so agent.metrics can report a real utilisation.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "bench/fleet_sim/scenario.h"
#include "sidecar/core/events.h"

namespace wss::sim {

using TaskIndex = std::uint32_t;

class Agent {
 public:
  explicit Agent(const AgentSpec& spec) : spec_(spec) {}

  [[nodiscard]] const AgentSpec& spec() const { return spec_; }
  [[nodiscard]] bool alive() const { return alive_; }
  [[nodiscard]] bool canRun(const std::vector<std::string>& required) const {
    return covers(spec_.capabilities, required);
  }

  // Comes online at `now` (before this it receives nothing).
  void join(Us now);
  // Goes offline at `now`: returns every task it held, queued and running, now orphaned.
  [[nodiscard]] std::vector<TaskIndex> die(Us now);

  void enqueue(TaskIndex task) { queue_.push_back(task); }
  // Removes `task` from the queue if it is still waiting there (not started).
  bool removeQueued(TaskIndex task);
  [[nodiscard]] const std::deque<TaskIndex>& queue() const { return queue_; }

  // Starts the next queued task if a slot is free; the caller schedules its completion.
  [[nodiscard]] std::optional<TaskIndex> startNext(Us now);
  // A running task ended (completed or failed) at `now`.
  void finish(TaskIndex task, Us now);
  [[nodiscard]] std::uint32_t running() const {
    return static_cast<std::uint32_t>(running_.size());
  }
  // Work-ms / speed: the wall time `work_ms` takes here.
  [[nodiscard]] Us durationUs(double work_ms) const {
    return static_cast<Us>(work_ms / spec_.speed * kUsPerMs);
  }

  // Slot utilisation in % since the previous call (or since joining); resets the window.
  [[nodiscard]] double takeUtilisation(Us now);
  [[nodiscard]] core::AgentStatus status() const;

 private:
  void account(Us now);

  AgentSpec spec_;
  bool alive_ = false;
  std::deque<TaskIndex> queue_;
  std::vector<TaskIndex> running_;
  // Busy slot-time integral over the current metrics window.
  Us window_start_ = 0;
  Us last_change_ = 0;
  double busy_slot_us_ = 0;
};

}  // namespace wss::sim
