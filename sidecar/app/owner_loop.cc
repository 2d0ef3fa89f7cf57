#include "sidecar/app/owner_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "sidecar/app/allocator.h"
#include "sidecar/app/config_diff.h"
#include "sidecar/codec/codec.h"

namespace wss::app {
namespace {

// The loop wakes at least this often, so the heartbeat and the metrics stay fresh even with
// a long steal interval.
constexpr core::TimeMs kMaxSleepMs = 1000;
// Under a steady stream of events, waking the owner for every one or two costs a futex round
// trip each. After a small batch the owner naps this long so events gather into batches; it
// delays requests and rounds by well under a millisecond.
constexpr auto kCoalesceNap = std::chrono::microseconds(300);
constexpr std::size_t kSmallBatch = 256;
// A batch this big means a backlog: once it is worked off, free memory goes back to the kernel.
constexpr std::size_t kBurstBatch = 50'000;
constexpr core::TimeMs kSnapshotIntervalMs = 1000;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string_view outcomeText(core::Outcome outcome) {
  switch (outcome) {
    case core::Outcome::kApplied:
      return "applied";
    case core::Outcome::kDuplicate:
      return "duplicate assignment";
    case core::Outcome::kUnknownTask:
      return "unknown task";
    case core::Outcome::kStealConfirmed:
      return "steal confirmed";
    case core::Outcome::kAgentRemoved:
      return "agent removed";
    case core::Outcome::kTooManyAgents:
      return "refused: a new agent beyond limits.maxAgents";
    case core::Outcome::kTooManyTasks:
      return "refused: a new task beyond limits.maxTasks";
    case core::Outcome::kTooManyCapabilities:
      return "refused: a capability name or set beyond limits.maxCapabilityNames/Sets";
    case core::Outcome::kIdTooLong:
      return "refused: an id or capability name longer than limits.maxIdLength";
  }
  return "?";
}

const std::string& agentOf(const core::Event& event) {
  return std::visit([](const auto& e) -> const std::string& { return e.agent_id; }, event);
}

}  // namespace

OwnerLoop::OwnerLoop(config::Config config, OwnerLoopDeps deps)
    : config_(std::move(config)),
      deps_(std::move(deps)),
      coordinator_(withBootId(config_.stealing)),
      throttle_(deps_.clock),
      peers_(deps_.restore_from_peer, deps_.bus, throttle_) {
  started_ms_ = deps_.clock.nowMs();
  next_steal_ms_ = started_ms_ + config_.stealing.steal_interval_ms;
  next_maintenance_ms_ = started_ms_ + config_.maintenance_interval_ms;
  next_snapshot_ms_ = started_ms_;
  if (deps_.state_snapshots != nullptr && config_.state.snapshot_interval_ms > 0) {
    next_state_snapshot_ms_ = started_ms_ + config_.state.snapshot_interval_ms;
  }
}

core::CoordinatorConfig OwnerLoop::withBootId(core::CoordinatorConfig stealing) const {
  stealing.operation_id_prefix = operationIdPrefix(stealing.operation_id_prefix, deps_.boot_id);
  return stealing;
}

void OwnerLoop::run() {
  std::vector<WorkItem> batch;
  core::TimeMs next = turn(batch);
  for (;;) {
    const core::TimeMs wait = std::clamp<core::TimeMs>(next - deps_.clock.nowMs(), 0, kMaxSleepMs);
    // A real wait: its deadline is on steady_clock (see clock.h).
    if (!deps_.queue.popAll(batch,
                            std::chrono::steady_clock::now() + std::chrono::milliseconds(wait))) {
      break;  // closed and drained: shutdown
    }
    const std::size_t handled = batch.size();
    next = turn(batch);
    if (handled >= kBurstBatch) burst_drained_ = false;
    if (handled < kSmallBatch && !burst_drained_) {
      returnFreeMemory();  // the burst's buffers are freed by now
      burst_drained_ = true;
    }
    if (handled > 0 && handled < kSmallBatch) std::this_thread::sleep_for(kCoalesceNap);
  }
  publishSnapshot(deps_.clock.nowMs());
  spdlog::debug("owner thread done: {} events processed", events_processed_);
}

core::TimeMs OwnerLoop::turn(std::vector<WorkItem>& items) {
  const core::TimeMs now = deps_.clock.nowMs();
  for (auto& item : items) dispatch(item, now);
  items.clear();
  // A standby decides nothing, so it schedules no reactive decision (the round catches up
  // once it leads).
  if (!next_react_ms_ && leads(now) && coordinator_.wantsDecision()) {
    next_react_ms_ = now + config_.stealing.reactive_delay_ms;
  }
  if (deps_.heartbeat != nullptr) deps_.heartbeat->beat(deps_.clock.nowMs());
  return runTimers(deps_.clock.nowMs());
}

void OwnerLoop::dispatch(WorkItem& item, core::TimeMs now) {
  if (peers_.restoring()) {
    if (peers_.hold(item)) return;
    for (WorkItem& earlier : peers_.takeReleased()) handleItem(earlier, now);
  }
  handleItem(item, now);
}

void OwnerLoop::handleItem(WorkItem& item, core::TimeMs now) {
  std::visit([this, now](auto& work) { handle(work, now); }, item);
}

void OwnerLoop::handle(const PeerSnapshot& fetched, core::TimeMs now) {
  for (WorkItem& held : peers_.finishRestore(fetched, coordinator_, now)) handleItem(held, now);
}

void OwnerLoop::handle(StoredRestore& stored, core::TimeMs now) {
  const core::RestoreResult result = coordinator_.restore(stored.image, now);
  if (result.ok) {
    last_sequence_ = offered_sequence_ = restored_sequence_ = stored.stream_sequence;
  }
  stored.image = {};  // its memory goes before the replay's events come
  if (stored.verdict) stored.verdict->set_value(result);
}

void OwnerLoop::handle(const SnapshotRequest& request, core::TimeMs now) {
  peers_.serve(request, coordinator_, now);
  next_drip_ms_ = peers_.drip(now);
}

void OwnerLoop::handle(InboundEvent& event, core::TimeMs now) {
  // A replayed event happened age_ms ago: an agent last heard from 50 minutes back must not
  // look fresh. Never before an event already applied, so the coordinator's times only grow.
  const core::TimeMs at = std::max(last_event_ms_, now - event.age_ms);
  last_event_ms_ = at;
  // Consumed, applied or refused: a snapshot taken after it covers it either way.
  last_sequence_ = std::max(last_sequence_, event.stream_sequence);
  const core::Outcome outcome = coordinator_.apply(event.event, at);
  if (core::isRejected(outcome)) {
    const std::string_view why = outcomeText(outcome);
    throttle_.warn(std::string(why), "event from '{}' on '{}' {}",
                   agentOf(event.event).substr(0, 64), subjectOf(config_.subjects, event.kind),
                   why);
    return;
  }
  ++events_processed_;
  peers_.applied(event, now);
  if (outcome != core::Outcome::kApplied) {
    spdlog::debug("event from '{}' on '{}': {}", agentOf(event.event),
                  subjectOf(config_.subjects, event.kind), outcomeText(outcome));
  }
}

void OwnerLoop::handle(const PeerSteal& steal, core::TimeMs now) {
  const core::StealOrder& order = steal.order;
  // Epochs are lease revisions: only this replica's own term has its epoch, so that is an
  // echo of what it published (or published before it was deposed), known already.
  if (deps_.leadership == nullptr || order.epoch == deps_.leadership->epoch()) return;
  const std::uint64_t newest = std::max(newest_epoch_, deps_.leadership->epoch());
  if (order.epoch < newest) {
    ++stale_epoch_steals_;  // a deposed leader's; fencing fleets drop it too
    throttle_.warn("ha: stale epoch", "ignored steal {} of epoch {} (epoch {} seen)",
                   order.operation_id.substr(0, 64), order.epoch, newest);
    return;
  }
  newest_epoch_ = order.epoch;
  const std::uint32_t adopted = coordinator_.adopt(order, now);
  spdlog::debug("adopted steal {} of epoch {}: {} of {} task(s) from '{}' to '{}'",
                order.operation_id, order.epoch, adopted, order.tasks_to_steal,
                order.source_agent_id, order.target_agent_id);
}

void OwnerLoop::handle(const ServiceRequest& request, core::TimeMs now) {
  Reply answer;
  if (request.oversized) {
    answer =
        errorReply("request larger than " + std::to_string(codec::kMaxPayloadBytes) + " bytes");
  } else {
    switch (request.service) {
      case Service::kStats:
        answer = statsReply(coordinator_, now, figures(now));
        break;
      case Service::kOperations:
        answer = operationsReply(coordinator_, now, request.payload);
        break;
      case Service::kAgents:
        answer = agentsReply(coordinator_, now, request.payload);
        break;
      case Service::kBestAgent:
        answer = bestAgentReply(coordinator_, now, request.content_type, request.payload);
        break;
    }
  }
  if (answer.ok) {
    ++requests_served_;
  } else {
    ++requests_rejected_;
    const std::string& subject = subjectOf(config_.subjects, request.service);
    throttle_.warn(subject + ": bad request", "bad {} request: {}", subject, answer.body);
  }
  reply(request, answer);
}

void OwnerLoop::reply(const ServiceRequest& request, const Reply& answer) {
  transport::Status status =
      deps_.bus.publish(transport::Outbound::kReply, request.reply, answer.body, kReplyContentType);
  if (status.ok) return;
  // Above the server's max_payload, or the outbound queue is full: say so rather than leave
  // the caller waiting (a full queue will likely refuse this one too; both are counted).
  const Reply fallback = errorReply("reply could not be sent (" + status.error +
                                    "); ask for fewer items with {\"limit\": N}");
  transport::Status second = deps_.bus.publish(transport::Outbound::kReply, request.reply,
                                               fallback.body, kReplyContentType);
  throttle_.warn("reply failed", "{} reply of {} bytes failed: {}{}",
                 subjectOf(config_.subjects, request.service), answer.body.size(), status.error,
                 second.ok ? "" : "; the error reply too");
}

void OwnerLoop::handle(const ReloadRequest& /*request*/, core::TimeMs /*now*/) {
  if (!deps_.reload || config_.source_file.empty()) {
    spdlog::warn("SIGHUP: no config file to reload (running on defaults)");
    return;
  }
  config::LoadResult loaded = deps_.reload();
  if (!loaded.ok) {
    spdlog::error("SIGHUP: reload failed, keeping the running config: {}", loaded.error);
    return;
  }
  const std::vector<std::string> ignored = restartOnlyChanges(config_, loaded.config);
  if (!ignored.empty()) {
    spdlog::warn("SIGHUP: changes to {} need a restart; they are not applied", joined(ignored));
  }
  const core::TimeMs old_interval = config_.stealing.steal_interval_ms;
  // The boot id stays: ids minted after the reload must not repeat earlier ones.
  coordinator_.reconfigure(withBootId(loaded.config.stealing));
  config_.stealing = loaded.config.stealing;
  if (config_.stealing.steal_interval_ms != old_interval) {
    next_steal_ms_ = deps_.clock.nowMs() + config_.stealing.steal_interval_ms;
  }
  spdlog::info(
      "SIGHUP: stealing reloaded from {} (enabled={}, reactive={}, reactiveDelay={}ms, "
      "stealInterval={}ms, stealThreshold={}, maxStealBatch={}, minTasksToSteal={}, operation "
      "ids '{}-N')",
      config_.source_file, config_.stealing.enabled, config_.stealing.reactive,
      config_.stealing.reactive_delay_ms, config_.stealing.steal_interval_ms,
      config_.stealing.steal_threshold, config_.stealing.max_steal_batch,
      config_.stealing.min_tasks_to_steal, coordinator_.config().operation_id_prefix);
}

core::TimeMs OwnerLoop::runTimers(core::TimeMs now) {
  if (next_react_ms_ && now >= *next_react_ms_) {
    next_react_ms_.reset();
    react(now);
  }
  if (now >= next_steal_ms_) {
    stealRound(now);
    next_steal_ms_ += config_.stealing.steal_interval_ms;
    if (next_steal_ms_ <= now) next_steal_ms_ = now + config_.stealing.steal_interval_ms;
  }
  if (now >= next_maintenance_ms_) {
    coordinator_.performMaintenance(now);
    returnFreeMemory();
    next_maintenance_ms_ = now + config_.maintenance_interval_ms;
  }
  steal_log_.flushIfDue(now);
  if (next_drip_ms_ && now >= *next_drip_ms_) next_drip_ms_ = peers_.drip(now);
  if (now >= next_snapshot_ms_) {
    publishSnapshot(now);
    next_snapshot_ms_ = now + kSnapshotIntervalMs;
  }
  if (next_state_snapshot_ms_ && now >= *next_state_snapshot_ms_) {
    offerStateSnapshot(now);
    next_state_snapshot_ms_ = now + config_.state.snapshot_interval_ms;
  }
  return std::min({next_react_ms_.value_or(next_steal_ms_), next_steal_ms_, next_maintenance_ms_,
                   next_snapshot_ms_, next_drip_ms_.value_or(next_snapshot_ms_),
                   next_state_snapshot_ms_.value_or(next_snapshot_ms_)});
}

void OwnerLoop::offerStateSnapshot(core::TimeMs now) {
  // Sequence 0: the events come from plain subscriptions (no stream, or its fallback). The
  // bucket holds this state already when the last write (or the restore) covered it; a write
  // that failed is offered again.
  const std::uint64_t stored =
      deps_.state_snapshot_counters == nullptr
          ? offered_sequence_
          : std::max(restored_sequence_,
                     deps_.state_snapshot_counters->last_sequence.load(std::memory_order_relaxed));
  if (last_sequence_ == 0 || last_sequence_ == stored || !leads(now)) return;
  const std::int64_t started_ns = deps_.clock.nowNs();
  snapshot::Snapshot taken;
  taken.image = coordinator_.image(now);
  taken.stream_sequence = last_sequence_;
  spdlog::debug("state: image of sequence {} taken in {} us ({} agents)", last_sequence_,
                (deps_.clock.nowNs() - started_ns) / 1000, taken.image.agents.size());
  deps_.state_snapshots->offer(std::move(taken));
  offered_sequence_ = last_sequence_;
}

bool OwnerLoop::leads(core::TimeMs now) const {
  return deps_.leadership == nullptr || deps_.leadership->leads(now);
}

void OwnerLoop::stealRound(core::TimeMs now) {
  if (!leads(now)) return;  // a standby tracks, and decides nothing it could not publish
  const std::int64_t started_ns = deps_.clock.nowNs();
  std::vector<core::StealOrder> orders = coordinator_.stealRound(now);
  if (deps_.steal_round_histogram != nullptr) {
    deps_.steal_round_histogram->observe(
        std::chrono::nanoseconds(deps_.clock.nowNs() - started_ns));
  }
  steal_log_.round(orders, publishOrders(orders), now);
}

void OwnerLoop::react(core::TimeMs now) {
  if (!leads(now)) return;
  std::vector<core::StealOrder> orders = coordinator_.react(now);
  steal_log_.reactive(orders, publishOrders(orders), now);
}

std::size_t OwnerLoop::publishOrders(std::vector<core::StealOrder>& orders) {
  const std::string_view content_type = codec::contentType(config_.encoding);
  std::size_t published = 0;
  for (auto& order : orders) {
    // The lease is checked again at each publish: it may have run out during the decision.
    if (!leads(deps_.clock.nowMs())) {
      ++ha_withheld_;
      coordinator_.withdraw(order, deps_.clock.nowMs());
      throttle_.warn("ha: withheld", "lease ran out: steal {} withheld, its tasks stay",
                     order.operation_id);
      continue;
    }
    if (deps_.leadership != nullptr) order.epoch = deps_.leadership->epoch();
    const std::string bytes = codec::encodeStealOrder(order, config_.encoding);
    // Only queued: the transport's publisher thread waits on NATS, never this one.
    transport::Status status = deps_.bus.publish(transport::Outbound::kStealOrder,
                                                 config_.subjects.work_steal, bytes, content_type);
    if (!status.ok) {
      ++steal_publish_failures_;
      coordinator_.withdraw(order, deps_.clock.nowMs());
      throttle_.warn("steal publish", "steal {} not published ({}); withdrawn, its tasks stay",
                     order.operation_id, status.error);
      continue;
    }
    ++published;
    spdlog::debug("steal {}: {} task(s) from '{}' to '{}' ({})", order.operation_id,
                  order.tasks_to_steal, order.source_agent_id, order.target_agent_id, order.reason);
  }
  return published;
}

SidecarFigures OwnerLoop::figures(core::TimeMs now) const {
  SidecarFigures out;
  out.events_processed = events_processed_;
  for (const codec::EventKind kind : kEventKinds) {
    const std::uint64_t rejected =
        deps_.inbound.rejected[indexOf(kind)].load(std::memory_order_relaxed);
    out.events_rejected += rejected;
    out.rejected_by_subject[subjectOf(config_.subjects, kind)] += rejected;
  }
  out.requests_served = requests_served_;
  out.requests_rejected =
      requests_rejected_ + deps_.inbound.requests_without_reply.load(std::memory_order_relaxed);
  out.connection = deps_.bus.stats();
  out.publish_failures = out.connection.publish_failures;
  out.queue_depth = deps_.queue.depth();
  out.max_queue_depth = deps_.queue.maxDepth();
  out.shed = deps_.queue.shed();
  out.uptime_ms = now - started_ms_;
  out.ha = haCounts();
  if (deps_.state_snapshot_counters != nullptr) {
    out.state_snapshots = deps_.state_snapshot_counters->load();
  }
  if (deps_.leadership != nullptr) {
    out.ha_role = deps_.leadership->role(now);
    out.ha_epoch = deps_.leadership->epoch();
    out.ha_leader = deps_.leadership->leader();
  }
  return out;
}

observability::HaCounts OwnerLoop::haCounts() const {
  const core::Counters& counters = coordinator_.counters();
  observability::HaCounts out;
  out.withheld = ha_withheld_;
  out.steals_adopted = counters.steals_adopted;
  out.tasks_adopted = counters.tasks_adopted;
  out.tasks_not_adopted = counters.tasks_not_adopted;
  out.stale_epoch_steals = stale_epoch_steals_;
  out.steals_rejected = deps_.inbound.steals_rejected.load(std::memory_order_relaxed);
  const PeerSnapshotCounts& peers = peers_.counts();
  out.peer_restores = peers.restores;
  out.peer_restore_failures = peers.restore_failures;
  out.restored_tasks = peers.restored_tasks;
  out.overlap_dropped = peers.overlap_dropped;
  out.snapshots_served = peers.served;
  out.snapshot_serve_failures = peers.serve_failures;
  if (deps_.leadership != nullptr) {
    const ha::ElectorCounters& elector = deps_.leadership->counters();
    out.terms_won = elector.terms_won.load(std::memory_order_relaxed);
    out.terms_lost = elector.terms_lost.load(std::memory_order_relaxed);
    out.lease_errors = elector.lease_errors.load(std::memory_order_relaxed);
  }
  return out;
}

void OwnerLoop::publishSnapshot(core::TimeMs now) {
  if (deps_.metrics == nullptr) return;
  const core::Stats stats = coordinator_.stats(now);
  const core::Counters& counters = coordinator_.counters();
  const SidecarFigures figures = this->figures(now);
  observability::MetricsSnapshot snapshot;
  for (const codec::EventKind kind : kEventKinds) {
    observability::EventCounts& counts = snapshot.events(toInboundKind(kind));
    counts.received = deps_.inbound.received[indexOf(kind)].load(std::memory_order_relaxed);
    counts.rejected = deps_.inbound.rejected[indexOf(kind)].load(std::memory_order_relaxed);
  }
  snapshot.duplicate_assignments = counters.duplicate_assignments;
  snapshot.unknown_completions = counters.unknown_completions;
  snapshot.foreign_completions = counters.foreign_completions;
  snapshot.limit_rejections = {counters.rejected_agents, counters.rejected_tasks,
                               counters.rejected_capabilities, counters.rejected_long_ids};
  snapshot.values_clamped = counters.values_clamped;
  snapshot.targets_benched = counters.targets_benched;
  snapshot.capability_names = stats.capability_names;
  snapshot.capability_sets = stats.capability_sets;
  snapshot.reactive_decisions = counters.reactive_decisions;
  snapshot.requests_served = figures.requests_served;
  snapshot.requests_rejected = figures.requests_rejected;
  snapshot.steals_issued = counters.steals_issued;
  snapshot.steals_confirmed = counters.steals_confirmed;
  snapshot.steals_failed = counters.steals_failed;
  snapshot.steals_pending = stats.pending_steals;
  snapshot.tasks_moved = counters.tasks_moved;
  snapshot.tasks_returned = counters.tasks_returned;
  snapshot.tasks_in_flight = stats.in_flight_tasks;
  snapshot.agents_removed = counters.agents_removed;
  snapshot.agents.total = stats.total_agents;
  snapshot.agents.overloaded = stats.overloaded_agents;
  snapshot.agents.underloaded = stats.underloaded_agents;
  snapshot.agents.idle = stats.idle_agents;
  snapshot.agents.stale = stats.stale_agents;
  if (deps_.steal_round_histogram != nullptr) {
    snapshot.steal_round_duration = deps_.steal_round_histogram->snapshot();
  }
  snapshot.ha_leader = leads(now);
  snapshot.ha_epoch = figures.ha_epoch;
  snapshot.ha = figures.ha;
  snapshot.state_snapshots = figures.state_snapshots;
  snapshot.nats_connected = figures.connection.connected;
  snapshot.nats_disconnects = figures.connection.disconnects;
  snapshot.nats_reconnects = figures.connection.reconnects;
  snapshot.nats_dropped_messages = figures.connection.slow_consumer_drops;
  snapshot.nats_stale_episodes = figures.connection.stale_episodes;
  snapshot.nats_slow_consumer_disconnects = figures.connection.slow_consumer_disconnects;
  snapshot.outbound_queue_depth = figures.connection.outbound_depth;
  snapshot.outbound_shed = {figures.connection.outbound_shed_steal_orders,
                            figures.connection.outbound_shed_replies};
  snapshot.event_queue_depth = figures.queue_depth;
  snapshot.events_shed = {figures.shed.metrics, figures.shed.task_events, figures.shed.requests};
  deps_.metrics->publish(std::move(snapshot));
}

}  // namespace wss::app
