// What cnats callbacks and the signal thread hand to the owner thread.
//
// Everything that reads or changes coordinator state travels as a WorkItem through the
// EventQueue: decoded fleet events, requests of the request-reply services, and config
// reloads. That is what keeps one thread the only owner of the coordinator, and makes the
// services see a state consistent with the events before them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <variant>

#include "sidecar/codec/codec.h"
#include "sidecar/core/events.h"
#include "sidecar/core/state_image.h"

namespace wss::app {

// The request-reply services of the sidecar.
enum class Service : std::uint8_t { kStats, kOperations, kAgents, kBestAgent };

// A fleet event that decoded and carries an agentId.
struct InboundEvent {
  codec::EventKind kind = codec::EventKind::kTaskAssigned;
  core::Event event;
  // How long before its arrival the event happened: set for events replayed from the state
  // stream (state.stream), 0 for plain subscriptions. The owner applies it that far back.
  std::int64_t age_ms = 0;
  std::uint64_t hash = 0;  // snapshot::eventHash of its subject and bytes (ha); else 0
  // Its sequence in the state stream; 0 for plain subscriptions. The owner keeps the last, the
  // sequence a state snapshot it takes covers.
  std::uint64_t stream_sequence = 0;
};

// A request to answer on `reply`.
struct ServiceRequest {
  Service service = Service::kStats;
  std::string reply;
  std::string payload;
  std::string content_type;
  bool oversized = false;  // payload above codec::kMaxPayloadBytes, not copied
};

// SIGHUP: re-read the config file and apply its `stealing` section.
struct ReloadRequest {};

// A steal order heard on work.steal (ha): the leader's, to adopt, or this replica's own echo.
struct PeerSteal {
  core::StealOrder order;
};

// A restoring replica asks for this replica's state (ha): pieces of at most `max_piece` bytes.
struct SnapshotRequest {
  std::string reply;
  std::size_t max_piece = 0;
};

// What this replica fetched from a peer at start (ha): a whole snapshot's bytes, or why not.
struct PeerSnapshot {
  bool ok = false;
  std::string bytes;
  std::string error;
};

// A snapshot read from the state bucket at start (state_restore.h), aged to now: the owner
// restores it before any event, then says how that went through `verdict`, since the main
// thread only starts the stream after it once the restore held.
struct StoredRestore {
  core::StateImage image;
  std::uint64_t stream_sequence = 0;
  std::shared_ptr<std::promise<core::RestoreResult>> verdict;
};

using WorkItem = std::variant<InboundEvent, ServiceRequest, ReloadRequest, PeerSteal,
                              SnapshotRequest, PeerSnapshot, StoredRestore>;

}  // namespace wss::app
