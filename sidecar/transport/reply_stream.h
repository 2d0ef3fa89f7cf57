// A request with many replies: a fresh inbox, a synchronous subscription on it, one publish
// with the inbox as reply subject, then the replies one at a time, each within a timeout.
// For the peer snapshot a restoring replica fetches (its pieces come as separate replies).
//
// Blocking: the main thread only (never the owner thread or a cnats callback). The
// natsConnection (Connection::native()) must outlive it.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sidecar/transport/bus.h"

namespace wss::transport {

struct Reply {
  std::string payload;
  std::string content_type;
};

class ReplyStream {
 public:
  explicit ReplyStream(natsConnection* nc) : nc_(nc) {}
  ~ReplyStream();
  ReplyStream(const ReplyStream&) = delete;
  ReplyStream& operator=(const ReplyStream&) = delete;

  // Subscribes to a new inbox and publishes `payload` on `subject` with it as reply subject.
  [[nodiscard]] Status send(const std::string& subject, std::string_view payload);
  // The next reply within `timeout`; nullopt on timeout, and `no_responders` set when the
  // server said nobody listens on the subject.
  [[nodiscard]] std::optional<Reply> next(std::chrono::milliseconds timeout);
  [[nodiscard]] bool noResponders() const { return no_responders_; }

 private:
  natsConnection* nc_;
  natsSubscription* sub_ = nullptr;
  bool no_responders_ = false;
};

}  // namespace wss::transport
