// Steal decisions and their life: from the planner's moves to operations and orders, and
// from confirmation or timeout to their end.
#include <algorithm>
#include <cassert>
#include <cmath>

#include "sidecar/core/coordinator_state.h"

namespace wss::core {
namespace {

// Keys are re-computed for every agent when the fleet's typical duration moved this much since
// they were: agents without their own durations are estimated with it.
constexpr double kFleetTypicalDrift = 0.2;

std::string formatReason(const Agent& source, const Agent& target, const Move& move) {
  std::string reason;
  reason.reserve(96 + source.id.size() + target.id.size());
  if (source.departed) {
    reason.append("re-home from departed agent ").append(source.id);
  } else {
    reason.append("rebalance ").append(source.id).append(" (newest task done in ~");
    reason.append(std::to_string(std::llround(move.source_finish))).append(" ms)");
  }
  reason.append(" -> ").append(target.id).append(" (done in ~");
  reason.append(std::to_string(std::llround(move.target_finish))).append(" ms)");
  return reason;
}

}  // namespace

std::vector<StealOrder> Coordinator::State::decide(TimeMs now) {
  releaseBenched(now);
  const LoadModel m = model(now);
  const double typical = agents.fleetTypicalDuration(config.default_task_duration_ms);
  if (std::abs(typical - keyed_fleet_typical) > kFleetTypicalDrift * keyed_fleet_typical) {
    planner.touchAll(agents);
    keyed_fleet_typical = typical;
  }
  StealPlanner::Session session = planner.begin();
  Decision decision;
  while (auto move = planner.next(agents, tasks, capability_sets, m, session)) {
    applyMove(*move, now, decision);
  }
  planner.finish(session);
  decision_wanted = false;  // its own moves need no further decision
  settle();
  return issue(decision, now);
}

void Coordinator::State::applyMove(const Move& move, TimeMs now, Decision& decision) {
  Agent& source = agents[move.source];
  Agent& target = agents[move.target];
  if (move.pair == decision.issued.size()) {  // the pair's first move
    Operation& op = operations.append();
    op.id = config.operation_id_prefix + "-" + std::to_string(op.seq);
    op.source = source.id;
    op.target = target.id;
    op.source_index = move.source;
    op.target_index = move.target;
    op.reason = formatReason(source, target, move);
    op.start = now;
    op.status = OperationStatus::kExecuting;
    decision.issued.push_back(op.seq);
  }
  Operation& op = *operations.find(decision.issued[move.pair]);
  ++op.tasks_to_steal;
  if (move.task != kNoTask) {
    op.tasks.push_back(move.task);
    op.task_ids.push_back(tasks[move.task].id);
    tasks[move.task].pending_steal = op.seq;
    ++source.outgoing;
    ++target.incoming;
  } else {
    // Count-only fleets cannot confirm: the reference design's optimistic move.
    --source.count_tasks;
    ++target.count_tasks;
    ++op.confirmed;
    ++op.resolved;
    ++counters.tasks_moved;
  }
  changed(move.source);
  changed(move.target);
}

std::vector<StealOrder> Coordinator::State::issue(const Decision& decision, TimeMs now) {
  std::vector<StealOrder> orders;
  orders.reserve(decision.issued.size());
  for (OperationSeq seq : decision.issued) {
    Operation& op = *operations.find(seq);
    ++counters.steals_issued;
    if (op.task_ids.empty()) {
      op.status = OperationStatus::kCompleted;
      op.end = now;
      ++counters.steals_confirmed;
    } else {
      operations.markPending(seq);
    }
    StealOrder order;
    order.operation_id = op.id;
    order.source_agent_id = op.source;
    order.target_agent_id = op.target;
    order.tasks_to_steal = op.tasks_to_steal;
    order.task_ids = op.task_ids;
    order.reason = op.reason;
    order.sequence = op.seq;
    orders.push_back(std::move(order));
  }
  return orders;
}

void Coordinator::State::resolveSteal(TaskIndex index, bool moved, TimeMs now) {
  TaskRecord& task = tasks[index];
  Operation* op = operations.find(task.pending_steal);
  task.pending_steal = kNoOperation;
  if (op == nullptr) return;
  const AgentIndex source = op->source_index;
  const AgentIndex target = op->target_index;
  assert(agents[source].in_use && agents[target].in_use);
  if (agents[source].outgoing > 0) --agents[source].outgoing;
  if (agents[target].incoming > 0) --agents[target].incoming;
  changed(source);
  changed(target);
  ++op->resolved;
  if (moved) {
    ++op->confirmed;
    ++counters.tasks_moved;
    agents[target].timed_out_steals = 0;
  }
  finishIfResolved(*op, now);
  removeIfDrained(source);
  if (target != source) removeIfDrained(target);
}

void Coordinator::State::finishIfResolved(Operation& op, TimeMs now) {
  if (op.status != OperationStatus::kExecuting || op.resolved < op.tasks_to_steal) return;
  op.end = now;
  if (op.confirmed > 0) {
    op.status = OperationStatus::kCompleted;
    ++counters.steals_confirmed;
  } else {
    op.status = OperationStatus::kFailed;
    ++counters.steals_failed;
  }
}

void Coordinator::State::expireSteals(TimeMs now) {
  const std::vector<OperationSeq> expired = operations.takeExpired([&](const Operation& op) {
    return agents[op.target_index].departed || now - op.start >= config.steal_timeout_ms;
  });
  for (OperationSeq seq : expired) {
    Operation& op = *operations.find(seq);
    // Not confirmed in time: the tasks count with their source again.
    bool timed_out = false;
    for (const TaskIndex task : op.tasks) {
      // A record freed and reused since names another operation or none: seqs never repeat.
      if (tasks[task].pending_steal != seq) continue;
      ++counters.tasks_returned;
      timed_out = true;
      resolveSteal(task, /*moved=*/false, now);
    }
    if (timed_out && op.confirmed == 0 && agents[op.target_index].in_use) {
      benchTarget(op.target_index, now);
    }
    // Tasks that vanished without a word (should not happen) still end the operation.
    op.resolved = op.tasks_to_steal;
    finishIfResolved(op, now);
  }
}

void Coordinator::State::benchTarget(AgentIndex index, TimeMs now) {
  Agent& target = agents[index];
  ++target.timed_out_steals;
  // stealTimeout, doubling with each timeout in a row, up to 64 of them.
  const std::uint32_t doublings = std::min<std::uint32_t>(target.timed_out_steals - 1, 6);
  target.benched_until = now + (config.steal_timeout_ms << doublings);
  benched.push({target.benched_until, index});
  ++counters.targets_benched;
  changed(index);
}

void Coordinator::State::releaseBenched(TimeMs now) {
  while (!benched.empty() && benched.top().first <= now) {
    const auto [until, index] = benched.top();
    benched.pop();
    // A slot freed, reused or benched again since has another deadline: not this entry's.
    if (agents[index].in_use && agents[index].benched_until == until) changed(index);
  }
}

void Coordinator::State::withdraw(OperationSeq seq, TimeMs now) {
  Operation* op = operations.find(seq);
  if (op == nullptr || op->status != OperationStatus::kExecuting) return;
  for (const TaskIndex task : op->tasks) {
    if (tasks[task].pending_steal != seq) continue;
    ++counters.tasks_returned;
    resolveSteal(task, /*moved=*/false, now);
  }
  op->resolved = op->tasks_to_steal;
  finishIfResolved(*op, now);
}

std::uint32_t Coordinator::State::adopt(const StealOrder& order, TimeMs now) {
  const AgentIndex source = agents.find(order.source_agent_id);
  const AgentIndex target = agents.find(order.target_agent_id);
  if (source == kNoAgent || target == kNoAgent || source == target) {
    counters.tasks_not_adopted += std::max<std::size_t>(order.task_ids.size(), 1);
    return 0;
  }
  if (!order.task_ids.empty()) return adoptNamed(order, source, target, now);
  // Count-only: the issuer moved the count optimistically; so does this replica.
  const std::uint32_t moved = std::min(order.tasks_to_steal, agents[source].count_tasks);
  if (moved == 0) return 0;
  Operation& op = openAdopted(order, source, target, now);
  op.tasks_to_steal = op.confirmed = op.resolved = moved;
  op.status = OperationStatus::kCompleted;
  op.end = now;
  agents[source].count_tasks -= moved;
  agents[target].count_tasks += moved;
  changed(source);
  changed(target);
  return moved;
}

std::uint32_t Coordinator::State::adoptNamed(const StealOrder& order, AgentIndex source,
                                             AgentIndex target, TimeMs now) {
  Operation* op = nullptr;
  for (const std::string& id : order.task_ids) {
    const TaskIndex task = tasks.find(id);
    // Already moved (its confirmation came first), done, or under another steal: not ours.
    if (task == kNoTask || tasks[task].owner != source ||
        tasks[task].pending_steal != kNoOperation) {
      ++counters.tasks_not_adopted;
      continue;
    }
    if (op == nullptr) op = &openAdopted(order, source, target, now);
    op->tasks.push_back(task);
    op->task_ids.push_back(id);
    ++op->tasks_to_steal;
    tasks[task].pending_steal = op->seq;
    ++agents[source].outgoing;
    ++agents[target].incoming;
  }
  if (op == nullptr) return 0;
  operations.markPending(op->seq);
  counters.tasks_adopted += op->tasks_to_steal;
  changed(source);
  changed(target);
  return op->tasks_to_steal;
}

Operation& Coordinator::State::openAdopted(const StealOrder& order, AgentIndex source,
                                          AgentIndex target, TimeMs now) {
  Operation& op = operations.append();
  op.id = order.operation_id;
  op.source = agents[source].id;
  op.target = agents[target].id;
  op.source_index = source;
  op.target_index = target;
  op.reason = order.reason;
  op.start = now;
  op.status = OperationStatus::kExecuting;
  ++counters.steals_adopted;
  return op;
}

}  // namespace wss::core
