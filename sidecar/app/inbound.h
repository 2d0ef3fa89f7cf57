// The cnats side of the app: decode each inbound message and hand it to the owner thread.
//
// Inbound builds the MessageHandlers the transport calls on its delivery thread. An event
// handler detects the encoding (Content-Type header, else sniffing), decodes, and either
// queues the event or drops it: counted per subject and logged rate-limited. A service
// handler copies the request and queues it. Neither ever touches coordinator state.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "sidecar/app/event_queue.h"
#include "sidecar/app/log_throttle.h"
#include "sidecar/codec/codec.h"
#include "sidecar/config/config.h"
#include "sidecar/observability/metrics_snapshot.h"
#include "sidecar/transport/subscription.h"

namespace wss::app {

// Every inbound event kind, in the order of the per-kind arrays below.
inline constexpr std::array<codec::EventKind, 4> kEventKinds = {
    codec::EventKind::kTaskAssigned, codec::EventKind::kTaskCompleted,
    codec::EventKind::kTaskFailed, codec::EventKind::kAgentMetrics};
inline constexpr std::size_t kEventKindCount = kEventKinds.size();

// The index of `kind` in the per-kind arrays of InboundCounters. Pure.
[[nodiscard]] constexpr std::size_t indexOf(codec::EventKind kind) {
  switch (kind) {
    case codec::EventKind::kTaskAssigned:
      return 0;
    case codec::EventKind::kTaskCompleted:
      return 1;
    case codec::EventKind::kTaskFailed:
      return 2;
    case codec::EventKind::kAgentMetrics:
      return 3;
  }
  return 0;  // unreachable: -Wswitch names a kind added without a case
}

// The /metrics `kind` of an inbound event kind. The two enums live in modules that do not
// know each other (codec, observability); this is the one place that pairs them. Pure.
[[nodiscard]] constexpr observability::InboundKind toInboundKind(codec::EventKind kind) {
  switch (kind) {
    case codec::EventKind::kTaskAssigned:
      return observability::InboundKind::kTaskAssigned;
    case codec::EventKind::kTaskCompleted:
      return observability::InboundKind::kTaskCompleted;
    case codec::EventKind::kTaskFailed:
      return observability::InboundKind::kTaskFailed;
    case codec::EventKind::kAgentMetrics:
      return observability::InboundKind::kAgentMetrics;
  }
  return observability::InboundKind::kTaskAssigned;  // unreachable, see indexOf
}

// The configured subject of an inbound event kind. Pure.
[[nodiscard]] const std::string& subjectOf(const config::SubjectsConfig& subjects,
                                           codec::EventKind kind);
// The configured subject of a request-reply service. Pure.
[[nodiscard]] const std::string& subjectOf(const config::SubjectsConfig& subjects, Service service);

namespace detail {
// Every kind has its own index and its own /metrics kind: the mappings are one-to-one.
constexpr bool mappingsAreBijective() {
  for (std::size_t i = 0; i < kEventKindCount; ++i) {
    if (indexOf(kEventKinds[i]) != i) return false;
    for (std::size_t j = i + 1; j < kEventKindCount; ++j) {
      if (toInboundKind(kEventKinds[i]) == toInboundKind(kEventKinds[j])) return false;
    }
  }
  return true;
}
}  // namespace detail
static_assert(kEventKindCount == observability::kInboundKindCount,
              "codec::EventKind and observability::InboundKind must list the same kinds");
static_assert(detail::mappingsAreBijective());

// Counts kept by the callbacks, read by the owner thread for work.stats and /metrics.
struct InboundCounters {
  std::array<std::atomic<std::uint64_t>, kEventKindCount> received{};  // by EventKind
  std::array<std::atomic<std::uint64_t>, kEventKindCount> rejected{};  // dropped as bad
  std::atomic<std::uint64_t> requests_received{0};
  std::atomic<std::uint64_t> requests_without_reply{0};  // dropped: nowhere to answer
  std::atomic<std::uint64_t> steals_heard{0};     // work.steal orders (ha), any replica's
  std::atomic<std::uint64_t> steals_rejected{0};  // work.steal messages that did not decode
};

class Inbound {
 public:
  // All references must outlive every subscription using the handlers. `fingerprint`: give
  // each event its snapshot::eventHash (ha: peer snapshots match events by it).
  Inbound(EventQueue& queue, InboundCounters& counters, LogThrottle& throttle,
          bool fingerprint = false);

  // The handler for the inbound subject of `kind`. `subject` names it in log lines.
  [[nodiscard]] transport::MessageHandler eventHandler(codec::EventKind kind, std::string subject);
  // The handler for a request-reply service subject.
  [[nodiscard]] transport::MessageHandler serviceHandler(Service service, std::string subject);
  // The handler for work.steal (ha): every replica hears the leader's orders.
  [[nodiscard]] transport::MessageHandler stealHandler(std::string subject);
  // The handler for the group's snapshot subject (ha): a starting replica asks for the state.
  [[nodiscard]] transport::MessageHandler snapshotHandler();

 private:
  void onEvent(codec::EventKind kind, const std::string& subject,
               const transport::InboundMessage& message);
  void onRequest(Service service, const std::string& subject,
                 const transport::InboundMessage& message);
  void onSteal(const std::string& subject, const transport::InboundMessage& message);
  // The queue shed a message from `subject`: say so, rate-limited.
  void warnShed(const std::string& subject);

  EventQueue& queue_;
  InboundCounters& counters_;
  LogThrottle& throttle_;
  bool fingerprint_;
};

}  // namespace wss::app
