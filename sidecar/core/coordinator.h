// The work-stealing coordinator: the pure core of the sidecar.
//
// It keeps an exact picture of every agent's load from the fleet's events and, on each steal
// round, decides which queued tasks to move where so that tasks finish sooner. It knows
// nothing of NATS, protobuf, YAML or logging: events and the time go in, decisions come out
// as values. Not thread-safe: one thread owns a Coordinator (see app/owner_loop.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/core/coordinator_config.h"
#include "sidecar/core/events.h"
#include "sidecar/core/state_image.h"

namespace wss::core {

// What applying one event did; the app turns these into counters and log lines.
enum class Outcome : std::uint8_t {
  kApplied,
  kDuplicate,       // the same task assigned to the same agent again: no change
  kUnknownTask,     // a completion or failure for a task the coordinator never saw
  kStealConfirmed,  // a task.assigned that confirmed a pending steal
  kAgentRemoved,    // status offline
  // Rejected whole by a limit (nothing changed):
  kTooManyAgents,        // a new agent beyond limits.maxAgents
  kTooManyTasks,         // a new task beyond limits.maxTasks
  kTooManyCapabilities,  // a new capability name or set beyond the limits
  kIdTooLong,            // an id or capability name longer than limits.maxIdLength
};

// True for the outcomes that rejected an event.
[[nodiscard]] bool isRejected(Outcome outcome);

enum class OperationStatus : std::uint8_t { kPlanned, kExecuting, kCompleted, kFailed };
[[nodiscard]] std::string_view toString(OperationStatus status);

// Monotonic counters since start.
struct Counters {
  std::uint64_t events_applied = 0;
  std::uint64_t duplicate_assignments = 0;
  std::uint64_t unknown_completions = 0;  // completion/failure of an unknown task
  std::uint64_t foreign_completions = 0;  // completed by an agent that did not hold it
  std::uint64_t steal_rounds = 0;
  std::uint64_t reactive_decisions = 0;
  std::uint64_t steals_issued = 0;     // operations
  std::uint64_t steals_confirmed = 0;  // operations with at least one task moved
  std::uint64_t steals_failed = 0;     // operations with no task moved in time
  std::uint64_t tasks_moved = 0;       // tasks confirmed on their new agent
  std::uint64_t tasks_returned = 0;    // stolen tasks not confirmed in time
  std::uint64_t agents_removed = 0;
  std::uint64_t rejected_agents = 0;        // events refused: limits.maxAgents
  std::uint64_t rejected_tasks = 0;         // limits.maxTasks
  std::uint64_t rejected_capabilities = 0;  // limits.maxCapabilityNames / maxCapabilitySets
  std::uint64_t rejected_long_ids = 0;      // limits.maxIdLength
  std::uint64_t values_clamped = 0;         // durations or concurrency beyond what is believable
  std::uint64_t targets_benched = 0;        // targets set aside after a steal timed out there
  std::uint64_t steals_adopted = 0;  // another replica's orders taken on (adopt), with a task
  std::uint64_t tasks_adopted = 0;   // tasks of those orders now pending here
  std::uint64_t tasks_not_adopted = 0;  // unknown here, not on the order's source, or pending
};

struct Stats {
  std::uint64_t total_agents = 0;
  std::uint64_t overloaded_agents = 0;
  std::uint64_t underloaded_agents = 0;
  std::uint64_t idle_agents = 0;             // no tasks
  std::uint64_t stale_agents = 0;            // silent longer than agentTimeout
  std::uint64_t total_steal_operations = 0;  // since start
  std::uint64_t successful_steals = 0;
  std::uint64_t failed_steals = 0;
  std::uint64_t pending_steals = 0;  // executing, not yet confirmed or failed
  double avg_tasks_per_agent = 0;
  std::uint64_t in_flight_tasks = 0;
  std::uint64_t capability_names = 0;  // held now
  std::uint64_t capability_sets = 0;
};

struct AgentView {
  std::string agent_id;
  std::uint32_t task_count = 0;       // tasks held now (known ids plus count-only tasks)
  std::uint32_t incoming_steals = 0;  // tasks promised to it by unconfirmed steals
  std::uint32_t outgoing_steals = 0;  // its tasks promised to others
  std::optional<double> avg_task_duration_ms;
  double cpu_usage = 0;
  double memory_usage = 0;
  std::int32_t priority = 1;
  std::uint32_t concurrency = 1;
  std::vector<std::string> capabilities;
  AgentStatus status = AgentStatus::kUnspecified;
  bool overloaded = false;
  bool underloaded = false;
  bool stale = false;
  TimeMs last_seen_ms = 0;
};

struct OperationView {
  std::string operation_id;
  std::string source_agent_id;
  std::string target_agent_id;
  std::vector<std::string> task_ids;
  std::uint32_t tasks_to_steal = 0;
  std::uint32_t tasks_confirmed = 0;
  std::string reason;
  OperationStatus status = OperationStatus::kPlanned;
  TimeMs start_ms = 0;
  std::optional<TimeMs> end_ms;
};

struct BestAgent {
  std::string agent_id;
  double expected_start_ms = 0;  // how long a new task would wait there
};

class Coordinator {
 public:
  explicit Coordinator(CoordinatorConfig config);
  ~Coordinator();
  Coordinator(Coordinator&&) noexcept;
  Coordinator& operator=(Coordinator&&) noexcept;
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  // Applies one fleet event observed at `now`. Never throws on any event content.
  Outcome apply(const Event& event, TimeMs now);

  // One steal round at `now`: fails steals unconfirmed for stealTimeout, then returns the
  // orders to publish. Empty when stealing is disabled. It re-keys only the agents changed
  // since the last decision: O((changed + moves) log n).
  [[nodiscard]] std::vector<StealOrder> stealRound(TimeMs now);

  // True when an event since the last decision may have made a move worthwhile (a free
  // slot, a task queued behind a busy agent) and reactive stealing is on: the owner calls
  // react() within stealing.reactiveDelay, so bursts of events coalesce into one decision.
  [[nodiscard]] bool wantsDecision() const;

  // A reactive decision at `now`: the orders that help now. Like a round without the expiry
  // of unconfirmed steals; O(log n) per agent changed since the last decision, plus per move.
  [[nodiscard]] std::vector<StealOrder> react(TimeMs now);

  // The order could not be published: its tasks count with their source again at once, the
  // operation fails, and its target is not held responsible (no bench). Count-only orders,
  // already applied optimistically, are left as they are.
  void withdraw(const StealOrder& order, TimeMs now);

  // Learns a steal another replica (the ha leader) published, as if it had been issued here:
  // its tasks are promised to the target until confirmed or timed out, so this replica, once
  // it leads, neither names them again nor forgets to time them out. Tasks unknown here, no
  // longer on the order's source, or under a steal already are left alone (counted), as is
  // an order whose source or target is unknown; a count-only order moves its count, as the
  // issuer did. Returns how many tasks were adopted.
  std::uint32_t adopt(const StealOrder& order, TimeMs now);

  // The state as plain values at `now`, for a snapshot (state_image.h). O(agents + tasks).
  [[nodiscard]] StateImage image(TimeMs now) const;
  // Replaces an empty coordinator's state with `image` taken elsewhere (times are ages, so
  // the clocks need not agree). Refuses, changing nothing, an image this coordinator already
  // holds agents for, or one that breaks its limits or names a task twice.
  RestoreResult restore(const StateImage& image, TimeMs now);

  // Forgets ended operations older than operationRetention and agents removed long ago.
  void performMaintenance(TimeMs now);

  // Replaces the tunables (config reload). Agents, tasks and operations are kept.
  void reconfigure(const CoordinatorConfig& config);

  [[nodiscard]] Stats stats(TimeMs now) const;
  [[nodiscard]] const Counters& counters() const;
  [[nodiscard]] const CoordinatorConfig& config() const;
  // Most recent first, at most `limit`.
  [[nodiscard]] std::vector<OperationView> operations(std::size_t limit) const;
  // Sorted by agent id, at most `limit`, only ids after `after` (paging; empty: from the
  // first). O(log agents + limit) (agent_order.h).
  [[nodiscard]] std::vector<AgentView> agents(TimeMs now, std::size_t limit,
                                              const std::string& after = {}) const;
  [[nodiscard]] std::optional<AgentView> agent(const std::string& agent_id, TimeMs now) const;
  // The live agent that can run a task needing `required` and would start it soonest. Not
  // const: it is answered from the planner's heaps, re-keying what changed since the last
  // decision (O(changed log n + capability groups)).
  [[nodiscard]] std::optional<BestAgent> bestAgent(const std::vector<std::string>& required,
                                                   TimeMs now);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wss::core
