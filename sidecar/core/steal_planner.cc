// Steal rounds: which queued tasks move where.
//
// The policy estimates, for every agent, when the newest task it holds would finish:
// ceil(backlog / concurrency) * mean duration, where backlog counts promised steals and the
// tasks its recent arrival rate will bring before the next round. It then
// repeatedly takes the source whose newest stealable task would finish last and moves that
// task to the capable target where it would finish first, as long as the target finishes it
// sooner by at least (stealThreshold - 1) of the target's task durations. Each move updates
// both estimates at once, so one idle agent is never promised more than it can take, and a
// round is O((agents + moves) log agents). Departed agents (status offline) give up every
// task, running ones included, to any capable live agent.
#include <algorithm>
#include <cmath>
#include <queue>
#include <unordered_map>

#include "sidecar/core/coordinator_state.h"

namespace wss::core {
namespace {

// How many tasks of one source may be passed over (no capable or no better target) per round.
constexpr int kMaxMissesPerSource = 16;
// Departed sources go first, and every capable target beats "never".
constexpr double kNever = 1e300;

struct Load {
  std::uint32_t backlog = 0;  // tasks it will hold once promised steals land
  std::uint32_t slots = 1;
  double duration = 0;      // mean task duration, ms
  std::uint32_t ahead = 0;  // tasks expected to arrive before the next round
};

// When the newest of `backlog` tasks (plus those expected by the next round) would finish.
double finishOfNewest(std::uint32_t backlog, const Load& load) {
  return std::ceil(static_cast<double>(backlog + load.ahead) / load.slots) * load.duration;
}

struct Candidate {
  double key;
  AgentIndex agent;
  bool operator<(const Candidate& other) const {  // max-heap on key, then lower index
    return key != other.key ? key < other.key : agent > other.agent;
  }
};

struct Target {
  double finish;  // when a task appended now would finish
  float cpu;
  AgentIndex agent;
  bool operator>(const Target& other) const {  // min-heap on finish, then cpu, then index
    if (finish != other.finish) return finish > other.finish;
    if (cpu != other.cpu) return cpu > other.cpu;
    return agent > other.agent;
  }
};
using TargetHeap = std::priority_queue<Target, std::vector<Target>, std::greater<Target>>;

struct Batch {
  AgentIndex source;
  AgentIndex target;
  std::vector<TaskNode*> tasks;  // newest first
  std::uint32_t count_only = 0;  // tasks without ids (count-only fleets)
  double source_finish = 0;      // estimates at the first move, for the reason
  double target_finish = 0;
  [[nodiscard]] std::uint32_t size() const {
    return static_cast<std::uint32_t>(tasks.size()) + count_only;
  }
};

std::uint64_t pairKey(AgentIndex source, AgentIndex target) {
  return (static_cast<std::uint64_t>(source) << 32) | target;
}

std::string formatReason(const Agent& source, const Agent& target, const Batch& batch) {
  std::string reason;
  reason.reserve(96 + source.id.size() + target.id.size());
  if (source.departed) {
    reason.append("re-home from departed agent ").append(source.id);
  } else {
    reason.append("rebalance ").append(source.id).append(" (newest task done in ~");
    reason.append(std::to_string(std::llround(batch.source_finish))).append(" ms)");
  }
  reason.append(" -> ").append(target.id).append(" (done in ~");
  reason.append(std::to_string(std::llround(batch.target_finish))).append(" ms)");
  return reason;
}

}  // namespace

std::vector<StealOrder> Coordinator::State::planRound(TimeMs now) {
  const double fleet_mean = fleetMeanDuration();
  const std::size_t n = agents.size();

  std::vector<Load> loads(n);
  std::vector<Candidate> source_list;
  // Targets grouped by their capability set, so a task only looks at groups that cover it.
  std::unordered_map<SetId, std::size_t> group_of_set;
  std::vector<SetId> group_sets;
  std::vector<std::vector<Target>> group_lists;

  for (AgentIndex i = 0; i < n; ++i) {
    const Agent& agent = agents[i];
    if (!agent.in_use) continue;
    Load& load = loads[i];
    load.slots = concurrencyOf(agent);
    load.duration = agent.durations.mean().value_or(fleet_mean);
    load.backlog = agent.backlog();
    // Whole tasks only: a fraction would move the ceiling by a full slot.
    load.ahead = static_cast<std::uint32_t>(std::lround(
        agent.arrivals.perSecond(now) * static_cast<double>(config.steal_interval_ms) / 1000.0));
    if (agent.departed) {
      if (agent.id_tasks > agent.outgoing) source_list.push_back({kNever, i});
    } else if (agent.held() >= config.min_tasks_to_steal && load.backlog > load.slots) {
      source_list.push_back({finishOfNewest(load.backlog, load), i});
    }
    if (canReceive(agent, now)) {
      auto [it, inserted] = group_of_set.try_emplace(agent.capabilities, group_lists.size());
      if (inserted) {
        group_sets.push_back(agent.capabilities);
        group_lists.emplace_back();
      }
      group_lists[it->second].push_back({finishOfNewest(load.backlog + 1, load), agent.cpu, i});
    }
  }
  if (source_list.empty() || group_lists.empty()) return {};

  std::priority_queue<Candidate> sources(std::less<Candidate>{}, std::move(source_list));
  std::vector<TargetHeap> groups;
  groups.reserve(group_lists.size());
  for (auto& list : group_lists) groups.emplace_back(std::greater<Target>{}, std::move(list));
  // Which groups can run a task with a given requirement; filled as requirements appear.
  std::unordered_map<SetId, std::vector<std::size_t>> covering;
  auto coveringGroups = [&](SetId need) -> const std::vector<std::size_t>& {
    auto [it, inserted] = covering.try_emplace(need);
    if (inserted) {
      for (std::size_t g = 0; g < group_sets.size(); ++g) {
        if (capability_sets.covers(group_sets[g], need)) it->second.push_back(g);
      }
    }
    return it->second;
  };

  std::vector<Batch> batches;
  std::unordered_map<std::uint64_t, std::size_t> batch_of_pair;
  auto pairIsFull = [&](AgentIndex source, AgentIndex target) {
    if (source == target) return true;
    auto it = batch_of_pair.find(pairKey(source, target));
    return it != batch_of_pair.end() && batches[it->second].size() >= config.max_steal_batch;
  };

  // The capable target that would finish a task soonest; kNoAgent when none can run it.
  auto bestTarget = [&](SetId need, AgentIndex source) {
    Target best{kNever, 0, kNoAgent};
    for (std::size_t g : coveringGroups(need)) {
      TargetHeap& heap = groups[g];
      std::vector<Target> skipped;
      while (!heap.empty()) {
        const Target top = heap.top();
        const Load& load = loads[top.agent];
        if (top.finish != finishOfNewest(load.backlog + 1, load)) {
          heap.pop();  // stale: its load changed since this entry was pushed
          continue;
        }
        if (pairIsFull(source, top.agent)) {
          skipped.push_back(top);
          heap.pop();
          continue;
        }
        if (best > top) best = top;
        break;
      }
      for (const Target& t : skipped) heap.push(t);
    }
    return best.agent;
  };

  struct Cursor {
    TaskNode* next = nullptr;    // next task to consider, walking newest -> oldest
    std::uint32_t position = 0;  // tasks older than `next`
    int misses = 0;
    bool started = false;
  };
  std::vector<Cursor> cursors(n);

  while (!sources.empty()) {
    const Candidate top = sources.top();
    sources.pop();
    const AgentIndex s = top.agent;
    Agent& source = agents[s];
    Load& source_load = loads[s];
    const double source_finish =
        source.departed ? kNever : finishOfNewest(source_load.backlog, source_load);
    if (top.key != source_finish) continue;  // stale entry
    Cursor& cursor = cursors[s];
    if (!cursor.started) {
      cursor = {source.newest, source.id_tasks == 0 ? 0 : source.id_tasks - 1, 0, true};
    }

    TaskNode* chosen = nullptr;
    AgentIndex target = kNoAgent;
    bool count_only = false;
    while (cursor.misses < kMaxMissesPerSource) {
      if (cursor.next == nullptr) {
        // No named task left: a count-only agent may still give up anonymous tasks.
        if (!source.departed && source.id_tasks == 0 && source_load.backlog > source_load.slots) {
          AgentIndex t = bestTarget(kEmptySet, s);
          if (t != kNoAgent) {
            const Load& tl = loads[t];
            double gain = source_finish - finishOfNewest(tl.backlog + 1, tl);
            if (gain > 0 &&
                gain >= (static_cast<double>(config.steal_threshold) - 1) * tl.duration) {
              target = t;
              count_only = true;
            }
          }
        }
        break;
      }
      // The oldest `slots` tasks of a live agent are probably running: never name them.
      if (!source.departed && cursor.position < source_load.slots) {
        cursor.next = nullptr;
        continue;
      }
      TaskNode* node = cursor.next;
      cursor.next = node->second.older;
      if (cursor.position > 0) --cursor.position;
      if (node->second.pending_steal != kNoOperation) continue;
      AgentIndex t = bestTarget(node->second.required, s);
      if (t == kNoAgent) {
        ++cursor.misses;
        continue;
      }
      if (!source.departed) {
        const Load& tl = loads[t];
        double gain = source_finish - finishOfNewest(tl.backlog + 1, tl);
        if (gain <= 0 || gain < (static_cast<double>(config.steal_threshold) - 1) * tl.duration) {
          ++cursor.misses;
          continue;
        }
      }
      chosen = node;
      target = t;
      break;
    }
    if (target == kNoAgent) continue;

    Load& target_load = loads[target];
    auto [it, inserted] = batch_of_pair.try_emplace(pairKey(s, target), batches.size());
    if (inserted) {
      batches.push_back(
          {s, target, {}, 0, source_finish, finishOfNewest(target_load.backlog + 1, target_load)});
    }
    Batch& batch = batches[it->second];
    if (count_only) {
      ++batch.count_only;
    } else {
      // Each source's cursor passes a task once, so it cannot be chosen twice in a round.
      batch.tasks.push_back(chosen);
    }
    --source_load.backlog;
    ++target_load.backlog;
    // Re-queue both with their new estimates (their old heap entries become stale).
    const Agent& t_agent = agents[target];
    groups[group_of_set.at(t_agent.capabilities)].push(
        {finishOfNewest(target_load.backlog + 1, target_load), t_agent.cpu, target});
    if (source.departed ? (cursor.next != nullptr) : (source_load.backlog > source_load.slots)) {
      sources.push(
          {source.departed ? kNever : finishOfNewest(source_load.backlog, source_load), s});
    }
  }

  // Turn batches into operations and orders.
  std::vector<StealOrder> orders;
  orders.reserve(batches.size());
  for (Batch& batch : batches) {
    Agent& source = agents[batch.source];
    Agent& target = agents[batch.target];
    Operation op;
    op.seq = next_seq++;
    op.id = config.operation_id_prefix + "-" + std::to_string(op.seq);
    op.source = source.id;
    op.target = target.id;
    op.source_index = batch.source;
    op.target_index = batch.target;
    op.tasks_to_steal = batch.size();
    op.reason = formatReason(source, target, batch);
    op.start = now;
    op.task_ids.reserve(batch.tasks.size());
    for (TaskNode* node : batch.tasks) {
      op.task_ids.push_back(node->first);
      node->second.pending_steal = op.seq;
    }
    ++counters.steals_issued;
    if (batch.count_only > 0) {
      // Count-only fleets cannot confirm: the reference design's optimistic move.
      source.count_tasks -= std::min(source.count_tasks, batch.count_only);
      target.count_tasks += batch.count_only;
    }
    if (batch.tasks.empty()) {
      op.status = OperationStatus::kCompleted;
      op.end = now;
      op.confirmed = op.resolved = op.tasks_to_steal;
      ++counters.steals_confirmed;
      counters.tasks_moved += batch.count_only;
    } else {
      op.status = OperationStatus::kExecuting;
      op.resolved = op.confirmed = batch.count_only;
      counters.tasks_moved += batch.count_only;
      source.outgoing += static_cast<std::uint32_t>(batch.tasks.size());
      target.incoming += static_cast<std::uint32_t>(batch.tasks.size());
      pending.push_back(op.seq);
    }
    StealOrder order;
    order.operation_id = op.id;
    order.source_agent_id = op.source;
    order.target_agent_id = op.target;
    order.tasks_to_steal = op.tasks_to_steal;
    order.task_ids = op.task_ids;
    order.reason = op.reason;
    operations.push_back(std::move(op));
    orders.push_back(std::move(order));
  }
  return orders;
}

}  // namespace wss::core

namespace wss::core {

std::optional<BestAgent> Coordinator::bestAgent(const std::vector<std::string>& required,
                                                TimeMs now) const {
  const State& s = *state_;
  // A requirement never seen as a set is checked name by name against each agent.
  const std::optional<SetId> need = s.capability_sets.find(required);
  const double fleet_mean = s.fleetMeanDuration();
  std::optional<BestAgent> best;
  double best_finish = kNever;
  float best_cpu = 0;
  for (const Agent& agent : s.agents) {
    if (!agent.in_use || agent.departed || s.isStale(agent, now) ||
        agent.status == AgentStatus::kBusy ||
        !(need ? s.capability_sets.covers(agent.capabilities, *need)
               : s.capability_sets.coversNames(agent.capabilities, required))) {
      continue;
    }
    Load load{agent.backlog(), s.concurrencyOf(agent), agent.durations.mean().value_or(fleet_mean)};
    double finish = finishOfNewest(load.backlog + 1, load);
    if (!best || finish < best_finish || (finish == best_finish && agent.cpu < best_cpu)) {
      best = BestAgent{agent.id, finish - load.duration};
      best_finish = finish;
      best_cpu = agent.cpu;
    }
  }
  return best;
}

}  // namespace wss::core
