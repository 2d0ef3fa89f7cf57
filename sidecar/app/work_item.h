// What cnats callbacks and the signal thread hand to the owner thread.
//
// Everything that reads or changes coordinator state travels as a WorkItem through the
// EventQueue: decoded fleet events, requests of the request-reply services, and config
// reloads. That is what keeps one thread the only owner of the coordinator, and makes the
// services see a state consistent with the events before them.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "sidecar/codec/codec.h"
#include "sidecar/core/events.h"

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

using WorkItem = std::variant<InboundEvent, ServiceRequest, ReloadRequest>;

}  // namespace wss::app
