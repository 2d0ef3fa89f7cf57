// The task ledger: every in-flight task that has an id, and each agent's queue of them.
//
// Tasks live in one vector of records by a dense TaskIndex (freed slots are reused), found by
// id through a FlatIndex: no allocation per task for ids of up to 15 bytes, 64 bytes a task.
//
// Invariants:
// - A record is in use exactly while its task is in flight; the index maps each in-use
//   record's id to it, and nothing else. A freed record is on `free_` and reset, so a reused
//   one starts clean (no owner, no pending steal).
// - An in-use record that is linked has an in-use `owner`, and that agent's oldest..newest
//   chain holds exactly its `id_tasks` tasks, in the order they were assigned to it.
// - `pending_steal` names an executing operation or is kNoOperation.
// Owner thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sidecar/core/agent_table.h"
#include "sidecar/core/flat_index.h"

namespace wss::core {

using OperationSeq = std::uint64_t;
inline constexpr OperationSeq kNoOperation = 0;  // operation sequence numbers start at 1

// One in-flight task with an id.
struct TaskRecord {
  std::string id;                // empty: the record is free
  TaskIndex older = kNoTask;     // towards the head of the owner's queue
  TaskIndex newer = kNoTask;
  AgentIndex owner = kNoAgent;
  SetId required = kEmptySet;
  OperationSeq pending_steal = kNoOperation;  // an unconfirmed steal names this task
};

class TaskLedger {
 public:
  // A new task's index (not linked yet); `id` must not be in the ledger.
  TaskIndex insert(std::string_view id);
  [[nodiscard]] TaskIndex find(std::string_view id) const;
  [[nodiscard]] bool contains(std::string_view id) const { return find(id) != kNoTask; }
  // Unlinks the task from its owner and forgets it.
  void erase(TaskIndex task, AgentTable& agents);

  // Appends the task to the tail (newest end) of `owner`'s queue.
  void link(TaskIndex task, AgentIndex owner, AgentTable& agents);
  void unlink(TaskIndex task, AgentTable& agents);

  TaskRecord& operator[](TaskIndex task) { return records_[task]; }
  const TaskRecord& operator[](TaskIndex task) const { return records_[task]; }
  [[nodiscard]] std::size_t size() const { return index_.size(); }

 private:
  [[nodiscard]] auto idOf() const {
    return [this](std::uint32_t at) { return std::string_view(records_[at].id); };
  }

  std::vector<TaskRecord> records_;
  std::vector<TaskIndex> free_;
  FlatIndex index_;
};

}  // namespace wss::core
