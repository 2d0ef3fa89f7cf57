#include "sidecar/observability/prometheus_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace wss::observability {
namespace {

// Shortest round-trip digits in the layout of Go's strconv.FormatFloat(v, 'g', -1, 64), which
// the official client libraries use: `le` values are matched as strings in PromQL, so a bucket
// bound must read the same ("0.0001", "5e-05", "1e+06") whoever exposes it.
void appendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  std::array<char, 32> buf{};
  auto result =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific);
  const std::string_view scientific(buf.data(), static_cast<std::size_t>(result.ptr - buf.data()));
  int exponent = 0;
  const auto e = scientific.find('e');
  const auto* exponent_begin = scientific.data() + e + 1;
  if (*exponent_begin == '+') {
    ++exponent_begin;  // from_chars takes no plus sign
  }
  std::from_chars(exponent_begin, scientific.data() + scientific.size(), exponent);
  if (exponent < -4 || exponent >= 6) {
    out += scientific;
    return;
  }
  result = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed);
  out.append(buf.data(), result.ptr);
}

void appendUint(std::string& out, std::uint64_t value) {
  std::array<char, 24> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), result.ptr);
}

// Label values escape backslash, double quote and line feed.
void appendLabelValue(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;  // constant text without backslashes or line feeds
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::uint64_t value) {
  out += name;
  out += ' ';
  appendUint(out, value);
  out += '\n';
}

void labelled(std::string& out, std::string_view name, std::string_view label,
              std::string_view label_value, std::uint64_t value) {
  out += name;
  out += '{';
  out += label;
  out += "=\"";
  appendLabelValue(out, label_value);
  out += "\"} ";
  appendUint(out, value);
  out += '\n';
}

void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  family(out, name, "counter", help);
  sample(out, name, value);
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  family(out, name, "gauge", help);
  sample(out, name, value);
}

void histogram(std::string& out, std::string_view name, std::string_view help,
               const HistogramSnapshot& h) {
  family(out, name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < h.upper_bounds.size() && i < h.cumulative_counts.size(); ++i) {
    out += bucket;
    out += "{le=\"";
    appendDouble(out, h.upper_bounds[i]);
    out += "\"} ";
    appendUint(out, h.cumulative_counts[i]);
    out += '\n';
  }
  // +Inf always equals the count, even for a snapshot without buckets.
  out += bucket;
  out += "{le=\"+Inf\"} ";
  appendUint(out, h.count);
  out += '\n';
  out += name;
  out += "_sum ";
  appendDouble(out, h.sum);
  out += '\n';
  out += name;
  out += "_count ";
  appendUint(out, h.count);
  out += '\n';
}

}  // namespace

std::string_view toLabel(InboundKind kind) {
  switch (kind) {
    case InboundKind::kTaskAssigned:
      return "task_assigned";
    case InboundKind::kTaskCompleted:
      return "task_completed";
    case InboundKind::kTaskFailed:
      return "task_failed";
    case InboundKind::kAgentMetrics:
      return "agent_metrics";
  }
  return "unknown";
}

namespace {

void renderEvents(std::string& out, const MetricsSnapshot& s) {
  family(out, "wss_events_received_total", "counter",
         "Messages received on each inbound subject, rejected ones included.");
  for (const InboundKind kind : kInboundKinds) {
    labelled(out, "wss_events_received_total", "kind", toLabel(kind), s.events(kind).received);
  }
  family(out, "wss_events_rejected_total", "counter",
         "Inbound messages dropped as bad (undecodable or without agentId).");
  for (const InboundKind kind : kInboundKinds) {
    labelled(out, "wss_events_rejected_total", "kind", toLabel(kind), s.events(kind).rejected);
  }
  family(out, "wss_event_anomalies_total", "counter",
         "Valid events that disagreed with the coordinator's picture of the fleet.");
  labelled(out, "wss_event_anomalies_total", "reason", "duplicate_assignment",
           s.duplicate_assignments);
  labelled(out, "wss_event_anomalies_total", "reason", "unknown_task", s.unknown_completions);
  labelled(out, "wss_event_anomalies_total", "reason", "foreign_completion", s.foreign_completions);
  gauge(out, "wss_event_queue_depth", "Events received and waiting for the owner thread.",
        s.event_queue_depth);
  family(out, "wss_event_queue_shed_total", "counter",
         "Messages the full event queue shed: metrics first, then task events and requests.");
  labelled(out, "wss_event_queue_shed_total", "reason", "metrics", s.events_shed.metrics);
  labelled(out, "wss_event_queue_shed_total", "reason", "task_event", s.events_shed.task_events);
  labelled(out, "wss_event_queue_shed_total", "reason", "request", s.events_shed.requests);
}

void renderLimits(std::string& out, const MetricsSnapshot& s) {
  family(out, "wss_limit_rejections_total", "counter",
         "Valid events refused whole because they would pass a configured limit.");
  labelled(out, "wss_limit_rejections_total", "reason", "agents", s.limit_rejections.agents);
  labelled(out, "wss_limit_rejections_total", "reason", "tasks", s.limit_rejections.tasks);
  labelled(out, "wss_limit_rejections_total", "reason", "capabilities",
           s.limit_rejections.capabilities);
  labelled(out, "wss_limit_rejections_total", "reason", "id_length", s.limit_rejections.id_length);
  counter(out, "wss_values_clamped_total",
          "Durations or concurrency values beyond what is believable, clamped.", s.values_clamped);
  counter(out, "wss_steal_targets_benched_total",
          "Steal targets set aside after a steal to them timed out with nothing confirmed.",
          s.targets_benched);
  gauge(out, "wss_capability_names", "Capability names held by agents and tasks now.",
        s.capability_names);
  gauge(out, "wss_capability_sets", "Distinct capability sets held by agents and tasks now.",
        s.capability_sets);
}

void renderSteals(std::string& out, const MetricsSnapshot& s) {
  counter(out, "wss_reactive_decisions_total",
          "Steal decisions taken in reaction to an event (a free slot, a queued task).",
          s.reactive_decisions);
  counter(out, "wss_steals_issued_total", "Steal operations published on work.steal.",
          s.steals_issued);
  counter(out, "wss_steals_confirmed_total",
          "Steal operations with at least one task confirmed on its new agent.",
          s.steals_confirmed);
  counter(out, "wss_steals_failed_total",
          "Steal operations with no task confirmed before the steal timeout.", s.steals_failed);
  gauge(out, "wss_steals_pending", "Steal operations issued and not yet confirmed or failed.",
        s.steals_pending);
  counter(out, "wss_tasks_moved_total", "Stolen tasks confirmed on their new agent.",
          s.tasks_moved);
  counter(out, "wss_tasks_returned_total",
          "Stolen tasks not confirmed in time and counted back on their source agent.",
          s.tasks_returned);
  gauge(out, "wss_tasks_in_flight", "Tasks assigned to agents and not yet completed or failed.",
        s.tasks_in_flight);
  histogram(out, "wss_steal_round_duration_seconds",
            "Time the coordinator spent deciding one steal round.", s.steal_round_duration);
}

void renderAgents(std::string& out, const MetricsSnapshot& s) {
  gauge(out, "wss_agents", "Agents the sidecar knows.", s.agents.total);
  family(out, "wss_agents_by_state", "gauge",
         "Agents in each state; states overlap (an idle agent is also underloaded).");
  labelled(out, "wss_agents_by_state", "state", "overloaded", s.agents.overloaded);
  labelled(out, "wss_agents_by_state", "state", "underloaded", s.agents.underloaded);
  labelled(out, "wss_agents_by_state", "state", "idle", s.agents.idle);
  labelled(out, "wss_agents_by_state", "state", "stale", s.agents.stale);
  counter(out, "wss_agents_removed_total", "Agents forgotten after reporting status offline.",
          s.agents_removed);
}

void renderHa(std::string& out, const MetricsSnapshot& s) {
  gauge(out, "wss_ha_leader",
        "1 while this replica leads its group and may publish steals (always without ha), else 0.",
        s.ha_leader ? 1 : 0);
  gauge(out, "wss_ha_epoch", "The epoch of the term this replica leads or last led (0 without ha).",
        s.ha_epoch);
  counter(out, "wss_ha_withheld_steal_orders_total",
          "Steal orders not published because the lease ran out between decision and publish.",
          s.ha.withheld);
  counter(out, "wss_ha_terms_won_total", "Leader terms this replica won.", s.ha.terms_won);
  counter(out, "wss_ha_terms_lost_total", "Leader terms lost: taken over, or lapsed unrenewed.",
          s.ha.terms_lost);
  counter(out, "wss_ha_lease_errors_total", "Lease requests the bucket did not answer.",
          s.ha.lease_errors);
  counter(out, "wss_ha_adopted_steals_total",
          "The leader's steal orders this replica took on from work.steal.", s.ha.steals_adopted);
  counter(out, "wss_ha_adopted_tasks_total", "Tasks of adopted orders, pending here too.",
          s.ha.tasks_adopted);
  counter(out, "wss_ha_tasks_not_adopted_total",
          "Tasks of the leader's orders this replica could not name (unknown, moved, pending).",
          s.ha.tasks_not_adopted);
  counter(out, "wss_ha_stale_epoch_steals_total",
          "Steal orders heard under an epoch older than the newest seen: ignored.",
          s.ha.stale_epoch_steals);
  counter(out, "wss_ha_steals_rejected_total",
          "Messages on work.steal that did not decode as a steal order: ignored.",
          s.ha.steals_rejected);
  counter(out, "wss_ha_peer_restores_total",
          "Starts that restored a running replica's state (a peer snapshot).", s.ha.peer_restores);
  counter(out, "wss_ha_peer_restore_failures_total",
          "Starts that asked a peer for its state and started cold instead.",
          s.ha.peer_restore_failures);
  counter(out, "wss_ha_restored_tasks_total", "Tasks known from a peer's snapshot at start.",
          s.ha.restored_tasks);
  counter(out, "wss_ha_overlap_dropped_total",
          "Events heard while restoring that the peer's snapshot already held: not applied twice.",
          s.ha.overlap_dropped);
  counter(out, "wss_ha_snapshots_served_total", "Snapshots sent to starting replicas.",
          s.ha.snapshots_served);
  counter(out, "wss_ha_snapshot_serve_failures_total",
          "Snapshot requests refused (restoring, busy) or given up on.",
          s.ha.snapshot_serve_failures);
}

void renderNats(std::string& out, const MetricsSnapshot& s) {
  gauge(out, "wss_nats_connected", "1 while connected to a NATS server, else 0.",
        s.nats_connected ? 1 : 0);
  counter(out, "wss_nats_disconnects_total", "Times the NATS connection was lost.",
          s.nats_disconnects);
  counter(out, "wss_nats_reconnects_total", "Times the NATS connection was re-established.",
          s.nats_reconnects);
  counter(out, "wss_nats_dropped_messages_total",
          "Inbound messages the NATS client dropped because the sidecar fell behind (slow "
          "consumer).",
          s.nats_dropped_messages);
  counter(out, "wss_nats_stale_total",
          "Times the NATS server stopped answering PINGs long enough for the connection to go "
          "stale (/readyz said 503).",
          s.nats_stale_episodes);
  counter(out, "wss_nats_slow_consumer_disconnects_total",
          "Times the NATS server cut the connection because the sidecar had stopped reading "
          "(server-side slow consumer); what it held for the sidecar was lost.",
          s.nats_slow_consumer_disconnects);
  gauge(out, "wss_outbound_queue_depth", "Publishes waiting for the publisher thread.",
        s.outbound_queue_depth);
  family(out, "wss_outbound_shed_total", "counter",
         "Publishes the full outbound queue refused while NATS was not taking messages.");
  labelled(out, "wss_outbound_shed_total", "kind", "steal_order", s.outbound_shed.steal_orders);
  labelled(out, "wss_outbound_shed_total", "kind", "reply", s.outbound_shed.replies);
}

void renderStateStream(std::string& out, const MetricsSnapshot& s) {
  gauge(out, "wss_state_stream_active",
        "1 while the inbound events come from the state.stream JetStream stream, else 0.",
        s.state_stream_active ? 1 : 0);
  counter(out, "wss_state_stream_unavailable_total",
          "Times state.stream could not be consumed (no JetStream, absent, not capturing the "
          "subjects) and the sidecar subscribed plainly instead: a cold start.",
          s.state_stream_unavailable);
  counter(out, "wss_state_stream_events_total",
          "Inbound messages the state stream delivered, replayed and live.", s.state_stream_events);
  counter(out, "wss_state_stream_unrouted_total",
          "Messages of the state stream on a subject no inbound subject covers, dropped.",
          s.state_stream_unrouted);
  const StateSnapshotCounts& k = s.state_snapshots;
  counter(out, "wss_state_snapshots_written_total",
          "State snapshots written to the state.snapshotBucket KV bucket.", k.written);
  counter(out, "wss_state_snapshot_write_failures_total",
          "State snapshots that could not be written (the previous one stays).", k.write_failures);
  gauge(out, "wss_state_snapshot_sequence",
        "The state stream sequence the last snapshot written covers.", k.last_sequence);
  gauge(out, "wss_state_snapshot_bytes", "The encoded size of the last snapshot written.",
        k.last_bytes);
  counter(out, "wss_state_snapshot_written_bytes_total",
          "Bytes of snapshot pieces written to the bucket.", k.bytes_written);
  family(out, "wss_state_snapshot_restores_total", "counter",
         "Starts by outcome: restored from a stored snapshot, refused (corrupt, another format, "
         "older than the stream, not restorable) or absent; both of the latter replay the "
         "whole stream.");
  labelled(out, "wss_state_snapshot_restores_total", "outcome", "restored", k.restores);
  labelled(out, "wss_state_snapshot_restores_total", "outcome", "refused", k.restore_refusals);
  labelled(out, "wss_state_snapshot_restores_total", "outcome", "absent", k.restore_absent);
}

}  // namespace

std::string renderPrometheus(const MetricsSnapshot& s) {
  std::string out;
  out.reserve(std::size_t{8} * 1024);
  family(out, "wss_build_info", "gauge",
         "Always 1; the labels name the sidecar version and git commit.");
  out += "wss_build_info{version=\"";
  appendLabelValue(out, s.build.version);
  out += "\",commit=\"";
  appendLabelValue(out, s.build.commit);
  out += "\"} 1\n";
  renderEvents(out, s);
  renderLimits(out, s);
  counter(out, "wss_requests_served_total", "Requests answered on the request-reply subjects.",
          s.requests_served);
  counter(out, "wss_requests_rejected_total",
          "Requests on the request-reply subjects that could not be answered.",
          s.requests_rejected);
  renderSteals(out, s);
  renderAgents(out, s);
  renderHa(out, s);
  renderNats(out, s);
  renderStateStream(out, s);
  return out;
}

}  // namespace wss::observability
