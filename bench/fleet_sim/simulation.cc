#include "bench/fleet_sim/simulation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <queue>
#include <random>
#include <unordered_map>

#include "bench/fleet_sim/agent.h"
#include "bench/fleet_sim/best_agent_client.h"
#include "bench/fleet_sim/dispatcher.h"

namespace wss::sim {
namespace {

constexpr Us kNever = std::numeric_limits<Us>::max();

// Set by Simulation::requestResync() (a signal handler may call it).
std::atomic<bool> g_resync_requested{false};

enum class TaskState : std::uint8_t {
  kPending,   // not arrived yet
  kUnplaced,  // arrived, no live capable agent at the time: lost
  kQueued,    // in `agent`'s queue
  kRunning,   // on one of `agent`'s slots
  kOrphaned,  // held by `agent` when it died
  kCompleted,
};

struct TaskRun {
  TaskState state = TaskState::kPending;
  std::uint32_t agent = 0;
  std::uint32_t epoch = 0;  // bumps on every start; stale completion events are ignored
  std::uint32_t completions = 0;
  Us dispatched_us = 0;
  Us started_us = 0;
  Us completed_us = 0;
};

enum class EventKind : std::uint8_t { kJoin, kDeath, kMetrics, kCompletion };

struct TimedEvent {
  Us at = 0;
  std::uint64_t seq = 0;  // ties keep insertion order
  EventKind kind = EventKind::kMetrics;
  std::uint32_t agent = 0;
  TaskIndex task = 0;
  std::uint32_t epoch = 0;
  bool operator>(const TimedEvent& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

struct InboxItem {
  bool ok = false;
  core::StealOrder order;
  std::chrono::steady_clock::time_point received;  // stamped by the cnats callback
};

std::optional<TaskIndex> parseTaskId(const std::string& id) {
  if (id.size() < 3 || id.compare(0, 2, "t-") != 0) return std::nullopt;
  TaskIndex v = 0;
  for (std::size_t i = 2; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<TaskIndex>(id[i] - '0');
  }
  return v;
}

}  // namespace

struct Simulation::State {
  State(const Scenario& s, SimOptions o, bench::NatsClient& n)
      : scenario(s),
        options(std::move(o)),
        nats(n),
        dispatcher(s, s.seed),
        best_agent(n, options.best_agent_subject, options.best_agent_timeout_ms),
        failure_rng(s.seed ^ 0xfa11U) {
    agents.reserve(s.agents.size());
    for (std::size_t i = 0; i < s.agents.size(); ++i) {
      agents.emplace_back(s.agents[i]);
      agent_index.emplace(s.agents[i].id, i);
    }
    orphans.resize(s.agents.size());
    tasks.resize(s.tasks.size());
    content_type = std::string(codec::contentType(options.encoding));
  }

  const Scenario& scenario;
  SimOptions options;
  bench::NatsClient& nats;
  Dispatcher dispatcher;
  BestAgentClient best_agent;  // used in best-agent mode only
  std::mt19937_64 failure_rng;
  std::vector<Agent> agents;
  std::unordered_map<std::string, std::size_t> agent_index;
  std::vector<std::vector<TaskIndex>> orphans;  // per dead agent
  std::vector<TaskRun> tasks;
  std::priority_queue<TimedEvent, std::vector<TimedEvent>, std::greater<>> timeline;
  std::uint64_t seq = 0;
  std::string content_type;
  std::chrono::steady_clock::time_point t0;

  // The inbox: filled by the cnats callback thread, drained by the simulation thread.
  std::mutex inbox_mutex;
  std::condition_variable inbox_cv;
  std::vector<InboxItem> inbox;
  natsSubscription* steal_sub = nullptr;

  RunReport figures;  // counters filled as the run goes
  std::uint64_t completed = 0;
  std::uint64_t publish_errors = 0;
  double max_dispatch_lag_ms = 0;
  std::uint64_t progress_orders = 0;  // at the previous progress line
  std::uint64_t progress_moved = 0;
  std::ofstream steals_log;

  // Resync after an outage (options.resync_on_reconnect).
  std::deque<std::pair<Us, TaskIndex>> recent_completions;  // (completed_us, task), oldest first
  std::uint64_t seen_reconnects = 0;
  Us down_since = kNever;     // first time this client was seen disconnected, this outage
  Us outage_from = kNever;    // start of the outage the pending resyncs cover
  std::vector<Us> resync_at;  // pending resyncs, due times
  Us next_connection_check = 0;

  [[nodiscard]] Us now() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 t0)
        .count();
  }

  void schedule(Us at, EventKind kind, std::uint32_t agent, TaskIndex task = 0,
                std::uint32_t epoch = 0) {
    timeline.push(TimedEvent{at, seq++, kind, agent, task, epoch});
  }

  void publish(const char* subject, const core::Event& event) {
    const std::string payload = codec::encodeEvent(event, options.encoding);
    if (nats.publish(subject, payload, content_type) != NATS_OK) ++publish_errors;
  }

  void publishAssigned(std::size_t agent, TaskIndex task) {
    const auto& spec = scenario.tasks[task];
    publish("task.assigned",
            core::TaskAssigned{.agent_id = agents[agent].spec().id,
                               .task_id = spec.id,
                               .required_capabilities = spec.required_capabilities});
  }

  void publishMetrics(std::size_t a, Us now) {
    Agent& agent = agents[a];
    const double cpu = agent.alive() ? agent.takeUtilisation(now) : 0.0;
    core::AgentMetrics m;
    m.agent_id = agent.spec().id;
    m.cpu_usage = cpu;
    m.memory_usage = 20.0 + 60.0 * agent.running() / agent.spec().concurrency;
    m.capabilities = agent.spec().capabilities;
    m.status = agent.status();
    m.concurrency = agent.spec().concurrency;
    publish("agent.metrics", m);
  }

  void tryStart(std::size_t a, Us now) {
    Agent& agent = agents[a];
    while (const auto task = agent.startNext(now)) {
      TaskRun& run = tasks[*task];
      run.state = TaskState::kRunning;
      run.started_us = now;
      ++run.epoch;
      if (!agent.canRun(scenario.tasks[*task].required_capabilities)) {
        ++figures.capability_violations;
      }
      schedule(now + agent.durationUs(scenario.tasks[*task].work_ms), EventKind::kCompletion,
               static_cast<std::uint32_t>(a), *task, run.epoch);
    }
  }

  void place(TaskIndex task, std::size_t a, Us now) {
    TaskRun& run = tasks[task];
    run.state = TaskState::kQueued;
    run.agent = static_cast<std::uint32_t>(a);
    agents[a].enqueue(task);
    figures.max_queue_depth =
        std::max(figures.max_queue_depth, static_cast<std::uint32_t>(agents[a].queue().size()));
    publishAssigned(a, task);
    tryStart(a, now);
  }

  // Best-agent mode: the sidecar's answer when it names a live agent able to run the task,
  // else `naive`; every request and fallback is counted.
  std::optional<std::size_t> askBestAgent(TaskIndex task, std::optional<std::size_t> naive) {
    auto& c = figures.best_agent;
    ++c.requests;
    const auto& required = scenario.tasks[task].required_capabilities;
    const BestAgentAnswer answer = best_agent.ask(required);
    if (answer.kind == BestAgentAnswer::Kind::kNoReply) {
      ++c.no_reply;
      return naive;
    }
    if (answer.kind == BestAgentAnswer::Kind::kNoAgent) {
      ++c.no_agent;
      return naive;
    }
    const auto it = agent_index.find(answer.agent_id);
    if (it == agent_index.end() || !agents[it->second].alive() ||
        !agents[it->second].canRun(required)) {
      ++c.unusable;
      return naive;
    }
    ++c.placed;
    return it->second;
  }

  void dispatch(TaskIndex task, Us now) {
    // The naive choice is drawn in every mode, so the dispatcher's random stream (and the
    // steal floor computed from it) stays the same.
    const auto naive = dispatcher.choose(scenario.tasks[task], agents);
    const auto a = options.best_agent ? askBestAgent(task, naive) : naive;
    if (!a) {
      tasks[task].state = TaskState::kUnplaced;
      return;
    }
    // A request takes real time: the task is placed when the answer is in.
    place(task, *a, options.best_agent ? this->now() : now);
  }

  void arrive(TaskIndex task, Us now) {
    tasks[task].dispatched_us = now;
    max_dispatch_lag_ms = std::max(
        max_dispatch_lag_ms, static_cast<double>(now - scenario.tasks[task].arrival_us) / kUsPerMs);
    dispatch(task, now);
  }

  void handle(const TimedEvent& ev, Us now) {
    Agent& agent = agents[ev.agent];
    switch (ev.kind) {
      case EventKind::kJoin: {
        agent.join(now);
        publishMetrics(ev.agent, now);
        // Stagger the agents' metrics over the interval, as real agents would be.
        const Us phase = options.metrics_interval_us * static_cast<Us>(ev.agent % 97) / 97;
        schedule(now + options.metrics_interval_us + phase, EventKind::kMetrics, ev.agent);
        break;
      }
      case EventKind::kMetrics:
        if (!agent.alive()) break;
        publishMetrics(ev.agent, now);
        schedule(ev.at + options.metrics_interval_us, EventKind::kMetrics, ev.agent);
        break;
      case EventKind::kDeath: {
        std::vector<TaskIndex> held = agent.die(now);
        for (const TaskIndex t : held) tasks[t].state = TaskState::kOrphaned;
        orphans[ev.agent] = std::move(held);
        publishMetrics(ev.agent, now);  // status offline
        break;
      }
      case EventKind::kCompletion: {
        TaskRun& run = tasks[ev.task];
        if (run.state != TaskState::kRunning || run.epoch != ev.epoch || run.agent != ev.agent) {
          break;  // abandoned when its agent died
        }
        agent.finish(ev.task, now);
        const auto& spec = scenario.tasks[ev.task];
        if (options.failure_rate > 0 &&
            std::uniform_real_distribution<double>(0, 1)(failure_rng) < options.failure_rate) {
          ++figures.failures_injected;
          publish("task.failed", core::TaskFailed{.agent_id = agent.spec().id,
                                                  .task_id = spec.id,
                                                  .error = "injected failure"});
          dispatch(ev.task, now);  // re-dispatched, so it is not lost
        } else {
          publish("task.completed",
                  core::TaskCompleted{
                      .agent_id = agent.spec().id,
                      .task_id = spec.id,
                      .duration_ms = static_cast<double>(now - run.started_us) / kUsPerMs});
          if (++run.completions == 1) {
            ++completed;
            run.completed_us = now;
            if (options.resync_on_reconnect) rememberCompletion(ev.task, now);
          }
          run.state = TaskState::kCompleted;
        }
        tryStart(ev.agent, now);
        break;
      }
    }
  }

  // Everything due by `now`, in scheduled order; arrivals from `*next_task` on.
  void processDue(Us now, std::size_t* next_task) {
    const std::size_t n = scenario.tasks.size();
    for (;;) {
      const Us heap_at = timeline.empty() ? kNever : timeline.top().at;
      const Us arrival_at = *next_task < n ? scenario.tasks[*next_task].arrival_us : kNever;
      if (std::min(heap_at, arrival_at) > now) return;
      if (heap_at <= arrival_at) {
        const TimedEvent ev = timeline.top();
        timeline.pop();
        handle(ev, this->now());
      } else {
        arrive(static_cast<TaskIndex>((*next_task)++), this->now());
      }
    }
  }

  // True while a live agent still runs or queues something.
  [[nodiscard]] bool liveWork() const {
    return std::any_of(agents.begin(), agents.end(), [](const Agent& a) {
      return a.alive() && (a.running() > 0 || !a.queue().empty());
    });
  }

  void printProgress(Us now) {
    std::size_t alive = 0;
    std::size_t queued = 0;
    std::size_t max_q = 0;
    for (const Agent& a : agents) {
      if (!a.alive()) continue;
      ++alive;
      queued += a.queue().size();
      max_q = std::max(max_q, a.queue().size());
    }
    const auto& ss = figures.steals;
    std::fprintf(stderr,
                 "%s t=%3llds agents=%zu queued=%zu maxq=%zu steals/s=%llu moved/s=%llu "
                 "completed=%llu/%zu\n",
                 options.label.c_str(), static_cast<long long>(now / kUsPerS), alive, queued, max_q,
                 static_cast<unsigned long long>(ss.orders - progress_orders),
                 static_cast<unsigned long long>(ss.tasks_moved - progress_moved),
                 static_cast<unsigned long long>(completed), tasks.size());
    progress_orders = ss.orders;
    progress_moved = ss.tasks_moved;
  }

  // The run's figures, once it has ended at `end`.
  void fillReport(Us end, RunReport* report, std::vector<double>* latency_ms) {
    RunReport& r = *report;
    r = std::move(figures);
    r.scenario = scenario.name;
    r.description = scenario.description;
    r.seed = scenario.seed;
    r.agents = scenario.agents.size();
    r.offered_load = scenario.offered_load;
    r.arrivals_s = static_cast<double>(scenario.arrivals_end_us) / kUsPerS;
    r.wall_s = static_cast<double>(end) / kUsPerS;
    r.tasks = tasks.size();
    r.encoding = options.encoding == codec::Encoding::kJson ? "json" : "protobuf";
    r.dispatch = options.best_agent ? "best-agent" : "naive";
    latency_ms->assign(tasks.size(), -1);
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const TaskRun& run = tasks[i];
      if (run.completions > 0) {
        ++r.completed;
        (*latency_ms)[i] = static_cast<double>(run.completed_us - run.dispatched_us) / kUsPerMs;
      } else {
        ++r.lost;
        if (run.state == TaskState::kOrphaned) ++r.lost_orphaned;
      }
      if (run.completions > 1) ++r.duplicated;
    }
  }

  // --- resync after an outage ---------------------------------------------------------------

  void rememberCompletion(TaskIndex task, Us now) {
    recent_completions.emplace_back(now, task);
    const Us keep = std::max<Us>(options.resync_window_us, 60 * kUsPerS);
    while (!recent_completions.empty() && recent_completions.front().first < now - keep) {
      recent_completions.pop_front();
    }
  }

  // Polls the connection (every 100 ms): a reconnect, or a SIGUSR1, schedules two resyncs, 1 s
  // and 3 s later, so that a sidecar that reconnects after this client still gets them.
  void watchConnection(Us now) {
    if (!options.resync_on_reconnect || now < next_connection_check) return;
    next_connection_check = now + 100 * kUsPerMs;
    const bool up = natsConnection_Status(nats.raw()) == NATS_CONN_STATUS_CONNECTED;
    if (!up && down_since == kNever) down_since = now;
    std::uint64_t reconnects = 0;
    natsStatistics* stats = nullptr;
    if (natsStatistics_Create(&stats) == NATS_OK) {
      if (natsConnection_GetStats(nats.raw(), stats) == NATS_OK) {
        natsStatistics_GetCounts(stats, nullptr, nullptr, nullptr, nullptr, &reconnects);
      }
      natsStatistics_Destroy(stats);
    }
    const bool reconnected = reconnects > seen_reconnects;
    seen_reconnects = std::max(seen_reconnects, reconnects);
    if (reconnected || g_resync_requested.exchange(false)) {
      const Us from = std::min(down_since, now - options.resync_window_us);
      outage_from = std::min(outage_from, from);
      resync_at.push_back(now + kUsPerS);
      resync_at.push_back(now + 3 * kUsPerS);
    }
    if (up) down_since = kNever;
    if (!resync_at.empty() && now >= *std::min_element(resync_at.begin(), resync_at.end())) {
      resync_at.erase(std::min_element(resync_at.begin(), resync_at.end()));
      resync(outage_from);
      if (resync_at.empty()) outage_from = kNever;
    }
  }

  // Re-publishes the fleet's truth: where every held task is, which agents are gone, and the
  // completions since `from` (minus a second, for what was in flight when NATS went away).
  void resync(Us from) {
    ++figures.resyncs;
    const Us t = now();
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const TaskState state = tasks[i].state;
      if (state == TaskState::kQueued || state == TaskState::kRunning ||
          state == TaskState::kOrphaned) {
        publishAssigned(tasks[i].agent, static_cast<TaskIndex>(i));
      }
    }
    // After the orphans' assignments, so that the sidecar re-homes them.
    for (std::size_t a = 0; a < agents.size(); ++a) {
      const auto& death = agents[a].spec().death_us;
      if (death && *death <= t) publishMetrics(a, t);
    }
    for (const auto& [at, task] : recent_completions) {
      if (at < from - kUsPerS) continue;
      const TaskRun& run = tasks[task];
      publish(
          "task.completed",
          core::TaskCompleted{
              .agent_id = agents[run.agent].spec().id,
              .task_id = scenario.tasks[task].id,
              .duration_ms = static_cast<double>(run.completed_us - run.started_us) / kUsPerMs});
    }
  }

  // --- work.steal ---------------------------------------------------------------------------

  void moveTask(TaskIndex task, std::size_t from, std::size_t to, Us now) {
    TaskRun& run = tasks[task];
    if (run.state == TaskState::kOrphaned) {
      auto& list = orphans[from];
      list.erase(std::find(list.begin(), list.end(), task));
      ++figures.steals.orphans_rehomed;
    } else {
      agents[from].removeQueued(task);
    }
    ++figures.steals.tasks_moved;
    place(task, to, now);  // publishes task.assigned for the target: the confirmation
  }

  // What an order would do, decided before anything moves: applySteal() carries it out, a
  // fenced order is only measured by it.
  struct StealPlan {
    std::uint64_t named = 0;        // task ids named, or tasksToSteal in count-only mode
    const char* refusal = nullptr;  // the whole order refused: its outcome; else null
    std::uint64_t* refusal_counter = nullptr;
    std::size_t src = 0;
    std::size_t dst = 0;
    std::vector<TaskIndex> moves;
    std::uint64_t not_queued = 0;
    std::uint64_t incapable = 0;
  };

  StealPlan planSteal(const core::StealOrder& order) {
    auto& st = figures.steals;
    StealPlan plan;
    const bool count_only = order.task_ids.empty();
    plan.named = count_only ? order.tasks_to_steal : order.task_ids.size();
    const auto src_it = agent_index.find(order.source_agent_id);
    const auto dst_it = agent_index.find(order.target_agent_id);
    if (src_it == agent_index.end()) {
      plan.refusal = "source-unknown";
      plan.refusal_counter = &st.refused_source_unknown;
    } else if (dst_it != agent_index.end() && dst_it->second == src_it->second) {
      plan.refusal = "same-agent";
      plan.refusal_counter = &st.refused_same_agent;
    } else if (dst_it == agent_index.end() || !agents[dst_it->second].alive()) {
      plan.refusal = "target-unavailable";
      plan.refusal_counter = &st.refused_target_unavailable;
    }
    if (plan.refusal != nullptr) return plan;
    plan.src = src_it->second;
    plan.dst = dst_it->second;
    if (count_only) {
      planCountOnly(&plan);
    } else {
      planNamed(order.task_ids, &plan);
    }
    return plan;
  }

  [[nodiscard]] bool movable(TaskIndex t, std::size_t src) const {
    const TaskRun& run = tasks[t];
    const TaskState waiting = agents[src].alive() ? TaskState::kQueued : TaskState::kOrphaned;
    return run.agent == src && run.state == waiting;
  }

  void planNamed(const std::vector<std::string>& ids, StealPlan* plan) const {
    for (const auto& id : ids) {
      const auto t = parseTaskId(id);
      if (!t || *t >= tasks.size() || !movable(*t, plan->src) ||
          std::find(plan->moves.begin(), plan->moves.end(), *t) != plan->moves.end()) {
        ++plan->not_queued;
      } else if (!agents[plan->dst].canRun(scenario.tasks[*t].required_capabilities)) {
        ++plan->incapable;
      } else {
        plan->moves.push_back(*t);
      }
    }
  }

  // Count-only: the newest waiting tasks the target can run.
  void planCountOnly(StealPlan* plan) const {
    std::vector<TaskIndex> candidates;
    if (agents[plan->src].alive()) {
      candidates.assign(agents[plan->src].queue().rbegin(), agents[plan->src].queue().rend());
    } else {
      candidates.assign(orphans[plan->src].rbegin(), orphans[plan->src].rend());
    }
    for (const TaskIndex t : candidates) {
      if (plan->moves.size() >= plan->named) break;
      if (agents[plan->dst].canRun(scenario.tasks[t].required_capabilities)) {
        plan->moves.push_back(t);
      }
    }
    plan->not_queued = plan->named - plan->moves.size();
  }

  void logSteal(const core::StealOrder& order, const StealPlan& plan, std::uint64_t moved,
                const char* outcome, Us now) {
    if (!steals_log.is_open()) return;
    const auto load = [&](const std::string& id) -> long {
      const auto it = agent_index.find(id);
      if (it == agent_index.end()) return -1;
      const Agent& a = agents[it->second];
      return static_cast<long>(a.queue().size() + a.running());
    };
    char line[512];
    std::snprintf(
        line, sizeof line,
        R"({"tMs":%.1f,"op":"%s","source":"%s","target":"%s","named":%llu,)"
        R"("moved":%llu,"sourceLoadAfter":%ld,"targetLoadAfter":%ld,)"
        R"("outcome":"%s","epoch":%llu,"reason":"%s"})",
        static_cast<double>(now) / kUsPerMs, order.operation_id.c_str(),
        order.source_agent_id.c_str(), order.target_agent_id.c_str(),
        static_cast<unsigned long long>(plan.named), static_cast<unsigned long long>(moved),
        load(order.source_agent_id), load(order.target_agent_id), outcome,
        static_cast<unsigned long long>(order.epoch), order.reason.substr(0, 120).c_str());
    steals_log << line << std::endl;  // whole lines as they happen, for whoever tails it
  }

  void applySteal(const core::StealOrder& order, Us now) {
    auto& st = figures.steals;
    ++st.orders;
    if (order.task_ids.empty()) ++st.count_only_orders;
    const StealPlan plan = planSteal(order);
    st.tasks_requested += plan.named;
    if (plan.refusal != nullptr) {
      *plan.refusal_counter += plan.named;
      return logSteal(order, plan, 0, plan.refusal, now);
    }
    st.refused_not_queued += plan.not_queued;
    st.refused_target_incapable += plan.incapable;
    for (const TaskIndex t : plan.moves) moveTask(t, plan.src, plan.dst, now);
    const std::uint64_t moved = plan.moves.size();
    logSteal(order, plan, moved,
             moved == plan.named ? "moved"
             : moved > 0         ? "partly-moved"
                                 : "refused",
             now);
  }

  // The fleet's side of fencing (docs/high-availability.md): an order under an epoch below
  // the highest seen comes from a deposed leader and is dropped; true when `item` is one.
  // Epochs 0 (no ha) never fence one another. Also notes the first order of each new epoch,
  // received at `received_us`, for the ha report's resume times.
  bool fence(const InboxItem& item, Us received_us, Us now) {
    auto& f = figures.fencing;
    const std::uint64_t epoch = item.order.epoch;
    if (epoch > f.highest_epoch) {
      f.highest_epoch = epoch;
      f.epoch_starts.push_back(EpochStart{epoch, received_us});
    }
    if (epoch == 0) ++f.orders_without_epoch;
    if (epoch >= f.highest_epoch) return false;
    ++f.fenced_orders;
    const StealPlan plan = planSteal(item.order);
    if (plan.refusal == nullptr && !plan.moves.empty()) {
      ++f.fenced_would_apply;
      f.fenced_tasks_would_move += plan.moves.size();
    }
    logSteal(item.order, plan, 0, "fenced", now);
    return true;
  }

  static void onSteal(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                      void* closure) {
    auto* self = static_cast<State*>(closure);
    const auto received = std::chrono::steady_clock::now();
    const std::string_view payload(natsMsg_GetData(msg),
                                   static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    const codec::Encoding enc = codec::detectEncoding(bench::contentTypeOf(msg), payload);
    codec::StealOrderResult decoded = codec::decodeStealOrder(enc, payload);
    natsMsg_Destroy(msg);
    {
      const std::lock_guard lock(self->inbox_mutex);
      self->inbox.push_back(InboxItem{decoded.ok, std::move(decoded.order), received});
    }
    self->inbox_cv.notify_one();
  }

  void drainInbox(Us now) {
    std::vector<InboxItem> items;
    {
      const std::lock_guard lock(inbox_mutex);
      items.swap(inbox);
    }
    for (const auto& item : items) {
      if (!item.ok) {
        ++figures.steals.undecodable;
        continue;
      }
      const Us received_us =
          std::chrono::duration_cast<std::chrono::microseconds>(item.received - t0).count();
      if (fence(item, received_us, now)) continue;
      applySteal(item.order, now);
    }
  }
};

Simulation::Simulation(const Scenario& scenario, SimOptions options, bench::NatsClient& nats)
    : state_(std::make_unique<State>(scenario, std::move(options), nats)) {}

Simulation::~Simulation() {
  if (state_->steal_sub != nullptr) {
    natsSubscription_Unsubscribe(state_->steal_sub);
    natsSubscription_Destroy(state_->steal_sub);
  }
}

std::chrono::steady_clock::time_point Simulation::startTime() const { return state_->t0; }

void Simulation::requestResync() { g_resync_requested.store(true); }

bool Simulation::start(std::string* error) {
  natsStatus s = natsConnection_Subscribe(&state_->steal_sub, state_->nats.raw(), "work.steal",
                                          &State::onSteal, state_.get());
  if (s == NATS_OK) s = natsSubscription_SetPendingLimits(state_->steal_sub, -1, -1);
  if (s == NATS_OK) s = state_->nats.flush(2000);
  if (s != NATS_OK) {
    if (error != nullptr) *error = std::string("subscribe work.steal: ") + natsStatus_GetText(s);
    return false;
  }
  if (!state_->options.steals_log.empty()) {
    state_->steals_log.open(state_->options.steals_log, std::ios::trunc);
  }
  return true;
}

void Simulation::run(RunReport* report, std::vector<double>* latency_ms) {
  State& st = *state_;
  const Scenario& sc = st.scenario;
  st.t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < sc.agents.size(); ++i) {
    const auto a = static_cast<std::uint32_t>(i);
    st.schedule(sc.agents[i].join_us, EventKind::kJoin, a);
    if (sc.agents[i].death_us) st.schedule(*sc.agents[i].death_us, EventKind::kDeath, a);
  }

  const std::size_t n = sc.tasks.size();
  std::size_t next_task = 0;
  Us next_progress = kUsPerS;
  Us next_idle_check = 0;
  Us idle_since = kNever;
  const Us deadline = sc.arrivals_end_us + static_cast<Us>(st.options.grace_s * kUsPerS);

  for (;;) {
    // Everything due, in scheduled order: the naive dispatcher's choices depend only on the
    // scenario, never on timing, so every naive run places tasks identically (best-agent
    // placement depends on the sidecar's answers, so it does not).
    st.processDue(st.now(), &next_task);
    Us now = st.now();
    st.drainInbox(now);
    st.watchConnection(now);

    if (now >= next_progress) {
      if (st.options.progress) st.printProgress(now);
      next_progress += kUsPerS;
    }

    if (next_task == n && now >= next_idle_check) {
      next_idle_check = now + 100 * kUsPerMs;
      if (st.completed == n || now >= deadline) break;
      if (st.liveWork()) {
        idle_since = kNever;
      } else if (idle_since == kNever) {
        idle_since = now;
      } else if (now - idle_since >= static_cast<Us>(st.options.idle_stop_s * kUsPerS)) {
        break;  // only orphans or unplaceable tasks remain, and nobody re-homes them
      }
    }

    // Sleep until the next due item, a steal order, or at most 20 ms.
    Us wake = std::min({next_progress, now + 20 * kUsPerMs,
                        st.timeline.empty() ? kNever : st.timeline.top().at,
                        next_task < n ? sc.tasks[next_task].arrival_us : kNever});
    if (wake > now) {
      std::unique_lock lock(st.inbox_mutex);
      st.inbox_cv.wait_until(lock, st.t0 + std::chrono::microseconds(wake),
                             [&] { return !st.inbox.empty(); });
    }
  }
  const Us end = st.now();
  st.nats.flush(5000);

  st.figures.publish_errors = st.publish_errors;
  st.fillReport(end, report, latency_ms);
  if (st.publish_errors > 0 || st.max_dispatch_lag_ms > 50) {
    std::fprintf(stderr, "%s note: %llu publish errors, dispatcher lag up to %.0f ms\n",
                 st.options.label.c_str(), static_cast<unsigned long long>(st.publish_errors),
                 st.max_dispatch_lag_ms);
  }
}

}  // namespace wss::sim
