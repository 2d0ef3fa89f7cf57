#include "sidecar/core/task_ledger.h"

#include <cassert>

namespace wss::core {

TaskIndex TaskLedger::insert(std::string_view id) {
  assert(!contains(id));
  TaskIndex task;
  if (free_.empty()) {
    task = static_cast<TaskIndex>(records_.size());
    records_.emplace_back();
  } else {
    task = free_.back();
    free_.pop_back();
  }
  records_[task].id.assign(id);
  index_.insert(id, task);
  return task;
}

TaskIndex TaskLedger::find(std::string_view id) const {
  const std::uint32_t at = index_.find(id, idOf());
  return at == FlatIndex::kNone ? kNoTask : at;
}

void TaskLedger::erase(TaskIndex task, AgentTable& agents) {
  unlink(task, agents);
  index_.erase(records_[task].id, idOf());
  // Reset: a reused record starts clean, and an id too long to sit inline is freed.
  records_[task] = TaskRecord{};
  free_.push_back(task);
}

void TaskLedger::link(TaskIndex task, AgentIndex owner, AgentTable& agents) {
  Agent& agent = agents[owner];
  TaskRecord& record = records_[task];
  record.owner = owner;
  record.older = agent.newest;
  record.newer = kNoTask;
  if (agent.newest != kNoTask) {
    records_[agent.newest].newer = task;
  } else {
    agent.oldest = task;
  }
  agent.newest = task;
  ++agent.id_tasks;
}

void TaskLedger::unlink(TaskIndex task, AgentTable& agents) {
  TaskRecord& record = records_[task];
  Agent& agent = agents[record.owner];
  (record.older != kNoTask ? records_[record.older].newer : agent.oldest) = record.newer;
  (record.newer != kNoTask ? records_[record.newer].older : agent.newest) = record.older;
  record.older = record.newer = kNoTask;
  assert(agent.id_tasks > 0);
  --agent.id_tasks;
  record.owner = kNoAgent;
}

}  // namespace wss::core
