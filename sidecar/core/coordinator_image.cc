// The coordinator's state to and from a StateImage (state_image.h), for snapshots.
//
// A restore fills a fresh State and swaps it in only when the whole image passed, so a bad
// image (beyond this replica's limits, a task named twice) changes nothing.
#include <algorithm>
#include <cmath>

#include "sidecar/core/coordinator_state.h"

namespace wss::core {
namespace {

// Ages beyond this (about 35 years) are taken as this: no arithmetic on them overflows.
constexpr TimeMs kMaxAgeMs = TimeMs{1} << 40;

TimeMs clampAge(TimeMs age) { return std::clamp<TimeMs>(age, 0, kMaxAgeMs); }

float percent(float value) {
  return std::isfinite(value) ? std::clamp(value, 0.0F, 100.0F) : 0.0F;
}

AgentImage imageOf(const Agent& agent, const TaskLedger& tasks, const CapabilitySets& sets,
                   TimeMs now) {
  AgentImage out;
  out.id = agent.id;
  out.capabilities = sets.names(agent.capabilities);
  out.cpu = agent.cpu;
  out.memory = agent.memory;
  out.priority = agent.priority;
  out.concurrency = agent.concurrency;
  out.status = agent.status;
  out.departed = agent.departed;
  out.seen_ago = now - agent.last_seen;
  out.slot_started_ago = now - agent.slot_started;
  out.durations = agent.durations.samples();
  out.count_tasks = agent.count_tasks;
  out.timed_out_steals = agent.timed_out_steals;
  out.benched_for = std::max<TimeMs>(agent.benched_until - now, 0);
  out.tasks.reserve(agent.id_tasks);
  for (TaskIndex t = agent.oldest; t != kNoTask; t = tasks[t].newer) {
    out.tasks.push_back({tasks[t].id, sets.names(tasks[t].required)});
  }
  return out;
}

}  // namespace

StateImage Coordinator::image(TimeMs now) const {
  const State& s = *state_;
  StateImage out;
  out.agents.reserve(s.agents.live());
  for (const Agent& agent : s.agents.all()) {
    if (agent.in_use) out.agents.push_back(imageOf(agent, s.tasks, s.capability_sets, now));
  }
  for (const Operation& op : s.operations.all()) {
    if (op.status != OperationStatus::kExecuting) continue;
    StealImage steal{op.id, op.source, op.target, op.reason, {}, now - op.start};
    for (const TaskIndex task : op.tasks) {
      if (s.tasks[task].pending_steal == op.seq) steal.task_ids.push_back(s.tasks[task].id);
    }
    if (!steal.task_ids.empty()) out.steals.push_back(std::move(steal));
  }
  return out;
}

RestoreResult Coordinator::restore(const StateImage& image, TimeMs now) {
  if (state_->agents.live() > 0) return {false, "the coordinator already holds agents"};
  auto fresh = std::make_unique<State>(state_->config);
  RestoreResult result = fresh->restore(image, now);
  if (result.ok) state_ = std::move(fresh);
  return result;
}

RestoreResult Coordinator::State::restore(const StateImage& image, TimeMs now) {
  RestoreResult result;
  if (image.agents.size() > config.limits.max_agents) {
    result.error = "more agents than limits.maxAgents";
    return result;
  }
  for (const AgentImage& agent : image.agents) {
    if (std::string error = restoreAgent(agent, now); !error.empty()) {
      result.error = "agent '" + agent.id.substr(0, 64) + "': " + error;
      return result;
    }
    result.tasks += agent.tasks.size();
  }
  for (const StealImage& steal : image.steals) {
    StealOrder order{steal.operation_id, steal.source, steal.target, 0, steal.task_ids,
                     steal.reason};
    if (adopt(order, now - clampAge(steal.age)) > 0) ++result.steals;
  }
  counters = {};  // what this process did: nothing yet
  planner.touchAll(agents);
  recountAll();
  result.ok = true;
  result.agents = agents.live();
  return result;
}

std::string Coordinator::State::restoreAgent(const AgentImage& image, TimeMs now) {
  const Limits& limits = config.limits;
  const auto too_long = [&](const std::string& id) { return id.size() > limits.max_id_length; };
  if (image.id.empty() || too_long(image.id)) return "an empty or too long id";
  if (agents.find(image.id) != kNoAgent) return "named twice";
  if (std::any_of(image.capabilities.begin(), image.capabilities.end(), too_long)) {
    return "a capability name longer than limits.maxIdLength";
  }
  const std::optional<SetId> capabilities = capability_sets.acquire(image.capabilities);
  if (!capabilities) return "capabilities beyond limits.maxCapabilityNames/Sets";
  const AgentIndex index = agents.touch(image.id, now - clampAge(image.seen_ago));
  Agent& agent = agents[index];
  agent.capabilities = *capabilities;
  agent.cpu = percent(image.cpu);
  agent.memory = percent(image.memory);
  agent.priority = image.priority;
  agent.concurrency = std::min(image.concurrency, kMaxConcurrency);
  agent.status = image.departed ? AgentStatus::kOffline : image.status;
  agent.departed = image.departed;
  agent.slot_started = now - clampAge(image.slot_started_ago);
  agent.count_tasks = image.count_tasks;
  agent.timed_out_steals = image.timed_out_steals;
  if (image.benched_for > 0) {
    agent.benched_until = now + clampAge(image.benched_for);
    benched.push({agent.benched_until, index});
  }
  for (const double duration : image.durations) {
    if (std::isfinite(duration) && duration >= 0) {
      agents.recordDuration(index, std::min(duration, kMaxTaskDurationMs), config.duration_window);
    }
  }
  return restoreTasks(image, index);
}

std::string Coordinator::State::restoreTasks(const AgentImage& image, AgentIndex index) {
  const Limits& limits = config.limits;
  for (const TaskImage& task : image.tasks) {
    if (task.id.empty() || task.id.size() > limits.max_id_length) return "an empty or long task id";
    if (tasks.contains(task.id)) return "task '" + task.id.substr(0, 64) + "' named twice";
    if (tasks.size() >= limits.max_tasks) return "more tasks than limits.maxTasks";
    const std::optional<SetId> required = capability_sets.acquire(task.required);
    if (!required) return "a requirement beyond the capability limits";
    const TaskIndex slot = tasks.insert(task.id);
    tasks[slot].required = *required;
    tasks.link(slot, index, agents);
  }
  return {};
}

}  // namespace wss::core
