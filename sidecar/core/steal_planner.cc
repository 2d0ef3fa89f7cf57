#include "sidecar/core/steal_planner.h"

#include <algorithm>

namespace wss::core {
namespace {

// Tasks of one source passed over (no capable or no better target) before it is set aside.
constexpr std::uint32_t kMaxMissesPerSource = 16;
// Sources set aside in a row before a decision gives up: bounds a decision's cost when the
// sources' tasks fit no target (capabilities), however many sources there are.
constexpr std::size_t kMaxParkedSources = 32;

std::uint64_t pairKey(AgentIndex source, AgentIndex target) {
  return (static_cast<std::uint64_t>(source) << 32) | target;
}

}  // namespace

StealPlanner::StealPlanner() = default;

void StealPlanner::touch(AgentIndex agent) {
  if (agent >= is_dirty_.size()) is_dirty_.resize(agent + 1, false);
  if (is_dirty_[agent]) return;
  is_dirty_[agent] = true;
  dirty_.push_back(agent);
}

void StealPlanner::touchAll(const AgentTable& agents) {
  for (AgentIndex i = 0; i < agents.slots(); ++i) touch(i);
}

void StealPlanner::refresh(const AgentTable& agents, const CapabilitySets& sets,
                           const LoadModel& model) {
  for (AgentIndex index : dirty_) {
    is_dirty_[index] = false;
    rekey(index, agents[index], sets, model);
  }
  dirty_.clear();
}

void StealPlanner::rekey(AgentIndex index, const Agent& agent, const CapabilitySets& sets,
                         const LoadModel& model) {
  if (!agent.in_use) {
    sources_.erase(index);
    leaveGroup(index);
    return;
  }
  const Estimate e = model.estimate(agent);
  if (model.isSource(agent, e)) {
    sources_.upsert({agent.departed ? kNever : e.newestFinish(), index});
  } else {
    sources_.erase(index);
  }
  if (!model.canReceive(agent) || e.backlog >= model.targetCap(e)) {
    leaveGroup(index);
    return;
  }
  const std::uint32_t group = groupOf(agent.capabilities, sets);
  if (index < group_of_agent_.size() && group_of_agent_[index] != group) leaveGroup(index);
  if (index >= group_of_agent_.size()) group_of_agent_.resize(index + 1, kNoGroup);
  TargetHeap& heap = groups_[group].targets;
  if (!heap.contains(index)) ++targets_;
  heap.upsert({e.appendedFinish(), groups_[group].scarcity, agent.cpu, index});
  group_of_agent_[index] = group;
}

void StealPlanner::leaveGroup(AgentIndex index) {
  if (index >= group_of_agent_.size() || group_of_agent_[index] == kNoGroup) return;
  TargetHeap& heap = groups_[group_of_agent_[index]].targets;
  if (heap.contains(index)) {
    heap.erase(index);
    --targets_;
  }
  group_of_agent_[index] = kNoGroup;
}

std::uint32_t StealPlanner::groupOf(SetId capabilities, const CapabilitySets& sets) {
  auto [it, inserted] = group_of_set_.try_emplace(capabilities, 0);
  if (inserted) {
    const auto scarcity = static_cast<std::uint32_t>(sets.namesInSet(capabilities));
    if (free_groups_.empty()) {
      it->second = static_cast<std::uint32_t>(groups_.size());
      groups_.push_back({capabilities, scarcity, TargetHeap(&target_pos_)});
    } else {
      it->second = free_groups_.back();
      free_groups_.pop_back();
      groups_[it->second] = {capabilities, scarcity, TargetHeap(&target_pos_)};
    }
    covering_.clear();  // a new group may cover needs seen before
  }
  return it->second;
}

void StealPlanner::forgetSet(SetId set) {
  covering_.clear();  // the id may name another set from now on, as a need too
  auto it = group_of_set_.find(set);
  if (it == group_of_set_.end()) return;
  Group& group = groups_[it->second];
  // Nobody holds the set, so no live agent is in the group; clear what stale entries remain.
  while (!group.targets.empty()) leaveGroup(group.targets.top().agent);
  group.live = false;
  free_groups_.push_back(it->second);
  group_of_set_.erase(it);
}

const std::vector<std::uint32_t>& StealPlanner::covering(SetId need, const CapabilitySets& sets) {
  auto [it, inserted] = covering_.try_emplace(need);
  if (inserted) {
    for (std::uint32_t g = 0; g < groups_.size(); ++g) {
      if (groups_[g].live && sets.covers(groups_[g].capabilities, need)) it->second.push_back(g);
    }
  }
  return it->second;
}

StealPlanner::Session StealPlanner::begin() {
  Session session;
  session.epoch_ = ++epoch_;
  return session;
}

std::optional<Move> StealPlanner::next(const AgentTable& agents, const CapabilitySets& sets,
                                       const LoadModel& model, Session& session) {
  refresh(agents, sets, model);
  while (targets_ > 0 && !sources_.empty() && session.parked_.size() < kMaxParkedSources) {
    const AgentIndex source = sources_.top().agent;
    if (auto move = moveFrom(source, agents, sets, model, session)) {
      auto [it, inserted] =
          session.pair_index_.try_emplace(pairKey(move->source, move->target),
                                          static_cast<std::uint32_t>(session.pair_sizes_.size()));
      if (inserted) session.pair_sizes_.push_back(0);
      ++session.pair_sizes_[it->second];
      move->pair = it->second;
      return move;
    }
    sources_.erase(source);  // nothing movable now: set aside for this decision
    session.parked_.push_back(source);
  }
  return std::nullopt;
}

void StealPlanner::finish(Session& session) {
  for (AgentIndex source : session.parked_) touch(source);
  session.parked_.clear();
}

std::optional<Move> StealPlanner::moveFrom(AgentIndex source, const AgentTable& agents,
                                           const CapabilitySets& sets, const LoadModel& model,
                                           Session& session) {
  const Agent& agent = agents[source];
  const Estimate e = model.estimate(agent);
  const double source_finish = model.sourceFinish(agent, e);
  if (source >= cursors_.size()) cursors_.resize(source + 1);
  Cursor& cursor = cursors_[source];
  if (cursor.epoch != session.epoch_) cursor = {agent.oldest, 0, 0, session.epoch_};
  while (cursor.misses < kMaxMissesPerSource) {
    TaskNode* node = cursor.next;
    SetId need = kEmptySet;
    if (node != nullptr) {
      cursor.next = node->second.newer;
      // A live agent's oldest `slots` tasks are probably running: never name them.
      if (!agent.departed && cursor.position++ < e.slots) continue;
      if (node->second.pending_steal != kNoOperation) continue;
      need = node->second.required;
    } else if (agent.departed || agent.count_tasks == 0 || agent.id_tasks > 0) {
      return std::nullopt;  // no named task left, and no anonymous one to give
    }
    const AgentIndex target = bestTarget(need, source, agents, sets, model, session);
    const Estimate te = target == kNoAgent ? Estimate{} : model.estimate(agents[target]);
    if (target == kNoAgent || (!agent.departed && !model.worthMoving(source_finish, te))) {
      if (node == nullptr) return std::nullopt;
      ++cursor.misses;
      continue;
    }
    Move move;
    move.source = source;
    move.target = target;
    move.task = node;
    move.source_finish = source_finish;
    move.target_finish = te.appendedFinish();
    return move;
  }
  return std::nullopt;
}

AgentIndex StealPlanner::bestTarget(SetId need, AgentIndex source, const AgentTable& agents,
                                    const CapabilitySets& sets, const LoadModel& model,
                                    Session& session) {
  const TargetEntry* best = nullptr;
  for (std::uint32_t g : covering(need, sets)) {
    TargetHeap& heap = groups_[g].targets;
    // Silence is the one thing that changes without an event: drop the stale as they surface.
    while (!heap.empty() && model.isStale(agents[heap.top().agent])) {
      const AgentIndex stale = heap.top().agent;
      leaveGroup(stale);
    }
    if (heap.empty()) continue;
    const TargetEntry& top = heap.top();
    if (top.agent == source) continue;
    auto pair = session.pair_index_.find(pairKey(source, top.agent));
    if (pair != session.pair_index_.end() &&
        session.pair_sizes_[pair->second] >= model.config().max_steal_batch) {
      continue;
    }
    if (best == nullptr || TargetFirst{}(top, *best)) best = &top;
  }
  return best == nullptr ? kNoAgent : best->agent;
}

}  // namespace wss::core
