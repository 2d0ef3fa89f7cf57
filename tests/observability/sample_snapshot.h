// A MetricsSnapshot with a distinct value in every field, for tests that look for them.
#pragma once

#include "sidecar/observability/metrics_snapshot.h"

namespace wss::observability::testing {

inline MetricsSnapshot sampleSnapshot() {
  MetricsSnapshot s;
  s.events(InboundKind::kTaskAssigned) = {101, 1};
  s.events(InboundKind::kTaskCompleted) = {102, 2};
  s.events(InboundKind::kTaskFailed) = {103, 3};
  s.events(InboundKind::kAgentMetrics) = {104, 4};
  s.duplicate_assignments = 5;
  s.unknown_completions = 6;
  s.foreign_completions = 7;
  s.requests_served = 8;
  s.requests_rejected = 9;
  s.steals_issued = 10;
  s.steals_confirmed = 11;
  s.steals_failed = 12;
  s.steals_pending = 13;
  s.tasks_moved = 14;
  s.tasks_returned = 15;
  s.tasks_in_flight = 16;
  s.agents_removed = 17;
  s.agents = {18, 19, 20, 21, 22};
  Histogram h;
  h.observe(0.0002);
  h.observe(0.003);
  h.observe(2.0);
  s.steal_round_duration = h.snapshot();
  s.nats_connected = true;
  s.nats_disconnects = 23;
  s.nats_reconnects = 24;
  s.nats_dropped_messages = 25;
  s.event_queue_depth = 26;
  s.state_stream_active = true;
  s.state_stream_unavailable = 27;
  s.state_stream_events = 28;
  s.state_stream_unrouted = 29;
  s.state_snapshots = {30, 31, 32, 33, 34, 35, 36, 37, 38};
  s.build = {"1.2.3", "abc123"};
  return s;
}

}  // namespace wss::observability::testing
