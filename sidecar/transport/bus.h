// What the app needs from the message bus: queue bytes for publishing, read connection counters.
//
// The owner thread publishes steal orders and service replies through this interface, so
// the app can run against a fake bus in unit tests; transport::Connection is the real one.
// publish() only hands the message to a bounded outbound queue that a publisher thread of
// the transport empties into NATS: whatever the server does (hung, slow, gone), the owner
// thread never waits on it. stats() reads counters the transport keeps itself; it never calls
// into the NATS client library either.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace wss::transport {

// What a published message carries, for the outbound queue's shed counters.
enum class Outbound : std::uint8_t { kStealOrder, kReply };

// Counters since the connection was created. Monotonic except the gauges `connected`,
// `stale` and `outbound_depth`.
struct ConnectionStats {
  bool connected = false;
  // Connected, but the server has not answered a PING within the bound (hung or overloaded):
  // /readyz says 503 while this holds.
  bool stale = false;
  std::uint64_t disconnects = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t stale_episodes = 0;        // times `stale` became true
  std::uint64_t slow_consumer_events = 0;  // NATS_SLOW_CONSUMER reports from cnats
  std::uint64_t slow_consumer_drops = 0;   // messages dropped, summed over subscriptions
  // Disconnects the server caused because this process had stopped reading (server-side slow
  // consumer: its write deadline or pending limit passed); a subset of `disconnects`.
  std::uint64_t slow_consumer_disconnects = 0;
  std::uint64_t async_errors = 0;                // every other asynchronous error
  std::uint64_t handler_failures = 0;            // a message handler threw (a bug; logged)
  std::uint64_t publish_failures = 0;            // refused by publish() or failed in the client
  std::uint64_t outbound_depth = 0;              // messages waiting for the publisher thread
  std::uint64_t outbound_shed_steal_orders = 0;  // refused: the outbound queue was full
  std::uint64_t outbound_shed_replies = 0;
  // state.stream (event_stream.h): whether events come from the stream (a gauge); times the
  // stream could not be consumed (the sidecar then subscribes plainly: a cold start); events
  // it delivered; and messages on a subject no inbound subject covers, dropped.
  bool stream_active = false;
  std::uint64_t stream_unavailable = 0;
  std::uint64_t stream_events = 0;
  std::uint64_t stream_unrouted = 0;
};

// The result of a transport call: ok, or one line saying why not.
struct Status {
  bool ok = true;
  std::string error;  // when !ok

  static Status failure(std::string why) { return Status{false, std::move(why)}; }
};

class Bus {
 public:
  virtual ~Bus() = default;

  // Queues `payload` for `subject` with a Content-Type header, and returns at once. Fails
  // (and counts) when the message cannot go out: the outbound queue is full (`what` says
  // which shed counter moves), the payload exceeds the server's max_payload, the connection
  // never came up or is closed. A queued message may still fail in the client later (counted
  // in publish_failures, logged); while disconnected it is buffered and sent after
  // reconnecting. Never throws, never blocks on the network. Any thread.
  [[nodiscard]] virtual Status publish(Outbound what, const std::string& subject,
                                       std::string_view payload, std::string_view content_type) = 0;

  // A snapshot of the counters. Never blocks on the network. Any thread.
  [[nodiscard]] virtual ConnectionStats stats() const = 0;
};

}  // namespace wss::transport
