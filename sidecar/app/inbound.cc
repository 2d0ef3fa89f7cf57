#include "sidecar/app/inbound.h"

#include "sidecar/app/peer_restore.h"
#include "sidecar/snapshot/event_hash.h"

namespace wss::app {

const std::string& subjectOf(const config::SubjectsConfig& subjects, codec::EventKind kind) {
  switch (kind) {
    case codec::EventKind::kTaskAssigned:
      return subjects.task_assigned;
    case codec::EventKind::kTaskCompleted:
      return subjects.task_completed;
    case codec::EventKind::kTaskFailed:
      return subjects.task_failed;
    case codec::EventKind::kAgentMetrics:
      return subjects.agent_metrics;
  }
  return subjects.task_assigned;  // unreachable: -Wswitch names a kind added without a case
}

const std::string& subjectOf(const config::SubjectsConfig& subjects, Service service) {
  switch (service) {
    case Service::kStats:
      return subjects.work_stats;
    case Service::kOperations:
      return subjects.work_operations;
    case Service::kAgents:
      return subjects.work_agents;
    case Service::kBestAgent:
      return subjects.work_best_agent;
  }
  return subjects.work_stats;  // unreachable: -Wswitch names a service added without a case
}

Inbound::Inbound(EventQueue& queue, InboundCounters& counters, LogThrottle& throttle,
                 bool fingerprint)
    : queue_(queue), counters_(counters), throttle_(throttle), fingerprint_(fingerprint) {}

transport::MessageHandler Inbound::eventHandler(codec::EventKind kind, std::string subject) {
  return [this, kind, subject = std::move(subject)](const transport::InboundMessage& message) {
    onEvent(kind, subject, message);
  };
}

transport::MessageHandler Inbound::serviceHandler(Service service, std::string subject) {
  return [this, service, subject = std::move(subject)](const transport::InboundMessage& message) {
    onRequest(service, subject, message);
  };
}

transport::MessageHandler Inbound::stealHandler(std::string subject) {
  return [this, subject = std::move(subject)](const transport::InboundMessage& message) {
    onSteal(subject, message);
  };
}

transport::MessageHandler Inbound::snapshotHandler() {
  return [this](const transport::InboundMessage& message) {
    if (message.reply.empty()) return;
    if (queue_.push(SnapshotRequest{std::string(message.reply), maxPieceOf(message.payload)}) ==
        PushResult::kShed) {
      warnShed(std::string(message.subject));
    }
  };
}

void Inbound::onEvent(codec::EventKind kind, const std::string& subject,
                      const transport::InboundMessage& message) {
  counters_.received[indexOf(kind)].fetch_add(1, std::memory_order_relaxed);
  const codec::Encoding encoding = codec::detectEncoding(message.content_type, message.payload);
  codec::DecodeResult decoded = codec::decodeEvent(kind, encoding, message.payload);
  if (!decoded.ok) {
    counters_.rejected[indexOf(kind)].fetch_add(1, std::memory_order_relaxed);
    // One line per subject and reason per second; the reason never includes the payload.
    const std::string reason = subject + ": " + decoded.error;
    throttle_.warn(reason, "dropped a bad message on '{}' ({}, {} bytes): {}",
                   std::string(message.subject), codec::contentType(encoding),
                   message.payload.size(), decoded.error);
    return;
  }
  const std::uint64_t hash =
      fingerprint_ ? snapshot::eventHash(message.subject, message.payload) : 0;
  if (queue_.push(InboundEvent{kind, std::move(decoded.event), message.age_ms, hash,
                               message.stream_sequence}) == PushResult::kShed) {
    warnShed(subject);
  }
}

void Inbound::onSteal(const std::string& subject, const transport::InboundMessage& message) {
  counters_.steals_heard.fetch_add(1, std::memory_order_relaxed);
  const codec::Encoding encoding = codec::detectEncoding(message.content_type, message.payload);
  codec::StealOrderResult decoded = codec::decodeStealOrder(encoding, message.payload);
  if (!decoded.ok) {
    counters_.steals_rejected.fetch_add(1, std::memory_order_relaxed);
    throttle_.warn(subject + ": " + decoded.error,
                   "ignored a bad steal order on '{}' ({}, {} bytes): {}", subject,
                   codec::contentType(encoding), message.payload.size(), decoded.error);
    return;
  }
  if (queue_.push(PeerSteal{std::move(decoded.order)}) == PushResult::kShed) warnShed(subject);
}

void Inbound::warnShed(const std::string& subject) {
  throttle_.warn(subject + ": shed",
                 "event queue full (the owner thread is behind): shed a message on '{}'; see "
                 "shedEvents in work.stats",
                 subject);
}

void Inbound::onRequest(Service service, const std::string& subject,
                        const transport::InboundMessage& message) {
  counters_.requests_received.fetch_add(1, std::memory_order_relaxed);
  if (message.reply.empty()) {
    counters_.requests_without_reply.fetch_add(1, std::memory_order_relaxed);
    throttle_.warn(subject + ": no reply subject",
                   "dropped a request on '{}' without a reply subject", subject);
    return;
  }
  ServiceRequest request;
  request.service = service;
  request.reply = std::string(message.reply);
  request.content_type = std::string(message.content_type);
  if (message.payload.size() > codec::kMaxPayloadBytes) {
    request.oversized = true;  // answered with an error; not worth copying
  } else {
    request.payload = std::string(message.payload);
  }
  if (queue_.push(std::move(request)) == PushResult::kShed) warnShed(subject);
}

}  // namespace wss::app
