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

void Coordinator::State::changed(AgentIndex index) {
  planner.touch(index);
  touched.push_back(index);
}

void Coordinator::State::noteOpportunities(TimeMs now) {
  const LoadModel m = model(now);
  for (AgentIndex index : touched) {
    if (decision_wanted) break;
    const Agent& agent = agents[index];
    if (!agent.in_use) continue;
    const std::uint32_t slots = m.slotsOf(agent);
    const std::uint32_t backlog = agent.backlog();
    decision_wanted =
        agent.departed || backlog < slots || (backlog > slots && planner.hasTargets());
  }
}

void Coordinator::State::markBack(AgentIndex index) {
  Agent& agent = agents[index];
  agent.departed = false;
  // The 'offline' it said is over too; else it would stay no target until its next status.
  if (agent.status == AgentStatus::kOffline) agent.status = AgentStatus::kUnspecified;
}

void Coordinator::State::settle() {
  for (AgentIndex index : touched) {
    const Agent& agent = agents[index];
    tally.recount(index, agent, isOverloaded(agent), isUnderloaded(agent));
  }
  touched.clear();
}

void Coordinator::State::recountAll() {
  touched.clear();
  for (AgentIndex index = 0; index < agents.slots(); ++index) {
    const Agent& agent = agents[index];
    tally.recount(index, agent, isOverloaded(agent), isUnderloaded(agent));
  }
  tally.resetStale();
}

void Coordinator::State::removeIfDrained(AgentIndex index) {
  const Agent& agent = agents[index];
  if (agent.in_use && agent.departed && agent.id_tasks == 0 && agent.incoming == 0) {
    // Count-only tasks of a departed agent cannot be named, so they leave with it.
    removeAgent(index);
  }
}

void Coordinator::State::removeAgent(AgentIndex index) {
  releaseSet(agents[index].capabilities);
  tally.forget(index);
  agents.remove(index);
  planner.touch(index);
}

void Coordinator::State::releaseSet(SetId set) {
  if (auto freed = capability_sets.release(set)) planner.forgetSet(*freed);
}

void Coordinator::State::noteStart(AgentIndex index, bool task_ended, TimeMs now) {
  Agent& agent = agents[index];
  const std::uint32_t slots = model(now).slotsOf(agent);
  // Ended: a queued task takes the freed slot. Joined: it starts at once if a slot was free.
  if (task_ended ? agent.held() >= slots : agent.held() <= slots) agent.slot_started = now;
}

bool Coordinator::State::isOverloaded(const Agent& agent) const {
  return agent.held() > config.overloaded_task_count || agent.cpu > config.overloaded_cpu;
}

bool Coordinator::State::isUnderloaded(const Agent& agent) const {
  return agent.held() < config.underloaded_task_count && agent.cpu < config.underloaded_cpu;
}

AgentView Coordinator::State::view(const Agent& agent, TimeMs now) const {
  const LoadModel m = model(now);
  AgentView v;
  v.agent_id = agent.id;
  v.task_count = agent.held();
  v.incoming_steals = agent.incoming;
  v.outgoing_steals = agent.outgoing;
  v.avg_task_duration_ms = agent.durations.mean();
  v.cpu_usage = agent.cpu;
  v.memory_usage = agent.memory;
  v.priority = agent.priority;
  v.concurrency = m.slotsOf(agent);
  v.capabilities = capability_sets.names(agent.capabilities);
  v.status = agent.departed ? AgentStatus::kOffline : agent.status;
  v.overloaded = isOverloaded(agent);
  v.underloaded = isUnderloaded(agent);
  v.stale = m.isStale(agent);
  v.last_seen_ms = agent.last_seen;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Events

Outcome Coordinator::State::onAssigned(const TaskAssigned& e, TimeMs now) {
  AgentIndex index = agents.touch(e.agent_id, now);
  markBack(index);  // work assigned to it: it is back
  changed(index);
  Agent& agent = agents[index];
  if (e.task_id.empty()) {
    ++agent.count_tasks;
    agent.arrivals.record(now);
    noteStart(index, /*task_ended=*/false, now);
    return Outcome::kApplied;
  }
  if (const TaskIndex known = tasks.find(e.task_id); known != kNoTask) {
    if (tasks[known].owner != index) return moveAssigned(known, index, e, now);
    ++counters.duplicate_assignments;
    return Outcome::kDuplicate;
  }
  // overLimit() made sure the requirement fits the capability tables.
  const std::optional<SetId> required = capability_sets.acquire(e.required_capabilities);
  assert(required.has_value());
  const TaskIndex task = tasks.insert(e.task_id);
  tasks[task].required = required.value_or(kEmptySet);
  tasks.link(task, index, agents);
  agent.arrivals.record(now);
  noteStart(index, /*task_ended=*/false, now);
  return Outcome::kApplied;
}

// A known task assigned to another agent: a steal's confirmation, or the fleet's own doing.
Outcome Coordinator::State::moveAssigned(TaskIndex index, AgentIndex to, const TaskAssigned& e,
                                         TimeMs now) {
  TaskRecord& task = tasks[index];
  bool confirms = false;
  if (task.pending_steal != kNoOperation) {
    const Operation* op = operations.find(task.pending_steal);
    confirms = op != nullptr && op->target_index == to;
    resolveSteal(index, confirms, now);
  }
  const AgentIndex previous = task.owner;
  tasks.unlink(index, agents);
  if (!e.required_capabilities.empty()) {
    // Take the new set before letting go of the old: they may share names.
    if (auto acquired = capability_sets.acquire(e.required_capabilities)) {
      releaseSet(task.required);
      task.required = *acquired;
    }
  }
  tasks.link(index, to, agents);
  noteStart(to, /*task_ended=*/false, now);
  changed(previous);
  removeIfDrained(previous);
  return confirms ? Outcome::kStealConfirmed : Outcome::kApplied;
}

Outcome Coordinator::State::onFinished(const std::string& agent_id, const std::string& task_id,
                                       std::optional<double> duration_ms, TimeMs now) {
  // A finishing agent is alive but not necessarily back: a departed agent may still report.
  AgentIndex index = agents.touch(agent_id, now);
  changed(index);
  // A finished task frees a slot: a `busy` reported before it is out of date, and must not
  // keep the agent from receiving until its next metrics.
  if (agents[index].status == AgentStatus::kBusy) agents[index].status = AgentStatus::kActive;
  bool applied = false;
  if (task_id.empty()) {
    Agent& agent = agents[index];
    if (agent.count_tasks > 0) {
      --agent.count_tasks;
      noteStart(index, /*task_ended=*/true, now);
      applied = true;
    }
  } else if (const TaskIndex task = tasks.find(task_id); task != kNoTask) {
    if (tasks[task].owner != index) ++counters.foreign_completions;
    if (tasks[task].pending_steal != kNoOperation) resolveSteal(task, /*moved=*/false, now);
    const AgentIndex owner = tasks[task].owner;
    releaseSet(tasks[task].required);
    tasks.erase(task, agents);
    noteStart(owner, /*task_ended=*/true, now);
    changed(owner);
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
    const AgentIndex still = agents.find(agent_id);
    if (*duration_ms > kMaxTaskDurationMs) ++counters.values_clamped;
    const double duration = std::min(*duration_ms, kMaxTaskDurationMs);
    if (still != kNoAgent) agents.recordDuration(still, duration, config.duration_window);
  }
  return Outcome::kApplied;
}

Outcome Coordinator::State::onOffline(const std::string& agent_id, TimeMs now) {
  const AgentIndex index = agents.find(agent_id);
  if (index == kNoAgent) return Outcome::kAgentRemoved;
  Agent& agent = agents[index];
  if (!agent.departed) ++counters.agents_removed;
  agent.departed = true;
  agent.status = AgentStatus::kOffline;
  agent.last_seen = now;
  changed(index);
  removeIfDrained(index);
  return Outcome::kAgentRemoved;
}

Outcome Coordinator::State::onMetrics(const AgentMetrics& e, TimeMs now) {
  if (e.status == AgentStatus::kOffline) return onOffline(e.agent_id, now);
  const AgentIndex index = agents.touch(e.agent_id, now);
  markBack(index);
  changed(index);
  Agent& agent = agents[index];
  if (e.cpu_usage) agent.cpu = clampPercent(*e.cpu_usage, agent.cpu);
  if (e.memory_usage) agent.memory = clampPercent(*e.memory_usage, agent.memory);
  if (!e.capabilities.empty()) {
    // Take the new set before letting go of the old: they may share names.
    if (auto acquired = capability_sets.acquire(e.capabilities)) {
      releaseSet(agent.capabilities);
      agent.capabilities = *acquired;
    }
  }
  if (e.priority) agent.priority = *e.priority;
  if (e.status != AgentStatus::kUnspecified) agent.status = e.status;
  if (e.concurrency && *e.concurrency > 0) {
    if (*e.concurrency > kMaxConcurrency) ++counters.values_clamped;
    agent.concurrency = std::min(*e.concurrency, kMaxConcurrency);
  }
  return Outcome::kApplied;
}

// ---------------------------------------------------------------------------------------------
// Public surface

Coordinator::Coordinator(CoordinatorConfig config)
    : state_(std::make_unique<State>(std::move(config))) {}
Coordinator::~Coordinator() = default;
Coordinator::Coordinator(Coordinator&&) noexcept = default;
Coordinator& Coordinator::operator=(Coordinator&&) noexcept = default;

bool isRejected(Outcome outcome) {
  return outcome == Outcome::kTooManyAgents || outcome == Outcome::kTooManyTasks ||
         outcome == Outcome::kTooManyCapabilities || outcome == Outcome::kIdTooLong;
}

namespace {

const std::vector<std::string>& capabilityNames(const Event& event) {
  static const std::vector<std::string> kNone;
  if (const auto* a = std::get_if<TaskAssigned>(&event)) return a->required_capabilities;
  if (const auto* m = std::get_if<AgentMetrics>(&event)) return m->capabilities;
  return kNone;
}

const std::string& taskIdOf(const Event& event) {
  static const std::string kNone;
  return std::visit(
      [](const auto& e) -> const std::string& {
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, AgentMetrics>) {
          return kNone;
        } else {
          return e.task_id;
        }
      },
      event);
}

}  // namespace

std::optional<Outcome> Coordinator::State::overLimit(const Event& event) const {
  const Limits& limits = config.limits;
  const std::string& agent_id =
      std::visit([](const auto& e) -> const std::string& { return e.agent_id; }, event);
  const std::string& task_id = taskIdOf(event);
  const std::vector<std::string>& names = capabilityNames(event);
  const auto too_long = [&](const std::string& id) { return id.size() > limits.max_id_length; };
  if (too_long(agent_id) || too_long(task_id) ||
      std::any_of(names.begin(), names.end(), too_long)) {
    return Outcome::kIdTooLong;
  }
  const auto* metrics = std::get_if<AgentMetrics>(&event);
  const bool says_offline = metrics != nullptr && metrics->status == AgentStatus::kOffline;
  // The counts first: the lookups only run at a limit, not for every event.
  if (!says_offline && agents.live() >= limits.max_agents && agents.find(agent_id) == kNoAgent) {
    return Outcome::kTooManyAgents;
  }
  if (std::holds_alternative<TaskAssigned>(event) && !task_id.empty() &&
      tasks.size() >= limits.max_tasks && !tasks.contains(task_id)) {
    return Outcome::kTooManyTasks;
  }
  if (!says_offline && !names.empty() && !capability_sets.fits(names)) {
    return Outcome::kTooManyCapabilities;
  }
  return std::nullopt;
}

void Coordinator::State::countRejection(Outcome outcome) {
  switch (outcome) {
    case Outcome::kTooManyAgents:
      ++counters.rejected_agents;
      break;
    case Outcome::kTooManyTasks:
      ++counters.rejected_tasks;
      break;
    case Outcome::kTooManyCapabilities:
      ++counters.rejected_capabilities;
      break;
    case Outcome::kIdTooLong:
      ++counters.rejected_long_ids;
      break;
    default:
      break;
  }
}

Outcome Coordinator::apply(const Event& event, TimeMs now) {
  State& s = *state_;
  if (auto rejected = s.overLimit(event)) {
    s.countRejection(*rejected);
    return *rejected;
  }
  ++s.counters.events_applied;
  const Outcome outcome = std::visit(
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
  s.noteOpportunities(now);
  s.settle();
  return outcome;
}

std::vector<StealOrder> Coordinator::stealRound(TimeMs now) {
  State& s = *state_;
  ++s.counters.steal_rounds;
  s.expireSteals(now);
  if (!s.config.enabled) {
    s.settle();
    return {};
  }
  return s.decide(now);
}

void Coordinator::withdraw(const StealOrder& order, TimeMs now) {
  state_->withdraw(order.sequence, now);
  state_->settle();
}

std::uint32_t Coordinator::adopt(const StealOrder& order, TimeMs now) {
  const std::uint32_t adopted = state_->adopt(order, now);
  state_->settle();
  return adopted;
}

bool Coordinator::wantsDecision() const {
  const State& s = *state_;
  return s.config.enabled && s.config.reactive && s.decision_wanted;
}

std::vector<StealOrder> Coordinator::react(TimeMs now) {
  State& s = *state_;
  if (!s.config.enabled) {
    s.decision_wanted = false;
    return {};
  }
  ++s.counters.reactive_decisions;
  return s.decide(now);
}

void Coordinator::performMaintenance(TimeMs now) {
  State& s = *state_;
  s.expireSteals(now);
  s.operations.trim(now - s.config.operation_retention_ms, s.config.max_operations);
  const TimeMs forget_after = s.config.agent_timeout_ms * kForgetAfterTimeouts;
  for (AgentIndex i = 0; i < s.agents.slots(); ++i) {
    const Agent& agent = s.agents[i];
    if (agent.in_use && agent.held() == 0 && agent.incoming == 0 &&
        now - agent.last_seen > forget_after) {
      s.removeAgent(i);
    }
  }
  s.agents.resumTypical();
  s.settle();
}

void Coordinator::reconfigure(const CoordinatorConfig& config) {
  state_->config = config;
  state_->capability_sets.setBounds(config.limits.max_capability_names,
                                    config.limits.max_capability_sets);
  state_->planner.touchAll(state_->agents);  // caps and look-ahead may have changed
  state_->recountAll();                      // thresholds and the agent timeout too
  state_->decision_wanted = true;
}

Stats Coordinator::stats(TimeMs now) const {
  const State& s = *state_;
  const FleetTally& tally = s.tally;
  Stats out;
  // Tasks with ids, plus those of count-only fleets.
  out.in_flight_tasks = s.tasks.size() + tally.countOnlyTasks();
  out.total_agents = tally.agents();
  out.overloaded_agents = tally.overloaded();
  out.underloaded_agents = tally.underloaded();
  out.idle_agents = tally.idle();
  out.stale_agents = tally.stale(now, s.config.agent_timeout_ms);
  out.total_steal_operations = s.counters.steals_issued;
  out.successful_steals = s.counters.steals_confirmed;
  out.failed_steals = s.counters.steals_failed;
  out.pending_steals = s.operations.executing();
  out.capability_names = s.capability_sets.liveNames();
  out.capability_sets = s.capability_sets.liveSets();
  out.avg_tasks_per_agent = out.total_agents > 0 ? static_cast<double>(tally.heldTasks()) /
                                                       static_cast<double>(out.total_agents)
                                                 : 0;
  return out;
}

const Counters& Coordinator::counters() const { return state_->counters; }
const CoordinatorConfig& Coordinator::config() const { return state_->config; }

std::vector<OperationView> Coordinator::operations(std::size_t limit) const {
  std::vector<OperationView> out;
  const auto& ops = state_->operations.all();
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

std::vector<AgentView> Coordinator::agents(TimeMs now, std::size_t limit,
                                           const std::string& after) const {
  const State& s = *state_;
  std::vector<AgentView> out;
  for (AgentIndex index : s.agents.byId(after, limit)) out.push_back(s.view(s.agents[index], now));
  return out;
}

std::optional<AgentView> Coordinator::agent(const std::string& agent_id, TimeMs now) const {
  AgentIndex index = state_->agents.find(agent_id);
  if (index == kNoAgent) return std::nullopt;
  return state_->view(state_->agents[index], now);
}

std::optional<BestAgent> Coordinator::bestAgent(const std::vector<std::string>& required,
                                                TimeMs now) {
  State& s = *state_;
  const LoadModel m = s.model(now);
  // A requirement never seen as a set is checked name by name against each group.
  const std::optional<SetId> need = s.capability_sets.find(required);
  const auto best = s.planner.bestReceiver(need, required, s.agents, s.capability_sets, m);
  if (!best) return std::nullopt;
  return BestAgent{s.agents[best->agent].id, best->finish - best->duration};
}

}  // namespace wss::core
