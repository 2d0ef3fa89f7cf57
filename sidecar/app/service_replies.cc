#include "sidecar/app/service_replies.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "sidecar/codec/codec.h"

namespace wss::app {
namespace {

using nlohmann::json;

// Invalid UTF-8 (an agent id from a sloppy fleet) is replaced, never thrown about.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The optional request object of work.operations and work.agents.
struct ListRequest {
  std::size_t limit = 0;
  std::optional<std::string> agent_id;
  std::string after;  // work.agents paging: only agents whose id sorts after this
  std::string error;
};

// A work.agents reply stops adding agents here and names the next page: far under the NATS
// server's default max_payload (1 MiB), however large `limit` is.
constexpr std::size_t kMaxAgentsReplyBytes = 256 * 1024;

// Reads the optional string `key` of `body` into `out`; false (with the error) if mistyped.
bool readString(const json& body, const char* key, std::string& out, std::string& error) {
  auto it = body.find(key);
  if (it == body.end()) return true;
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    error = std::string(key) + " must be a non-empty string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

ListRequest parseListRequest(std::string_view request, std::size_t default_limit,
                             bool allow_agent_id) {
  ListRequest parsed;
  parsed.limit = default_limit;
  if (blank(request)) return parsed;
  const json body =
      json::parse(request.begin(), request.end(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    parsed.error = "request is not valid JSON";
    return parsed;
  }
  if (!body.is_object()) {
    parsed.error = "request must be a JSON object";
    return parsed;
  }
  if (auto it = body.find("limit"); it != body.end()) {
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0)) {
      parsed.error = "limit must be a non-negative integer";
      return parsed;
    }
    const auto limit = it->get<std::uint64_t>();
    parsed.limit = limit > kMaxLimit ? kMaxLimit : static_cast<std::size_t>(limit);
  }
  for (const char* key : {"agentId", "after"}) {
    if (!allow_agent_id && body.contains(key)) {
      parsed.error = std::string(key) + " is not a parameter of this request";
      return parsed;
    }
  }
  std::string agent_id;
  if (!readString(body, "agentId", agent_id, parsed.error) ||
      !readString(body, "after", parsed.after, parsed.error)) {
    return parsed;
  }
  if (!agent_id.empty()) parsed.agent_id = std::move(agent_id);
  return parsed;
}

json agentJson(const core::AgentView& agent, core::TimeMs now) {
  json out = {
      {"agentId", agent.agent_id},
      {"taskCount", agent.task_count},
      {"incomingSteals", agent.incoming_steals},
      {"outgoingSteals", agent.outgoing_steals},
      {"avgTaskDurationMs", nullptr},
      {"cpuUsage", agent.cpu_usage},
      {"memoryUsage", agent.memory_usage},
      {"priority", agent.priority},
      {"concurrency", agent.concurrency},
      {"capabilities", agent.capabilities},
      {"status", std::string(core::toString(agent.status))},
      {"overloaded", agent.overloaded},
      {"underloaded", agent.underloaded},
      {"stale", agent.stale},
      {"lastSeenAgoMs", now - agent.last_seen_ms},
  };
  if (agent.avg_task_duration_ms) out["avgTaskDurationMs"] = *agent.avg_task_duration_ms;
  return out;
}

json operationJson(const core::OperationView& op, core::TimeMs now) {
  json out = {
      {"operationId", op.operation_id},
      {"sourceAgentId", op.source_agent_id},
      {"targetAgentId", op.target_agent_id},
      {"taskIds", op.task_ids},
      {"tasksToSteal", op.tasks_to_steal},
      {"tasksConfirmed", op.tasks_confirmed},
      {"reason", op.reason},
      {"status", std::string(core::toString(op.status))},
      {"ageMs", now - op.start_ms},
      {"durationMs", nullptr},
  };
  if (op.end_ms) out["durationMs"] = *op.end_ms - op.start_ms;
  return out;
}

}  // namespace

Reply errorReply(std::string_view message) {
  return Reply{false, dump(json{{"error", std::string(message)}})};
}

namespace {

// work.stats' leadership fields (ha): the role, the term, and the lease, adoption and peer
// snapshot counters.
json haStats(const SidecarFigures& figures) {
  const observability::HaCounts& ha = figures.ha;
  return {
      {"role", figures.ha_role},
      {"epoch", figures.ha_epoch},
      {"leader", figures.ha_leader.empty() ? json(nullptr) : json(figures.ha_leader)},
      {"withheldStealOrders", ha.withheld},
      {"termsWon", ha.terms_won},
      {"termsLost", ha.terms_lost},
      {"leaseErrors", ha.lease_errors},
      {"adoptedSteals", ha.steals_adopted},
      {"adoptedTasks", ha.tasks_adopted},
      {"tasksNotAdopted", ha.tasks_not_adopted},
      {"staleEpochSteals", ha.stale_epoch_steals},
      {"stealsRejected", ha.steals_rejected},
      {"peerRestores", ha.peer_restores},
      {"peerRestoreFailures", ha.peer_restore_failures},
      {"restoredTasks", ha.restored_tasks},
      {"overlapDropped", ha.overlap_dropped},
      {"snapshotsServed", ha.snapshots_served},
      {"snapshotServeFailures", ha.snapshot_serve_failures},
  };
}

// State snapshots in the KV bucket (state.snapshotInterval).
json stateSnapshotStats(const observability::StateSnapshotCounts& k) {
  return {
      {"stateSnapshotsWritten", k.written},
      {"stateSnapshotWriteFailures", k.write_failures},
      {"stateSnapshotSequence", k.last_sequence},
      {"stateSnapshotBytes", k.last_bytes},
      {"stateSnapshotRestores", k.restores},
      {"stateSnapshotRestoreRefusals", k.restore_refusals},
      {"stateSnapshotRestoreAbsent", k.restore_absent},
      {"stateSnapshotRestoredSequence", k.restored_sequence},
  };
}

}  // namespace

Reply statsReply(const core::Coordinator& coordinator, core::TimeMs now,
                 const SidecarFigures& figures) {
  const core::Stats stats = coordinator.stats(now);
  const core::Counters& counters = coordinator.counters();
  json out = {
      // The contract's fields.
      {"totalAgents", stats.total_agents},
      {"overloadedAgents", stats.overloaded_agents},
      {"underloadedAgents", stats.underloaded_agents},
      {"totalStealOperations", stats.total_steal_operations},
      {"successfulSteals", stats.successful_steals},
      {"failedSteals", stats.failed_steals},
      {"avgTasksPerAgent", stats.avg_tasks_per_agent},
      {"eventsProcessed", figures.events_processed},
      {"eventsRejected", figures.events_rejected},
      // Extensions.
      {"idleAgents", stats.idle_agents},
      {"staleAgents", stats.stale_agents},
      {"pendingSteals", stats.pending_steals},
      {"inFlightTasks", stats.in_flight_tasks},
      {"tasksMoved", counters.tasks_moved},
      {"tasksReturned", counters.tasks_returned},
      {"stealRounds", counters.steal_rounds},
      {"reactiveDecisions", counters.reactive_decisions},
      {"limitRejections",
       {{"agents", counters.rejected_agents},
        {"tasks", counters.rejected_tasks},
        {"capabilities", counters.rejected_capabilities},
        {"idLength", counters.rejected_long_ids}}},
      {"valuesClamped", counters.values_clamped},
      {"targetsBenched", counters.targets_benched},
      {"capabilityNames", stats.capability_names},
      {"capabilitySets", stats.capability_sets},
      {"agentsRemoved", counters.agents_removed},
      {"duplicateAssignments", counters.duplicate_assignments},
      {"unknownCompletions", counters.unknown_completions},
      {"foreignCompletions", counters.foreign_completions},
      {"eventsRejectedBySubject", figures.rejected_by_subject},
      {"requestsServed", figures.requests_served},
      {"requestsRejected", figures.requests_rejected},
      {"publishFailures", figures.publish_failures},
      {"queueDepth", figures.queue_depth},
      {"maxQueueDepth", figures.max_queue_depth},
      {"shedEvents",
       {{"metrics", figures.shed.metrics},
        {"taskEvents", figures.shed.task_events},
        {"requests", figures.shed.requests}}},
      {"natsConnected", figures.connection.connected},
      {"natsDisconnects", figures.connection.disconnects},
      {"natsReconnects", figures.connection.reconnects},
      {"slowConsumerDrops", figures.connection.slow_consumer_drops},
      {"slowConsumerEvents", figures.connection.slow_consumer_events},
      {"slowConsumerDisconnects", figures.connection.slow_consumer_disconnects},
      {"natsStale", figures.connection.stale},
      {"natsStaleEpisodes", figures.connection.stale_episodes},
      {"outboundQueueDepth", figures.connection.outbound_depth},
      {"outboundShedStealOrders", figures.connection.outbound_shed_steal_orders},
      {"outboundShedReplies", figures.connection.outbound_shed_replies},
      {"stateStreamActive", figures.connection.stream_active},
      {"stateStreamUnavailable", figures.connection.stream_unavailable},
      {"stateStreamEvents", figures.connection.stream_events},
      {"stateStreamUnrouted", figures.connection.stream_unrouted},
      {"stealingEnabled", coordinator.config().enabled},
      {"uptimeMs", figures.uptime_ms},
  };
  out.update(haStats(figures));
  out.update(stateSnapshotStats(figures.state_snapshots));
  return Reply{true, dump(out)};
}

Reply operationsReply(const core::Coordinator& coordinator, core::TimeMs now,
                      std::string_view request) {
  const ListRequest parsed = parseListRequest(request, kDefaultOperationsLimit, false);
  if (!parsed.error.empty()) return errorReply(parsed.error);
  json out = json::array();
  for (const auto& op : coordinator.operations(parsed.limit)) out.push_back(operationJson(op, now));
  return Reply{true, dump(out)};
}

Reply agentsReply(const core::Coordinator& coordinator, core::TimeMs now,
                  std::string_view request) {
  const ListRequest parsed = parseListRequest(request, kDefaultAgentsLimit, true);
  if (!parsed.error.empty()) return errorReply(parsed.error);
  json agents = json::array();
  json out = {{"totalAgents", coordinator.stats(now).total_agents}};
  if (parsed.agent_id) {
    if (auto agent = coordinator.agent(*parsed.agent_id, now)) {
      agents.push_back(agentJson(*agent, now));
    }
  } else {
    // One more than asked tells whether a next page exists.
    const auto page = coordinator.agents(now, parsed.limit + 1, parsed.after);
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < page.size(); ++i) {
      if (i == parsed.limit || bytes > kMaxAgentsReplyBytes) {
        if (i > 0) out["next"] = page[i - 1].agent_id;  // ask again with {"after": next}
        break;
      }
      json item = agentJson(page[i], now);
      bytes += item.dump().size();
      agents.push_back(std::move(item));
    }
  }
  out["agents"] = std::move(agents);
  return Reply{true, dump(out)};
}

Reply bestAgentReply(core::Coordinator& coordinator, core::TimeMs now,
                     std::string_view content_type, std::string_view request) {
  const codec::Encoding encoding = codec::detectEncoding(content_type, request);
  const codec::BestAgentRequestResult decoded = codec::decodeBestAgentRequest(encoding, request);
  if (!decoded.ok) return errorReply("bad work.bestAgent request: " + decoded.error);
  const auto best = coordinator.bestAgent(decoded.required_capabilities, now);
  json out = best ? json{{"agentId", best->agent_id}, {"expectedStartMs", best->expected_start_ms}}
                  : json{{"agentId", nullptr}};
  return Reply{true, dump(out)};
}

}  // namespace wss::app
