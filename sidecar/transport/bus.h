// What the app needs from the message bus: publish bytes, read connection counters.
//
// The owner thread publishes steal orders and service replies through this interface, so
// the app can run against a fake bus in unit tests; transport::Connection is the real one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace wss::transport {

// Counters since the connection was created. Monotonic except `connected`.
struct ConnectionStats {
  bool connected = false;
  std::uint64_t disconnects = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t slow_consumer_events = 0;  // NATS_SLOW_CONSUMER reports from cnats
  std::uint64_t slow_consumer_drops = 0;   // messages dropped, summed over subscriptions
  std::uint64_t async_errors = 0;          // every other asynchronous error
  std::uint64_t handler_failures = 0;      // a message handler threw (a bug; logged)
  std::uint64_t publish_failures = 0;
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

  // Publishes `payload` on `subject` with a Content-Type header. While disconnected the
  // message is buffered (up to the reconnect buffer) and sent after reconnecting. Never
  // throws. Any thread.
  [[nodiscard]] virtual Status publish(const std::string& subject, std::string_view payload,
                                       std::string_view content_type) = 0;

  // A snapshot of the counters. Any thread.
  [[nodiscard]] virtual ConnectionStats stats() const = 0;
};

}  // namespace wss::transport
