// The task ledger: every in-flight task that has an id, and each agent's queue of them.
//
// Invariants:
// - A task is in the map exactly while it is in flight; its node's address never changes, so
//   the per-agent queues link nodes directly (intrusive, oldest first).
// - A linked task's `owner` is an in-use agent, and that agent's oldest..newest chain holds
//   exactly its `id_tasks` tasks, in the order they were assigned to it.
// - `pending_steal` names an executing operation or is kNoOperation.
// Owner thread only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "sidecar/core/agent_table.h"

namespace wss::core {

using OperationSeq = std::uint64_t;
inline constexpr OperationSeq kNoOperation = 0;  // operation sequence numbers start at 1

// One in-flight task with an id. 32 bytes, beside its key, in the map's node.
struct TaskRecord {
  TaskNode* older = nullptr;  // towards the head of the owner's queue
  TaskNode* newer = nullptr;
  AgentIndex owner = kNoAgent;
  SetId required = kEmptySet;
  OperationSeq pending_steal = kNoOperation;  // an unconfirmed steal names this task
};

class TaskLedger {
 public:
  // The task's node, and whether it is new (then it is not linked yet).
  std::pair<TaskNode*, bool> emplace(const std::string& id);
  [[nodiscard]] TaskNode* find(const std::string& id);
  [[nodiscard]] bool contains(const std::string& id) const { return tasks_.count(id) > 0; }
  // Unlinks the task from its owner and forgets it.
  void erase(TaskNode& node, AgentTable& agents);

  // Appends the task to the tail (newest end) of `owner`'s queue.
  static void link(TaskNode& node, AgentIndex owner, AgentTable& agents);
  static void unlink(TaskNode& node, AgentTable& agents);

  [[nodiscard]] std::size_t size() const { return tasks_.size(); }

 private:
  std::unordered_map<std::string, TaskRecord> tasks_;
};

}  // namespace wss::core
