// The JSON replies of the request-reply services: work.stats, work.operations, work.agents
// and work.bestAgent.
//
// Pure functions of the coordinator's state and the request bytes, so they can be tested
// without NATS. They never throw: a malformed request gets {"error": "..."} with ok=false,
// which the owner thread counts. Times in replies are ages and durations in milliseconds,
// because the coordinator's clock is monotonic and means nothing outside the process.
// Owner thread only (they read the coordinator).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "sidecar/app/event_queue.h"
#include "sidecar/core/coordinator.h"
#include "sidecar/observability/metrics_snapshot.h"
#include "sidecar/transport/bus.h"

namespace wss::app {

inline constexpr std::string_view kReplyContentType = "application/json";
// Defaults and caps of the optional {"limit": N}.
inline constexpr std::size_t kDefaultOperationsLimit = 100;
inline constexpr std::size_t kDefaultAgentsLimit = 1000;
inline constexpr std::size_t kMaxLimit = 100000;

// What the app adds to the coordinator's figures in work.stats.
struct SidecarFigures {
  std::uint64_t events_processed = 0;  // valid inbound messages applied
  std::uint64_t events_rejected = 0;   // inbound messages dropped as bad
  std::map<std::string, std::uint64_t> rejected_by_subject;
  std::uint64_t requests_served = 0;
  std::uint64_t requests_rejected = 0;
  std::uint64_t publish_failures = 0;
  std::uint64_t queue_depth = 0;
  std::uint64_t max_queue_depth = 0;
  ShedCounts shed;  // what the event queue shed while full
  transport::ConnectionStats connection;
  core::TimeMs uptime_ms = 0;
  // Leadership (ha): "single", "leader" or "standby"; the term's epoch; the leader's name.
  std::string_view ha_role = "single";
  std::uint64_t ha_epoch = 0;
  std::string ha_leader;
  observability::HaCounts ha;
  observability::StateSnapshotCounts state_snapshots;
};

struct Reply {
  bool ok = true;    // false: the request was bad; `body` is {"error": ...}
  std::string body;  // JSON
};

[[nodiscard]] Reply errorReply(std::string_view message);

// work.stats: the contract's fields, then the sidecar's own.
[[nodiscard]] Reply statsReply(const core::Coordinator& coordinator, core::TimeMs now,
                               const SidecarFigures& figures);
// work.operations: a JSON array, most recent first. Request: empty or {"limit": N}.
[[nodiscard]] Reply operationsReply(const core::Coordinator& coordinator, core::TimeMs now,
                                    std::string_view request);
// work.agents: {"totalAgents": N, "agents": [...]} sorted by id. Request: empty,
// {"limit": N} or {"agentId": "x"}.
[[nodiscard]] Reply agentsReply(const core::Coordinator& coordinator, core::TimeMs now,
                                std::string_view request);
// work.bestAgent: {"agentId": "...", "expectedStartMs": ...} or {"agentId": null}.
// Request: codec::decodeBestAgentRequest (JSON or protobuf, empty for no requirement).
[[nodiscard]] Reply bestAgentReply(core::Coordinator& coordinator, core::TimeMs now,
                                   std::string_view content_type, std::string_view request);

}  // namespace wss::app
