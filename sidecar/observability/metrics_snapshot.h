// Every figure the sidecar reports on /metrics, as one plain value.
//
// The module knows nothing of the coordinator, NATS or the app: whoever owns those figures
// fills a MetricsSnapshot (typically the owner thread, from Coordinator::stats() and
// counters(), plus the transport's atomics) and hands it over through a callback or a
// SnapshotSlot. Counters are monotonic since start; gauges are values at snapshot time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sidecar/observability/build_info.h"
#include "sidecar/observability/histogram.h"

namespace wss::observability {

// The inbound subjects, by what they carry (the subject names themselves are configurable and
// never used as label values).
enum class InboundKind : std::uint8_t { kTaskAssigned, kTaskCompleted, kTaskFailed, kAgentMetrics };
inline constexpr std::size_t kInboundKindCount = 4;
inline constexpr std::array<InboundKind, kInboundKindCount> kInboundKinds = {
    InboundKind::kTaskAssigned, InboundKind::kTaskCompleted, InboundKind::kTaskFailed,
    InboundKind::kAgentMetrics};
// "task_assigned", "task_completed", "task_failed", "agent_metrics": the `kind` label.
[[nodiscard]] std::string_view toLabel(InboundKind kind);

struct EventCounts {
  std::uint64_t received = 0;  // every message that arrived on the subject, bad ones included
  std::uint64_t rejected = 0;  // dropped as bad: undecodable or without agentId (<= received)
};

struct AgentGauges {
  std::uint64_t total = 0;        // known agents
  std::uint64_t overloaded = 0;   // the states overlap (an idle agent is also underloaded),
  std::uint64_t underloaded = 0;  // so they do not sum to total
  std::uint64_t idle = 0;
  std::uint64_t stale = 0;
};

// Events refused whole by a configured limit (limits.*), by limit.
struct LimitRejections {
  std::uint64_t agents = 0;        // limits.maxAgents
  std::uint64_t tasks = 0;         // limits.maxTasks
  std::uint64_t capabilities = 0;  // limits.maxCapabilityNames / maxCapabilitySets
  std::uint64_t id_length = 0;     // limits.maxIdLength
};

// What the event queue in front of the owner thread shed while full, by kind.
struct ShedEvents {
  std::uint64_t metrics = 0;      // agent.metrics: replaced by the next one
  std::uint64_t task_events = 0;  // task.assigned / completed / failed: the picture is off
  std::uint64_t requests = 0;     // service requests: the caller times out
};

// What the full outbound queue (publishes waiting for NATS) refused, by kind.
struct OutboundShed {
  std::uint64_t steal_orders = 0;  // the steal fails unconfirmed at stealing.stealTimeout
  std::uint64_t replies = 0;       // the requester times out
};

// Leadership counters (ha), since start; all 0 without ha. Shared by work.stats and /metrics.
struct HaCounts {
  std::uint64_t withheld = 0;        // orders not published: the lease ran out meanwhile
  std::uint64_t terms_won = 0;
  std::uint64_t terms_lost = 0;      // taken over, or lapsed unrenewed
  std::uint64_t lease_errors = 0;    // the lease bucket did not answer
  std::uint64_t steals_adopted = 0;  // the leader's orders this replica took on (work.steal)
  std::uint64_t tasks_adopted = 0;
  std::uint64_t tasks_not_adopted = 0;  // unknown here, elsewhere already, or pending
  std::uint64_t stale_epoch_steals = 0;  // orders heard under an epoch older than one seen
  std::uint64_t steals_rejected = 0;     // messages on work.steal that did not decode
  std::uint64_t peer_restores = 0;       // started from a peer's snapshot
  std::uint64_t peer_restore_failures = 0;  // started cold instead (none, refused, too much)
  std::uint64_t restored_tasks = 0;
  std::uint64_t overlap_dropped = 0;     // events heard meanwhile that the snapshot held
  std::uint64_t snapshots_served = 0;    // to starting replicas
  std::uint64_t snapshot_serve_failures = 0;
};

// State snapshots in the KV bucket (state.snapshotBucket), since start. Shared by work.stats
// and /metrics.
struct StateSnapshotCounts {
  std::uint64_t written = 0;
  std::uint64_t write_failures = 0;
  std::uint64_t last_sequence = 0;  // gauge: the stream sequence the last one written covers
  std::uint64_t last_bytes = 0;     // gauge: its encoded size
  std::uint64_t bytes_written = 0;
  std::uint64_t restores = 0;           // starts from a stored snapshot (0 or 1)
  std::uint64_t restore_refusals = 0;   // corrupt, foreign format, too old, refused: full replay
  std::uint64_t restore_absent = 0;     // none stored yet: full replay
  std::uint64_t restored_sequence = 0;  // gauge: the sequence the restored one covered
};

struct MetricsSnapshot {
  // Inbound events, indexed by InboundKind.
  std::array<EventCounts, kInboundKindCount> inbound{};
  [[nodiscard]] EventCounts& events(InboundKind kind) {
    return inbound[static_cast<std::size_t>(kind)];
  }
  [[nodiscard]] const EventCounts& events(InboundKind kind) const {
    return inbound[static_cast<std::size_t>(kind)];
  }

  // Valid events that disagreed with the coordinator's picture (core::Counters).
  std::uint64_t duplicate_assignments = 0;
  std::uint64_t unknown_completions = 0;
  std::uint64_t foreign_completions = 0;
  LimitRejections limit_rejections;
  std::uint64_t values_clamped = 0;    // durations or concurrency beyond what is believable
  std::uint64_t targets_benched = 0;   // steal targets set aside after a timed-out steal
  std::uint64_t capability_names = 0;  // gauge: held now
  std::uint64_t capability_sets = 0;   // gauge

  // Request-reply subjects (work.stats and friends).
  std::uint64_t requests_served = 0;
  std::uint64_t requests_rejected = 0;  // malformed request or reply failed

  // Steals (core::Counters / core::Stats).
  std::uint64_t reactive_decisions = 0;
  std::uint64_t steals_issued = 0;
  std::uint64_t steals_confirmed = 0;
  std::uint64_t steals_failed = 0;
  std::uint64_t steals_pending = 0;  // gauge
  std::uint64_t tasks_moved = 0;
  std::uint64_t tasks_returned = 0;
  std::uint64_t tasks_in_flight = 0;  // gauge
  std::uint64_t agents_removed = 0;
  AgentGauges agents;
  HistogramSnapshot steal_round_duration;

  // Leadership (ha). A sidecar without ha leads.
  bool ha_leader = true;
  std::uint64_t ha_epoch = 0;
  HaCounts ha;

  // Transport.
  bool nats_connected = false;
  std::uint64_t nats_disconnects = 0;
  std::uint64_t nats_reconnects = 0;
  std::uint64_t nats_dropped_messages = 0;  // slow consumer: the client library dropped them
  std::uint64_t nats_stale_episodes = 0;    // the server stopped answering PINGs
  std::uint64_t nats_slow_consumer_disconnects = 0;  // the server cut us as a slow consumer
  std::uint64_t outbound_queue_depth = 0;  // gauge: publishes waiting for the publisher thread
  OutboundShed outbound_shed;
  std::uint64_t event_queue_depth = 0;  // gauge: events waiting for the owner thread
  ShedEvents events_shed;

  // The state stream (state.stream).
  bool state_stream_active = false;            // gauge: events come from the stream
  std::uint64_t state_stream_unavailable = 0;  // fell back to plain subscriptions (cold start)
  std::uint64_t state_stream_events = 0;       // events the stream delivered
  std::uint64_t state_stream_unrouted = 0;     // on no inbound subject, dropped
  StateSnapshotCounts state_snapshots;

  BuildInfo build = currentBuildInfo();
};

}  // namespace wss::observability
