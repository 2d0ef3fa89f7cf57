#include "sidecar/core/steal_planner.h"

#include <algorithm>

namespace wss::core {
namespace {

// Tasks of one source passed over (no capable or no better target) before it is set aside.
constexpr std::uint32_t kMaxMissesPerSource = 16;
// Sources set aside in a row before a decision gives up: bounds a decision's cost when the
// sources' tasks fit no target (capabilities), however many sources there are.
constexpr std::size_t kMaxParkedSources = 32;
// A refresh re-keys agent by agent while fewer than 1 in this many live agents are dirty, and
// rebuilds the heaps beyond.
constexpr std::size_t kRebuildShare = 8;

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
  // Most agents changed at once (a sweep's expiry, a reload): heapify anew, O(n), instead of
  // n sifts through heaps far bigger than the cache.
  if (dirty_.size() * kRebuildShare > agents.live()) {
    rebuild(agents, sets, model);
    return;
  }
  for (AgentIndex index : dirty_) {
    is_dirty_[index] = false;
    rekey(index, agents[index], sets, model);
  }
  dirty_.clear();
}

StealPlanner::Keys StealPlanner::keysOf(AgentIndex index, const Agent& agent,
                                        const CapabilitySets& sets, const LoadModel& model) {
  Keys keys;
  if (!agent.in_use) return keys;
  const Estimate e = model.estimate(agent);
  keys.source = model.isSource(agent, e);
  keys.source_finish = agent.departed ? kNever : e.newestFinish();
  if (!model.canReceive(agent)) return keys;
  keys.group = groupOf(agent.capabilities, sets);
  keys.saturated = e.backlog >= model.targetCap(e);
  keys.target = {e.appendedFinish(), model.staleAt(agent), static_cast<float>(e.duration),
                 groups_[keys.group].scarcity, agent.cpu, index};
  return keys;
}

void StealPlanner::rekey(AgentIndex index, const Agent& agent, const CapabilitySets& sets,
                         const LoadModel& model) {
  const Keys keys = keysOf(index, agent, sets, model);
  if (keys.source) {
    sources_.upsert({keys.source_finish, index});
  } else {
    sources_.erase(index);
  }
  if (index < group_of_agent_.size() && group_of_agent_[index] != keys.group) leaveGroup(index);
  if (keys.group == kNoGroup) return;
  if (index >= group_of_agent_.size()) {
    group_of_agent_.resize(index + 1, kNoGroup);
    saturated_.resize(index + 1, false);
  }
  Group& group = groups_[keys.group];
  if (keys.saturated) {
    if (group.targets.contains(index)) {
      group.targets.erase(index);
      --targets_;
    }
  } else {
    if (!group.targets.contains(index)) ++targets_;
    group.targets.upsert(keys.target);
  }
  group_of_agent_[index] = keys.group;
  saturated_[index] = keys.saturated;
  markSaturatedDirty(index);  // its saturated entry waits for a request (see the header)
}

void StealPlanner::markSaturatedDirty(AgentIndex index) {
  if (index >= is_saturated_dirty_.size()) is_saturated_dirty_.resize(index + 1, false);
  if (is_saturated_dirty_[index]) return;
  is_saturated_dirty_[index] = true;
  saturated_dirty_.push_back(index);
}

void StealPlanner::settleSaturated(const AgentTable& agents, const CapabilitySets& sets,
                                   const LoadModel& model) {
  // Long without a request, most agents changed: heapify anew, O(n), as refresh does.
  if (saturated_dirty_.size() * kRebuildShare > agents.live()) {
    rebuild(agents, sets, model);
    return;
  }
  for (AgentIndex index : saturated_dirty_) {
    is_saturated_dirty_[index] = false;
    const std::uint32_t group = group_of_agent_[index];
    if (group == kNoGroup) continue;  // it left its group, entries and all
    if (!saturated_[index]) {
      groups_[group].saturated.erase(index);
      continue;
    }
    // Its figures now; keysOf may add a group, so no Group& is held across it.
    const Keys keys = keysOf(index, agents[index], sets, model);
    if (keys.group != group || !keys.saturated) {
      groups_[group].saturated.erase(index);
      touch(index);  // changed since its re-key: the next refresh places it
      continue;
    }
    groups_[group].saturated.upsert(keys.target);
  }
  saturated_dirty_.clear();
}

void StealPlanner::rebuild(const AgentTable& agents, const CapabilitySets& sets,
                           const LoadModel& model) {
  for (AgentIndex index : dirty_) is_dirty_[index] = false;
  dirty_.clear();
  for (AgentIndex index : saturated_dirty_) is_saturated_dirty_[index] = false;
  saturated_dirty_.clear();  // every saturated heap is built anew below
  sources_.clear();
  for (Group& group : groups_) {
    group.targets.clear();
    group.saturated.clear();
  }
  group_of_agent_.assign(agents.slots(), kNoGroup);
  saturated_.assign(agents.slots(), false);
  targets_ = 0;
  std::vector<SourceEntry> sources;
  // By group: [2g] below the cap, [2g + 1] at or past it.
  std::vector<std::vector<TargetEntry>> heaps(2 * groups_.size());
  for (AgentIndex index = 0; index < agents.slots(); ++index) {
    const Keys keys = keysOf(index, agents[index], sets, model);
    if (keys.source) sources.push_back({keys.source_finish, index});
    if (keys.group == kNoGroup) continue;
    if (2 * keys.group >= heaps.size()) heaps.resize(2 * groups_.size());  // a group made now
    heaps[2 * keys.group + (keys.saturated ? 1 : 0)].push_back(keys.target);
    group_of_agent_[index] = keys.group;
    saturated_[index] = keys.saturated;
    if (!keys.saturated) ++targets_;
  }
  sources_.assign(std::move(sources));
  for (std::uint32_t g = 0; 2 * g < heaps.size(); ++g) {
    groups_[g].targets.assign(std::move(heaps[2 * g]));
    groups_[g].saturated.assign(std::move(heaps[2 * g + 1]));
  }
}

void StealPlanner::leaveGroup(AgentIndex index) {
  if (index >= group_of_agent_.size() || group_of_agent_[index] == kNoGroup) return;
  Group& group = groups_[group_of_agent_[index]];
  group.saturated.erase(index);
  if (group.targets.contains(index)) {
    group.targets.erase(index);
    --targets_;
  }
  group_of_agent_[index] = kNoGroup;
  saturated_[index] = false;
}

std::uint32_t StealPlanner::groupOf(SetId capabilities, const CapabilitySets& sets) {
  auto [it, inserted] = group_of_set_.try_emplace(capabilities, 0);
  if (inserted) {
    const auto scarcity = static_cast<std::uint32_t>(sets.namesInSet(capabilities));
    if (free_groups_.empty()) {
      it->second = static_cast<std::uint32_t>(groups_.size());
      groups_.push_back(
          {capabilities, scarcity, TargetHeap(&target_pos_), TargetHeap(&saturated_pos_)});
    } else {
      it->second = free_groups_.back();
      free_groups_.pop_back();
      groups_[it->second] = {capabilities, scarcity, TargetHeap(&target_pos_),
                             TargetHeap(&saturated_pos_)};
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
  while (!group.saturated.empty()) leaveGroup(group.saturated.top().agent);
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
  pairs_.reset();
  return session;
}

std::optional<Move> StealPlanner::next(const AgentTable& agents, const TaskLedger& tasks,
                                       const CapabilitySets& sets, const LoadModel& model,
                                       Session& session) {
  refresh(agents, sets, model);
  while (targets_ > 0 && !sources_.empty() && session.parked_.size() < kMaxParkedSources) {
    const AgentIndex source = sources_.top().agent;
    if (auto move = moveFrom(source, agents, tasks, sets, model, session)) {
      move->pair = pairs_.add(move->source, move->target);
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
                                           const TaskLedger& tasks, const CapabilitySets& sets,
                                           const LoadModel& model, Session& session) {
  const Agent& agent = agents[source];
  const Estimate e = model.estimate(agent);
  if (source >= cursors_.size()) cursors_.resize(source + 1);
  Cursor& cursor = cursors_[source];
  if (cursor.epoch != session.epoch_) {
    cursor = {agent.oldest, 0, 0, session.epoch_, agent.departed ? 0 : model.tailDelay(agent, e)};
  }
  const double source_finish = agent.departed ? kNever : e.newestFinish() + cursor.tail;
  while (cursor.misses < kMaxMissesPerSource) {
    const TaskIndex task = cursor.next;
    SetId need = kEmptySet;
    if (task != kNoTask) {
      const TaskRecord& record = tasks[task];
      cursor.next = record.newer;
      // A live agent's oldest `slots` tasks are probably running: never name them.
      if (!agent.departed && cursor.position++ < e.slots) continue;
      if (record.pending_steal != kNoOperation) continue;
      need = record.required;
    } else if (agent.departed || agent.count_tasks == 0 || agent.id_tasks > 0) {
      return std::nullopt;  // no named task left, and no anonymous one to give
    }
    // The target's entry was keyed at this decision's refresh: its figures are the estimate's.
    const TargetEntry* target = bestTarget(need, source, sets, model);
    if (target == nullptr ||
        (!agent.departed && !model.worthMoving(source_finish, target->finish, target->duration))) {
      if (task == kNoTask) return std::nullopt;
      ++cursor.misses;
      continue;
    }
    Move move;
    move.source = source;
    move.target = target->agent;
    move.task = task;
    move.source_finish = source_finish;
    move.target_finish = target->finish;
    return move;
  }
  return std::nullopt;
}

const StealPlanner::TargetEntry* StealPlanner::bestTarget(SetId need, AgentIndex source,
                                                         const CapabilitySets& sets,
                                                         const LoadModel& model) {
  const TargetEntry* best = nullptr;
  for (std::uint32_t g : covering(need, sets)) {
    const TargetEntry* fresh = freshTop(groups_[g].targets, model);
    if (fresh == nullptr) continue;
    const TargetEntry& top = *fresh;
    if (top.agent == source) continue;
    if (best != nullptr && !TargetFirst{}(top, *best)) continue;
    if (pairs_.size(source, top.agent) >= model.config().max_steal_batch) continue;
    best = &top;
  }
  return best;
}

const StealPlanner::TargetEntry* StealPlanner::freshTop(TargetHeap& heap, const LoadModel& model) {
  // Silence is the one thing that changes without an event: drop the stale as they surface.
  while (!heap.empty() && model.now() > heap.top().stale_at) leaveGroup(heap.top().agent);
  return heap.empty() ? nullptr : &heap.top();
}

const StealPlanner::TargetEntry* StealPlanner::freshSaturatedTop(Group& group,
                                                                const LoadModel& model) {
  TargetHeap& heap = group.saturated;
  while (!heap.empty()) {
    const AgentIndex agent = heap.top().agent;
    if (!isSaturated(agent)) {
      heap.erase(agent);  // below its cap since: its target entry is the current one
    } else if (model.now() > heap.top().stale_at) {
      leaveGroup(agent);
    } else {
      return &heap.top();
    }
  }
  return nullptr;
}

std::optional<Receiver> StealPlanner::bestReceiver(std::optional<SetId> need,
                                                   const std::vector<std::string>& names,
                                                   const AgentTable& agents,
                                                   const CapabilitySets& sets,
                                                   const LoadModel& model) {
  // Settling may find an agent changed since its re-key (touched): a second pass places it.
  for (int pass = 0; pass < 2; ++pass) {
    refresh(agents, sets, model);
    settleSaturated(agents, sets, model);
  }
  const TargetEntry* best = nullptr;
  const auto consider = [&](Group& group) {
    // Targets first: what freshSaturatedTop drops is never in the target heap (a saturated
    // agent is in none, a stale entry's agent stays), so `below_cap` stays valid.
    const TargetEntry* below_cap = freshTop(group.targets, model);
    const TargetEntry* at_cap = freshSaturatedTop(group, model);
    for (const TargetEntry* top : {below_cap, at_cap}) {
      if (top != nullptr && (best == nullptr || TargetFirst{}(*top, *best))) best = top;
    }
  };
  if (need) {
    for (std::uint32_t g : covering(*need, sets)) consider(groups_[g]);
  } else {  // a requirement never interned: check each group by name
    for (Group& group : groups_) {
      if (group.live && sets.coversNames(group.capabilities, names)) consider(group);
    }
  }
  if (best == nullptr) return std::nullopt;
  return Receiver{best->agent, best->finish, best->duration};
}

}  // namespace wss::core
