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
#include "sidecar/transport/subscription.h"

namespace wss::app {

inline constexpr std::size_t kEventKindCount = 4;
[[nodiscard]] inline std::size_t indexOf(codec::EventKind kind) {
  return static_cast<std::size_t>(kind);
}

// Counts kept by the callbacks, read by the owner thread for work.stats and /metrics.
struct InboundCounters {
  std::array<std::atomic<std::uint64_t>, kEventKindCount> received{};  // by EventKind
  std::array<std::atomic<std::uint64_t>, kEventKindCount> rejected{};  // dropped as bad
  std::atomic<std::uint64_t> requests_received{0};
  std::atomic<std::uint64_t> requests_without_reply{0};  // dropped: nowhere to answer
};

class Inbound {
 public:
  // All references must outlive every subscription using the handlers.
  Inbound(EventQueue& queue, InboundCounters& counters, LogThrottle& throttle);

  // The handler for the inbound subject of `kind`. `subject` names it in log lines.
  [[nodiscard]] transport::MessageHandler eventHandler(codec::EventKind kind, std::string subject);
  // The handler for a request-reply service subject.
  [[nodiscard]] transport::MessageHandler serviceHandler(Service service, std::string subject);

 private:
  void onEvent(codec::EventKind kind, const std::string& subject,
               const transport::InboundMessage& message);
  void onRequest(Service service, const std::string& subject,
                 const transport::InboundMessage& message);

  EventQueue& queue_;
  InboundCounters& counters_;
  LogThrottle& throttle_;
};

}  // namespace wss::app
