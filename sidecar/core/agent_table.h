// The agent table: every agent the coordinator knows, by a dense index.
//
// Invariants:
// - `index_` maps each in-use agent's id (stored once, in its Agent) to its slot, and nothing
//   else; a freed slot is on `free_` and holds a default Agent, so a reused slot starts clean.
// - `order_` holds exactly the in-use slots (agent_order.h).
// - `typical_sum_` / `with_typical_` are the sum and count of the typical (median) durations
//   of in-use agents that have recorded one, so the fleet-wide typical duration costs O(1);
//   maintenance re-sums them exactly.
// Owner thread only, like the rest of the core.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/core/agent_order.h"
#include "sidecar/core/arrival_rate.h"
#include "sidecar/core/capability_sets.h"
#include "sidecar/core/duration_window.h"
#include "sidecar/core/events.h"
#include "sidecar/core/flat_index.h"

namespace wss::core {

using AgentIndex = std::uint32_t;
inline constexpr AgentIndex kNoAgent = std::numeric_limits<AgentIndex>::max();

// A task's slot in the task ledger (task_ledger.h).
using TaskIndex = std::uint32_t;
inline constexpr TaskIndex kNoTask = std::numeric_limits<TaskIndex>::max();

struct Agent {
  std::string id;
  bool in_use = false;
  bool departed = false;  // said offline; kept only until its tasks are re-homed or done
  AgentStatus status = AgentStatus::kUnspecified;
  SetId capabilities = kEmptySet;
  float cpu = 0;
  float memory = 0;
  std::int32_t priority = 1;
  std::uint32_t concurrency = 0;  // 0: the configured default
  TimeMs last_seen = 0;
  TimeMs slot_started = 0;     // when its most recently started task started (best knowledge)
  TaskIndex oldest = kNoTask;  // its queue of tasks with ids (see task_ledger.h)
  TaskIndex newest = kNoTask;
  std::uint32_t id_tasks = 0;     // tasks with ids, linked oldest..newest
  std::uint32_t count_tasks = 0;  // tasks without ids (count-only fleets)
  std::uint32_t incoming = 0;     // tasks promised to it by unconfirmed steals
  std::uint32_t outgoing = 0;     // its tasks named by unconfirmed steals
  // Steals to it that timed out in a row, and until when it is no target because of them
  // (an agent that never confirms, such as one a hostile client made up, must not keep
  // attracting tasks that then wait out stealTimeout).
  std::uint32_t timed_out_steals = 0;
  TimeMs benched_until = 0;
  DurationWindow durations;
  ArrivalRate arrivals;  // new tasks assigned to it (not moves)

  [[nodiscard]] std::uint32_t held() const { return id_tasks + count_tasks; }
  // What it will hold once its unconfirmed steals land: promised tasks in, named tasks out.
  [[nodiscard]] std::uint32_t backlog() const {
    return held() + incoming - std::min(outgoing, held());
  }
};

class AgentTable {
 public:
  AgentTable() = default;
  AgentTable(const AgentTable&) = delete;
  AgentTable& operator=(const AgentTable&) = delete;

  [[nodiscard]] AgentIndex find(std::string_view id) const;
  // The agent's index, creating it on first sight; marks it seen at `now`.
  AgentIndex touch(std::string_view id, TimeMs now);
  // Frees the slot. The agent must hold no task with an id.
  void remove(AgentIndex index);

  // Records a duration and keeps the fleet-wide typical duration in step.
  void recordDuration(AgentIndex index, double duration_ms, std::uint32_t window);
  // The mean of the agents' typical durations; `fallback` when none has any.
  [[nodiscard]] double fleetTypicalDuration(double fallback) const;
  // Re-sums the fleet figure exactly (floating error never accumulates past a maintenance).
  void resumTypical();

  Agent& operator[](AgentIndex index) { return agents_[index]; }
  const Agent& operator[](AgentIndex index) const { return agents_[index]; }
  [[nodiscard]] AgentIndex slots() const { return static_cast<AgentIndex>(agents_.size()); }
  [[nodiscard]] std::size_t live() const { return index_.size(); }
  [[nodiscard]] const std::vector<Agent>& all() const { return agents_; }
  // Up to `limit` in-use slots in id order, after the id `after` (empty: from the first).
  [[nodiscard]] std::vector<AgentIndex> byId(std::string_view after, std::size_t limit) const {
    return order_.page(after, limit);
  }

 private:
  void forgetTypical(const Agent& agent);
  [[nodiscard]] auto idOf() const {
    return [this](std::uint32_t at) { return std::string_view(agents_[at].id); };
  }

  std::vector<Agent> agents_;  // by AgentIndex; slots are reused
  std::vector<AgentIndex> free_;
  FlatIndex index_;
  AgentOrder order_{&agents_};  // refers to agents_: the table is neither copied nor moved
  double typical_sum_ = 0;
  std::size_t with_typical_ = 0;
};

}  // namespace wss::core
