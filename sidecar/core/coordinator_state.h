// Internal: the coordinator's state, split into its three tables and the planner, plus the
// event handlers that keep them consistent. Not part of the public surface.
//
// coordinator.cc applies events and answers views; coordinator_steals.cc turns the planner's
// moves into operations and expires unconfirmed ones. Every change to an agent's load,
// liveness or capabilities goes through changed(), so the planner's indexes stay exact.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "sidecar/core/agent_table.h"
#include "sidecar/core/capability_sets.h"
#include "sidecar/core/coordinator.h"
#include "sidecar/core/fleet_tally.h"
#include "sidecar/core/load_model.h"
#include "sidecar/core/operation_log.h"
#include "sidecar/core/steal_planner.h"
#include "sidecar/core/task_ledger.h"

namespace wss::core {

struct Coordinator::State {
  explicit State(CoordinatorConfig c)
      : config(std::move(c)),
        capability_sets(config.limits.max_capability_names, config.limits.max_capability_sets) {}

  CoordinatorConfig config;
  Counters counters;
  CapabilitySets capability_sets;
  AgentTable agents;
  TaskLedger tasks;
  OperationLog operations;
  StealPlanner planner;
  FleetTally tally;  // work.stats' counts, kept as agents change
  bool decision_wanted = false;     // an event may have made a move worthwhile
  std::vector<AgentIndex> touched;  // agents changed since the last settle()
  double keyed_fleet_typical = 0;   // the fleet typical duration the planner's keys used
  // Benched targets by when their bench ends (earliest first); stale entries are skipped.
  std::priority_queue<std::pair<TimeMs, AgentIndex>, std::vector<std::pair<TimeMs, AgentIndex>>,
                      std::greater<>>
      benched;

  [[nodiscard]] LoadModel model(TimeMs now) const {
    return LoadModel(config, agents.fleetTypicalDuration(config.default_task_duration_ms), now);
  }
  // The agent's load, liveness or capabilities changed.
  void changed(AgentIndex index);
  // After an event: does any agent it changed open a move? A free slot may take a queued
  // task; a queued task may go where a slot is free. Cheap: no estimate, no index update.
  void noteOpportunities(TimeMs now);
  // An agent that said offline is heard from with work or metrics: it is back.
  void markBack(AgentIndex index);
  // After any change: the agents changed since are recounted for work.stats.
  void settle();
  // Every agent recounted (thresholds or the agent timeout changed).
  void recountAll();
  void removeIfDrained(AgentIndex index);
  // Forgets the agent (it holds no named task), letting go of its capabilities.
  void removeAgent(AgentIndex index);
  // Lets go of a capability set; a freed one leaves the planner too.
  void releaseSet(SetId set);
  // The limit an event would pass, if any: checked before anything changes.
  [[nodiscard]] std::optional<Outcome> overLimit(const Event& event) const;
  void countRejection(Outcome outcome);
  // A task just joined `index`'s queue (or one of its tasks ended): if that made a task start
  // there, remember when, for the heavy-tail estimate.
  void noteStart(AgentIndex index, bool task_ended, TimeMs now);
  [[nodiscard]] bool isOverloaded(const Agent& agent) const;
  [[nodiscard]] bool isUnderloaded(const Agent& agent) const;
  [[nodiscard]] AgentView view(const Agent& agent, TimeMs now) const;

  // --- events (coordinator.cc) ---
  Outcome onAssigned(const TaskAssigned& e, TimeMs now);
  Outcome moveAssigned(TaskIndex task, AgentIndex to, const TaskAssigned& e, TimeMs now);
  Outcome onFinished(const std::string& agent_id, const std::string& task_id,
                     std::optional<double> duration_ms, TimeMs now);
  Outcome onMetrics(const AgentMetrics& e, TimeMs now);
  Outcome onOffline(const std::string& agent_id, TimeMs now);

  // --- steals (coordinator_steals.cc) ---
  struct Decision {
    std::vector<OperationSeq> issued;  // by Move::pair: one operation per (source, target)
  };
  // One decision at `now`: the planner's moves, grouped into one operation per pair.
  std::vector<StealOrder> decide(TimeMs now);
  void applyMove(const Move& move, TimeMs now, Decision& decision);
  std::vector<StealOrder> issue(const Decision& decision, TimeMs now);
  // The task named by an unconfirmed steal will not move (done, moved elsewhere, timed out),
  // or moved as asked.
  void resolveSteal(TaskIndex task, bool moved, TimeMs now);
  void finishIfResolved(Operation& op, TimeMs now);
  void expireSteals(TimeMs now);
  // A steal to `index` timed out with nothing confirmed: no target for a while (until its
  // bench ends and it is heard from again, which re-keys it).
  void benchTarget(AgentIndex index, TimeMs now);
  // Benches that have ended: those agents are re-keyed as targets.
  void releaseBenched(TimeMs now);
  // The operation's order never went out: it ends now, failed, its tasks back with the source.
  void withdraw(OperationSeq seq, TimeMs now);
  // Another replica's order (Coordinator::adopt).
  std::uint32_t adopt(const StealOrder& order, TimeMs now);
  // Adds the order's tasks that this replica can name to `op` (created on the first one).
  std::uint32_t adoptNamed(const StealOrder& order, AgentIndex source, AgentIndex target,
                           TimeMs now);
  Operation& openAdopted(const StealOrder& order, AgentIndex source, AgentIndex target,
                         TimeMs now);

  // --- snapshots (coordinator_image.cc) ---
  // Fills this fresh state from `image`; on an error the state is to be thrown away.
  RestoreResult restore(const StateImage& image, TimeMs now);
  // One agent and its queue; an error text, empty when it passed.
  std::string restoreAgent(const AgentImage& image, TimeMs now);
  std::string restoreTasks(const AgentImage& image, AgentIndex index);
};

}  // namespace wss::core
