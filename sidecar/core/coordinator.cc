#include "sidecar/core/coordinator.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "sidecar/core/coordinator_state.h"

namespace wss::core {
namespace {

// Agents that hold nothing and stayed silent this many agentTimeouts are forgotten.
constexpr TimeMs kForgetAfterTimeouts = 10;

float clampPercent(double value, float fallback) {
  if (!std::isfinite(value)) return fallback;
  return static_cast<float>(std::clamp(value, 0.0, 100.0));
}

}  // namespace

std::string_view toString(OperationStatus status) {
  switch (status) {
    case OperationStatus::kPlanned:
      return "planned";
    case OperationStatus::kExecuting:
      return "executing";
    case OperationStatus::kCompleted:
      return "completed";
    case OperationStatus::kFailed:
      return "failed";
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Agents

AgentIndex Coordinator::State::findAgent(const std::string& id) const {
  auto it = agent_index.find(id);
  return it == agent_index.end() ? kNoAgent : it->second;
}

AgentIndex Coordinator::State::touchAgent(const std::string& id, TimeMs now) {
  auto [it, inserted] = agent_index.try_emplace(id, kNoAgent);
  if (inserted) {
    AgentIndex index;
    if (free_slots.empty()) {
      index = static_cast<AgentIndex>(agents.size());
      agents.emplace_back();
    } else {
      index = free_slots.back();
      free_slots.pop_back();
      agents[index] = Agent{};
    }
    agents[index].id = id;
    agents[index].in_use = true;
    it->second = index;
  }
  agents[it->second].last_seen = now;
  return it->second;
}

void Coordinator::State::removeAgent(AgentIndex index) {
  Agent& agent = agents[index];
  assert(agent.in_use && agent.oldest == nullptr);
  if (agent.departed) --departed_agents;
  agent_index.erase(agent.id);
  agent = Agent{};
  free_slots.push_back(index);
}

void Coordinator::State::removeIfDrained(AgentIndex index) {
  const Agent& agent = agents[index];
  if (agent.departed && agent.id_tasks == 0 && agent.incoming == 0) {
    // Count-only tasks of a departed agent cannot be named, so they leave with it.
    removeAgent(index);
  }
}

bool Coordinator::State::isStale(const Agent& agent, TimeMs now) const {
  return now - agent.last_seen > config.agent_timeout_ms;
}

std::uint32_t Coordinator::State::concurrencyOf(const Agent& agent) const {
  return agent.concurrency > 0 ? agent.concurrency
                               : std::max<std::uint32_t>(config.default_concurrency, 1);
}

bool Coordinator::State::isOverloaded(const Agent& agent) const {
  return agent.held() > config.overloaded_task_count || agent.cpu > config.overloaded_cpu;
}

bool Coordinator::State::isUnderloaded(const Agent& agent) const {
  return agent.held() < config.underloaded_task_count && agent.cpu < config.underloaded_cpu;
}

// Any live agent that has not said busy may receive: the planner's finish-time estimate, not a
// task-count or cpu cap, decides whether a move helps. cpu only breaks ties between targets:
// an agent whose slots are all running reports high cpu yet may start a task soonest, and a
// saturated machine shows up in its measured durations.
bool Coordinator::State::canReceive(const Agent& agent, TimeMs now) const {
  return agent.in_use && !agent.departed && !isStale(agent, now) &&
         agent.status != AgentStatus::kBusy && agent.status != AgentStatus::kOffline;
}

double Coordinator::State::fleetMeanDuration() const {
  double sum = 0;
  std::size_t n = 0;
  for (const Agent& agent : agents) {
    if (!agent.in_use) continue;
    if (auto mean = agent.durations.mean()) {
      sum += *mean;
      ++n;
    }
  }
  return n > 0 ? sum / static_cast<double>(n) : config.default_task_duration_ms;
}

AgentView Coordinator::State::view(const Agent& agent, TimeMs now) const {
  AgentView v;
  v.agent_id = agent.id;
  v.task_count = agent.held();
  v.incoming_steals = agent.incoming;
  v.outgoing_steals = agent.outgoing;
  v.avg_task_duration_ms = agent.durations.mean();
  v.cpu_usage = agent.cpu;
  v.memory_usage = agent.memory;
  v.priority = agent.priority;
  v.concurrency = concurrencyOf(agent);
  v.capabilities = capability_sets.names(agent.capabilities);
  v.status = agent.departed ? AgentStatus::kOffline : agent.status;
  v.overloaded = isOverloaded(agent);
  v.underloaded = isUnderloaded(agent);
  v.stale = isStale(agent, now);
  v.last_seen_ms = agent.last_seen;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Tasks: each agent's tasks form a queue, oldest first, linked through the task map's nodes.

void Coordinator::State::link(TaskNode& node, AgentIndex owner) {
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

void Coordinator::State::unlink(TaskNode& node) {
  TaskRecord& task = node.second;
  Agent& agent = agents[task.owner];
  (task.older != nullptr ? task.older->second.newer : agent.oldest) = task.newer;
  (task.newer != nullptr ? task.newer->second.older : agent.newest) = task.older;
  task.older = task.newer = nullptr;
  assert(agent.id_tasks > 0);
  --agent.id_tasks;
  task.owner = kNoAgent;
}

// ---------------------------------------------------------------------------------------------
// Operations

const Operation* Coordinator::State::findOperation(OperationSeq seq) const {
  if (operations.empty() || seq < operations.front().seq || seq > operations.back().seq) {
    return nullptr;
  }
  const Operation& op = operations[seq - operations.front().seq];
  assert(op.seq == seq);
  return &op;
}

void Coordinator::State::resolveSteal(TaskNode& node, bool moved, TimeMs now) {
  TaskRecord& task = node.second;
  Operation* op = findOperation(task.pending_steal);
  task.pending_steal = kNoOperation;
  if (op == nullptr) return;
  const AgentIndex source = op->source_index;
  const AgentIndex target = op->target_index;
  assert(agents[source].in_use && agents[target].in_use);
  if (agents[source].outgoing > 0) --agents[source].outgoing;
  if (agents[target].incoming > 0) --agents[target].incoming;
  ++op->resolved;
  if (moved) {
    ++op->confirmed;
    ++counters.tasks_moved;
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
  std::vector<OperationSeq> still_pending;
  still_pending.reserve(pending.size());
  for (OperationSeq seq : pending) {
    Operation* op = findOperation(seq);
    if (op == nullptr || op->status != OperationStatus::kExecuting) continue;
    const bool target_gone = agents[op->target_index].departed;
    if (!target_gone && now - op->start < config.steal_timeout_ms) {
      still_pending.push_back(seq);
      continue;
    }
    // Not confirmed in time: the tasks count with their source again.
    for (const std::string& task_id : op->task_ids) {
      auto it = tasks.find(task_id);
      if (it == tasks.end() || it->second.pending_steal != seq) continue;
      ++counters.tasks_returned;
      resolveSteal(*it, /*moved=*/false, now);
    }
    // Tasks that vanished without a word (should not happen) still end the operation.
    op->resolved = op->tasks_to_steal;
    finishIfResolved(*op, now);
  }
  pending = std::move(still_pending);
}

// ---------------------------------------------------------------------------------------------
// Events

Outcome Coordinator::State::onAssigned(const TaskAssigned& e, TimeMs now) {
  AgentIndex index = touchAgent(e.agent_id, now);
  Agent& agent = agents[index];
  if (agent.departed) {  // work assigned to it: it is back
    agent.departed = false;
    --departed_agents;
  }
  if (e.task_id.empty()) {
    ++agent.count_tasks;
    agent.arrivals.record(now);
    return Outcome::kApplied;
  }
  SetId required = capability_sets.intern(e.required_capabilities);
  auto [it, inserted] = tasks.try_emplace(e.task_id);
  TaskNode& node = *it;
  if (inserted) {
    node.second.required = required;
    link(node, index);
    agent.arrivals.record(now);
    return Outcome::kApplied;
  }
  TaskRecord& task = node.second;
  if (task.owner == index) {
    ++counters.duplicate_assignments;
    return Outcome::kDuplicate;
  }
  // The task moved to another agent: a steal's confirmation, or the fleet's own doing.
  bool confirms = false;
  if (task.pending_steal != kNoOperation) {
    Operation* op = findOperation(task.pending_steal);
    confirms = op != nullptr && op->target == e.agent_id;
    resolveSteal(node, confirms, now);
  }
  AgentIndex previous = task.owner;
  unlink(node);
  if (!e.required_capabilities.empty()) task.required = required;
  link(node, index);
  removeIfDrained(previous);
  return confirms ? Outcome::kStealConfirmed : Outcome::kApplied;
}

Outcome Coordinator::State::onFinished(const std::string& agent_id, const std::string& task_id,
                                       std::optional<double> duration_ms, TimeMs now) {
  // A finishing agent is alive but not necessarily back: a departed agent may still report.
  AgentIndex index = touchAgent(agent_id, now);
  bool applied = false;
  if (task_id.empty()) {
    Agent& agent = agents[index];
    if (agent.count_tasks > 0) {
      --agent.count_tasks;
      applied = true;
    }
  } else if (auto it = tasks.find(task_id); it != tasks.end()) {
    TaskNode& node = *it;
    if (node.second.owner != index) ++counters.foreign_completions;
    if (node.second.pending_steal != kNoOperation) resolveSteal(node, /*moved=*/false, now);
    AgentIndex owner = node.second.owner;
    unlink(node);
    tasks.erase(it);
    removeIfDrained(owner);
    applied = true;
  }
  if (!applied) {
    ++counters.unknown_completions;
    removeIfDrained(index);
    return Outcome::kUnknownTask;
  }
  // Only durations of tasks we saw count: a duplicate must not weigh twice.
  if (duration_ms && std::isfinite(*duration_ms) && *duration_ms >= 0) {
    AgentIndex still = findAgent(agent_id);
    if (still != kNoAgent) agents[still].durations.record(*duration_ms, config.duration_window);
  }
  return Outcome::kApplied;
}

Outcome Coordinator::State::onMetrics(const AgentMetrics& e, TimeMs now) {
  if (e.status == AgentStatus::kOffline) {
    AgentIndex index = findAgent(e.agent_id);
    if (index == kNoAgent) return Outcome::kAgentRemoved;
    Agent& agent = agents[index];
    if (!agent.departed) {
      agent.departed = true;
      ++departed_agents;
      ++counters.agents_removed;
    }
    agent.status = AgentStatus::kOffline;
    agent.last_seen = now;
    removeIfDrained(index);
    return Outcome::kAgentRemoved;
  }
  AgentIndex index = touchAgent(e.agent_id, now);
  Agent& agent = agents[index];
  if (agent.departed) {
    agent.departed = false;
    --departed_agents;
  }
  if (e.cpu_usage) agent.cpu = clampPercent(*e.cpu_usage, agent.cpu);
  if (e.memory_usage) agent.memory = clampPercent(*e.memory_usage, agent.memory);
  if (!e.capabilities.empty()) agent.capabilities = capability_sets.intern(e.capabilities);
  if (e.priority) agent.priority = *e.priority;
  if (e.status != AgentStatus::kUnspecified) agent.status = e.status;
  if (e.concurrency && *e.concurrency > 0) agent.concurrency = *e.concurrency;
  return Outcome::kApplied;
}

// ---------------------------------------------------------------------------------------------
// Public surface

Coordinator::Coordinator(CoordinatorConfig config)
    : state_(std::make_unique<State>(std::move(config))) {}
Coordinator::~Coordinator() = default;
Coordinator::Coordinator(Coordinator&&) noexcept = default;
Coordinator& Coordinator::operator=(Coordinator&&) noexcept = default;

Outcome Coordinator::apply(const Event& event, TimeMs now) {
  State& s = *state_;
  ++s.counters.events_applied;
  return std::visit(
      [&](const auto& e) -> Outcome {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, TaskAssigned>) {
          return s.onAssigned(e, now);
        } else if constexpr (std::is_same_v<T, TaskCompleted>) {
          return s.onFinished(e.agent_id, e.task_id, e.duration_ms, now);
        } else if constexpr (std::is_same_v<T, TaskFailed>) {
          return s.onFinished(e.agent_id, e.task_id, std::nullopt, now);
        } else {
          return s.onMetrics(e, now);
        }
      },
      event);
}

std::vector<StealOrder> Coordinator::stealRound(TimeMs now) {
  State& s = *state_;
  ++s.counters.steal_rounds;
  s.expireSteals(now);
  if (!s.config.enabled) return {};
  return s.planRound(now);
}

void Coordinator::performMaintenance(TimeMs now) {
  State& s = *state_;
  s.expireSteals(now);
  const TimeMs cutoff = now - s.config.operation_retention_ms;
  while (!s.operations.empty()) {
    const Operation& front = s.operations.front();
    bool ended =
        front.status == OperationStatus::kCompleted || front.status == OperationStatus::kFailed;
    if (!ended) break;
    if (front.end >= cutoff && s.operations.size() <= s.config.max_operations) break;
    s.operations.pop_front();
  }
  const TimeMs forget_after = s.config.agent_timeout_ms * kForgetAfterTimeouts;
  for (AgentIndex i = 0; i < s.agents.size(); ++i) {
    const Agent& agent = s.agents[i];
    if (agent.in_use && agent.held() == 0 && agent.incoming == 0 &&
        now - agent.last_seen > forget_after) {
      s.removeAgent(i);
    }
  }
}

void Coordinator::reconfigure(const CoordinatorConfig& config) { state_->config = config; }

Stats Coordinator::stats(TimeMs now) const {
  const State& s = *state_;
  Stats out;
  std::uint64_t tasks = 0;
  out.in_flight_tasks = s.tasks.size();  // tasks with ids; count-only tasks are added below
  for (const Agent& agent : s.agents) {
    if (!agent.in_use) continue;
    out.in_flight_tasks += agent.count_tasks;
    if (agent.departed) continue;
    ++out.total_agents;
    tasks += agent.held();
    if (s.isOverloaded(agent)) ++out.overloaded_agents;
    if (s.isUnderloaded(agent)) ++out.underloaded_agents;
    if (agent.held() == 0) ++out.idle_agents;
    if (s.isStale(agent, now)) ++out.stale_agents;
  }
  out.total_steal_operations = s.counters.steals_issued;
  out.successful_steals = s.counters.steals_confirmed;
  out.failed_steals = s.counters.steals_failed;
  for (OperationSeq seq : s.pending) {
    const Operation* op = s.findOperation(seq);
    if (op != nullptr && op->status == OperationStatus::kExecuting) ++out.pending_steals;
  }
  out.avg_tasks_per_agent =
      out.total_agents > 0 ? static_cast<double>(tasks) / static_cast<double>(out.total_agents) : 0;
  return out;
}

const Counters& Coordinator::counters() const { return state_->counters; }
const CoordinatorConfig& Coordinator::config() const { return state_->config; }

std::vector<OperationView> Coordinator::operations(std::size_t limit) const {
  std::vector<OperationView> out;
  const auto& ops = state_->operations;
  for (auto it = ops.rbegin(); it != ops.rend() && out.size() < limit; ++it) {
    OperationView v;
    v.operation_id = it->id;
    v.source_agent_id = it->source;
    v.target_agent_id = it->target;
    v.task_ids = it->task_ids;
    v.tasks_to_steal = it->tasks_to_steal;
    v.tasks_confirmed = it->confirmed;
    v.reason = it->reason;
    v.status = it->status;
    v.start_ms = it->start;
    if (it->end >= 0) v.end_ms = it->end;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<AgentView> Coordinator::agents(TimeMs now, std::size_t limit) const {
  const State& s = *state_;
  std::vector<const Agent*> live;
  live.reserve(s.agent_index.size());
  for (const Agent& agent : s.agents) {
    if (agent.in_use) live.push_back(&agent);
  }
  std::size_t n = std::min(limit, live.size());
  std::partial_sort(live.begin(), live.begin() + static_cast<std::ptrdiff_t>(n), live.end(),
                    [](const Agent* a, const Agent* b) { return a->id < b->id; });
  std::vector<AgentView> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(s.view(*live[i], now));
  return out;
}

std::optional<AgentView> Coordinator::agent(const std::string& agent_id, TimeMs now) const {
  AgentIndex index = state_->findAgent(agent_id);
  if (index == kNoAgent) return std::nullopt;
  return state_->view(state_->agents[index], now);
}

}  // namespace wss::core
