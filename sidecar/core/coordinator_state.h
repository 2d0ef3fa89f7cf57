// Internal: the coordinator's state, shared by coordinator.cc (events, views) and
// steal_planner.cc (steal rounds). Not part of the public surface.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sidecar/core/arrival_rate.h"
#include "sidecar/core/capability_sets.h"
#include "sidecar/core/coordinator.h"
#include "sidecar/core/duration_window.h"

namespace wss::core {

using AgentIndex = std::uint32_t;
using OperationSeq = std::uint64_t;
inline constexpr AgentIndex kNoAgent = std::numeric_limits<AgentIndex>::max();
inline constexpr OperationSeq kNoOperation = 0;  // operation sequence numbers start at 1

struct TaskRecord;
using TaskMap = std::unordered_map<std::string, TaskRecord>;
using TaskNode = TaskMap::value_type;  // node addresses are stable: the list links them

// One in-flight task with an id. 32 bytes, beside its key, in the task map's node.
struct TaskRecord {
  TaskNode* older = nullptr;  // towards the head of the owner's queue
  TaskNode* newer = nullptr;
  AgentIndex owner = kNoAgent;
  SetId required = kEmptySet;
  OperationSeq pending_steal = kNoOperation;  // an unconfirmed steal names this task
};

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
  TaskNode* oldest = nullptr;
  TaskNode* newest = nullptr;
  std::uint32_t id_tasks = 0;     // tasks with ids, linked oldest..newest
  std::uint32_t count_tasks = 0;  // tasks without ids (count-only fleets)
  std::uint32_t incoming = 0;     // tasks promised to it by unconfirmed steals
  std::uint32_t outgoing = 0;     // its tasks named by unconfirmed steals
  DurationWindow durations;
  ArrivalRate arrivals;  // new tasks assigned to it (not moves)

  [[nodiscard]] std::uint32_t held() const { return id_tasks + count_tasks; }
  // What it will hold once its unconfirmed steals land: promised tasks in, named tasks out.
  [[nodiscard]] std::uint32_t backlog() const {
    return held() + incoming - std::min(outgoing, held());
  }
};

struct Operation {
  OperationSeq seq = kNoOperation;
  std::string id;
  std::string source;
  std::string target;
  // While the operation executes, both agents hold a stake in it (the source its named tasks,
  // the target its incoming count), so neither slot can be freed or reused until it ends.
  AgentIndex source_index = kNoAgent;
  AgentIndex target_index = kNoAgent;
  std::vector<std::string> task_ids;
  std::uint32_t tasks_to_steal = 0;
  std::uint32_t confirmed = 0;
  std::uint32_t resolved = 0;  // confirmed, or known not to move (done elsewhere, timed out)
  std::string reason;
  OperationStatus status = OperationStatus::kPlanned;
  TimeMs start = 0;
  TimeMs end = -1;
};

struct Coordinator::State {
  explicit State(CoordinatorConfig c) : config(std::move(c)) {}

  CoordinatorConfig config;
  Counters counters;
  CapabilitySets capability_sets;

  std::vector<Agent> agents;  // by AgentIndex; slots are reused
  std::vector<AgentIndex> free_slots;
  std::unordered_map<std::string, AgentIndex> agent_index;
  std::size_t departed_agents = 0;

  TaskMap tasks;

  std::deque<Operation> operations;  // by seq, oldest first
  OperationSeq next_seq = 1;
  std::vector<OperationSeq> pending;  // executing operations

  // --- agents ---
  AgentIndex findAgent(const std::string& id) const;
  AgentIndex touchAgent(const std::string& id, TimeMs now);
  void removeAgent(AgentIndex index);
  void removeIfDrained(AgentIndex index);
  [[nodiscard]] bool isStale(const Agent& agent, TimeMs now) const;
  [[nodiscard]] std::uint32_t concurrencyOf(const Agent& agent) const;
  [[nodiscard]] bool isOverloaded(const Agent& agent) const;
  [[nodiscard]] bool isUnderloaded(const Agent& agent) const;
  [[nodiscard]] bool canReceive(const Agent& agent, TimeMs now) const;
  [[nodiscard]] double fleetMeanDuration() const;
  [[nodiscard]] AgentView view(const Agent& agent, TimeMs now) const;

  // --- tasks ---
  void link(TaskNode& node, AgentIndex owner);
  void unlink(TaskNode& node);

  // --- operations ---
  [[nodiscard]] const Operation* findOperation(OperationSeq seq) const;
  Operation* findOperation(OperationSeq seq) {
    return const_cast<Operation*>(std::as_const(*this).findOperation(seq));
  }
  // The task named by `seq` will not move (done, moved elsewhere, timed out).
  void resolveSteal(TaskNode& node, bool moved, TimeMs now);
  void finishIfResolved(Operation& op, TimeMs now);
  void expireSteals(TimeMs now);

  // --- events ---
  Outcome onAssigned(const TaskAssigned& e, TimeMs now);
  Outcome onFinished(const std::string& agent_id, const std::string& task_id,
                     std::optional<double> duration_ms, TimeMs now);
  Outcome onMetrics(const AgentMetrics& e, TimeMs now);

  // --- steal rounds (steal_planner.cc) ---
  std::vector<StealOrder> planRound(TimeMs now);
};

}  // namespace wss::core
