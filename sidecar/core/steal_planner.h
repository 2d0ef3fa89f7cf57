// The steal planner: which queued task moves where, decided incrementally.
//
// It keeps, up to date as events arrive, what a decision needs: the sources (agents holding
// more than they can run, departed agents with tasks) in a max-heap by when their newest task
// would finish, and the targets (live agents below their late-binding cap) in one min-heap per
// capability set by when a task appended there would finish. Events only mark agents dirty
// (touch); a decision re-keys the dirty ones, O(log n) each, then repeatedly takes the top
// source's oldest queued task the target can run and the capable target that would finish it
// first, while the move passes the threshold test. Agents that can receive but sit at or past
// their cap wait in a second heap of their group, so work.bestAgent is answered from the
// heaps too (bestReceiver), in O(dirty log n + groups) instead of a pass over the fleet. A decision that moves nothing costs
// O(dirty log n); each move O(log n + capability groups).
//
// Invariants:
// - After refresh, an agent is in the source heap iff LoadModel::isSource holds for it, and
//   in its capability set's group iff it can receive: in the target heap iff below its cap,
//   keyed by the estimates of that refresh (the fleet mean may drift until a rebuild), and
//   once settled (below) in the saturated heap iff at or past it. `targets_` counts the target
//   heaps' entries.
// - The saturated heaps serve only work.bestAgent, so decisions do not keep them: a re-keyed
//   agent is only listed (saturated_dirty_), and bestReceiver settles the list first, giving
//   each listed agent at or past its cap an entry with its figures of that moment and
//   dropping the others' (an agent's recorded group and cap state decide which). A reactive
//   move re-keys its target and its source, both usually at their cap: keeping their
//   saturated entries exact cost two sifts per decision (callgrind at 100k agents: ~1,500 of
//   ~8,700 instructions and a third of the L1 misses), now paid per request, for what changed.
// - A live agent's oldest `slots` tasks are never named; a task with a pending steal never
//   is; a task goes only to a target whose capabilities cover its requirement.
// Owner thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sidecar/core/agent_table.h"
#include "sidecar/core/indexed_heap.h"
#include "sidecar/core/load_model.h"
#include "sidecar/core/pair_table.h"
#include "sidecar/core/task_ledger.h"

namespace wss::core {

// One task to move: `task` kNoTask for an anonymous task of a count-only fleet.
// The capable agent that would finish one more task first (work.bestAgent).
struct Receiver {
  AgentIndex agent = kNoAgent;
  double finish = 0;    // when a task appended now would finish, from now
  double duration = 0;  // its typical task duration
};

struct Move {
  AgentIndex source = kNoAgent;
  AgentIndex target = kNoAgent;
  TaskIndex task = kNoTask;
  std::uint32_t pair = 0;  // the decision's (source, target) pairs, numbered from 0 as they appear
  double source_finish = 0;  // estimates when it was chosen, for the reason
  double target_finish = 0;
};

class StealPlanner {
 public:
  // What one decision remembers between its moves. Made by begin().
  class Session {
   private:
    friend class StealPlanner;
    std::uint32_t epoch_ = 0;  // cursors stamped with another epoch are from older decisions
    std::vector<AgentIndex> parked_;  // sources set aside: nothing movable this decision
  };

  StealPlanner();
  StealPlanner(const StealPlanner&) = delete;
  StealPlanner& operator=(const StealPlanner&) = delete;

  // The agent's load, liveness or capabilities changed: re-key it before the next decision.
  void touch(AgentIndex agent);
  // The capability set was freed (no agent holds it): its group goes, its id may come back
  // as another set.
  void forgetSet(SetId set);
  // Re-keys every agent at the next decision (config reload, fleet mean drift).
  void touchAll(const AgentTable& agents);

  // Starts a decision.
  [[nodiscard]] Session begin();
  // Whether some agent could receive, as of the last decision.
  [[nodiscard]] bool hasTargets() const { return targets_ > 0; }
  // The next move of a decision, or nullopt when nothing more is worth moving. The caller
  // applies each move to the state (and touches both agents) before asking for the next.
  [[nodiscard]] std::optional<Move> next(const AgentTable& agents, const TaskLedger& tasks,
                                         const CapabilitySets& sets, const LoadModel& model,
                                         Session& session);
  // Ends a decision: sources it set aside are re-keyed at the next one.
  void finish(Session& session);

  // The agent, of any backlog, that would finish a task needing `need` first (a set id when
  // the requirement was ever interned, else `names`), ties going to fewer capabilities, then
  // lower cpu; nullopt when no capable agent can receive.
  [[nodiscard]] std::optional<Receiver> bestReceiver(std::optional<SetId> need,
                                                     const std::vector<std::string>& names,
                                                     const AgentTable& agents,
                                                     const CapabilitySets& sets,
                                                     const LoadModel& model);

 private:
  struct SourceEntry {
    double finish;
    AgentIndex agent;
  };
  struct SourceFirst {  // latest finish first, then lower index
    bool operator()(const SourceEntry& a, const SourceEntry& b) const {
      return a.finish != b.finish ? a.finish > b.finish : a.agent < b.agent;
    }
  };
  struct TargetEntry {
    double finish;           // when a task appended now would finish
    TimeMs stale_at;         // silence changes no key: the entry knows when it goes stale
    float duration;          // its typical task duration, for the threshold test
    std::uint32_t scarcity;  // capabilities it has: keep the rich ones for tasks needing them
    float cpu;
    AgentIndex agent;
  };
  struct TargetFirst {  // soonest finish, then fewest capabilities, then cpu, then index
    bool operator()(const TargetEntry& a, const TargetEntry& b) const {
      if (a.finish != b.finish) return a.finish < b.finish;
      if (a.scarcity != b.scarcity) return a.scarcity < b.scarcity;
      if (a.cpu != b.cpu) return a.cpu < b.cpu;
      return a.agent < b.agent;
    }
  };
  using SourceHeap = IndexedHeap<SourceEntry, SourceFirst>;
  using TargetHeap = IndexedHeap<TargetEntry, TargetFirst>;
  struct Cursor {
    TaskIndex next = kNoTask;  // next task to consider, walking oldest -> newest
    std::uint32_t position = 0;
    std::uint32_t misses = 0;
    std::uint32_t epoch = 0;
    double tail = 0;  // LoadModel::tailDelay, fixed within a decision
  };
  struct Group {
    SetId capabilities;
    std::uint32_t scarcity;
    TargetHeap targets;    // below their cap: where steals go
    TargetHeap saturated;  // at or past it: only for bestReceiver
    bool live = true;  // false: its set was freed, the slot waits for reuse
  };
  static constexpr std::uint32_t kNoGroup = kNotInHeap;

  // Where an agent belongs as of now: the source heap or not, and which target group.
  struct Keys {
    bool source = false;
    double source_finish = 0;
    std::uint32_t group = kNoGroup;
    bool saturated = false;
    TargetEntry target{};
  };

  void refresh(const AgentTable& agents, const CapabilitySets& sets, const LoadModel& model);
  Keys keysOf(AgentIndex index, const Agent& agent, const CapabilitySets& sets,
              const LoadModel& model);
  void rebuild(const AgentTable& agents, const CapabilitySets& sets, const LoadModel& model);
  void rekey(AgentIndex index, const Agent& agent, const CapabilitySets& sets,
             const LoadModel& model);
  void leaveGroup(AgentIndex index);
  [[nodiscard]] bool isSaturated(AgentIndex index) const {
    return index < saturated_.size() && saturated_[index];
  }
  // The group's first live entry of its target heap, dropping those gone stale; null when
  // none.
  const TargetEntry* freshTop(TargetHeap& heap, const LoadModel& model);
  // The same for its saturated heap, first dropping the entries of agents below their cap.
  const TargetEntry* freshSaturatedTop(Group& group, const LoadModel& model);
  void markSaturatedDirty(AgentIndex index);
  // Brings the saturated heaps up to date with the agents re-keyed since (see the header).
  void settleSaturated(const AgentTable& agents, const CapabilitySets& sets,
                       const LoadModel& model);
  std::uint32_t groupOf(SetId capabilities, const CapabilitySets& sets);
  const std::vector<std::uint32_t>& covering(SetId need, const CapabilitySets& sets);
  [[nodiscard]] std::optional<Move> moveFrom(AgentIndex source, const AgentTable& agents,
                                             const TaskLedger& tasks, const CapabilitySets& sets,
                                             const LoadModel& model, Session& session);
  // The capable target that would finish a task needing `need` first, or null. Valid until
  // the heaps change.
  const TargetEntry* bestTarget(SetId need, AgentIndex source, const CapabilitySets& sets,
                                const LoadModel& model);

  std::vector<std::uint32_t> source_pos_;
  std::vector<std::uint32_t> target_pos_;
  std::vector<std::uint32_t> saturated_pos_;  // its own: an agent may be in both of its group
  std::vector<AgentIndex> saturated_dirty_;   // re-keyed since bestReceiver last settled them
  std::vector<bool> is_saturated_dirty_;
  std::vector<std::uint32_t> group_of_agent_;
  std::vector<bool> saturated_;  // by agent: at or past its cap as of its last re-key
  SourceHeap sources_{&source_pos_};
  std::vector<Group> groups_;
  std::unordered_map<SetId, std::uint32_t> group_of_set_;
  std::vector<std::uint32_t> free_groups_;
  std::unordered_map<SetId, std::vector<std::uint32_t>> covering_;  // need -> groups
  std::size_t targets_ = 0;
  std::vector<Cursor> cursors_;  // by source, for the decision of the same epoch
  PairTable pairs_;              // of the current decision
  std::uint32_t epoch_ = 0;
  std::vector<AgentIndex> dirty_;
  std::vector<bool> is_dirty_;
};

}  // namespace wss::core
