#include "sidecar/core/task_ledger.h"

#include <cassert>

namespace wss::core {

std::pair<TaskNode*, bool> TaskLedger::emplace(const std::string& id) {
  auto [it, inserted] = tasks_.try_emplace(id);
  return {&*it, inserted};
}

TaskNode* TaskLedger::find(const std::string& id) {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : &*it;
}

void TaskLedger::erase(TaskNode& node, AgentTable& agents) {
  unlink(node, agents);
  tasks_.erase(node.first);
}

void TaskLedger::link(TaskNode& node, AgentIndex owner, AgentTable& agents) {
  Agent& agent = agents[owner];
  TaskRecord& task = node.second;
  task.owner = owner;
  task.older = agent.newest;
  task.newer = nullptr;
  if (agent.newest != nullptr) {
    agent.newest->second.newer = &node;
  } else {
    agent.oldest = &node;
  }
  agent.newest = &node;
  ++agent.id_tasks;
}

void TaskLedger::unlink(TaskNode& node, AgentTable& agents) {
  TaskRecord& task = node.second;
  Agent& agent = agents[task.owner];
  (task.older != nullptr ? task.older->second.newer : agent.oldest) = task.newer;
  (task.newer != nullptr ? task.newer->second.older : agent.newest) = task.older;
  task.older = task.newer = nullptr;
  assert(agent.id_tasks > 0);
  --agent.id_tasks;
  task.owner = kNoAgent;
}

}  // namespace wss::core
