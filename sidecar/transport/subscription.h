// One cnats subscription and the handler its messages go to.
//
// The handler runs on cnats' delivery thread: it must only decode and hand work off (see
// app/inbound.h), never block or touch coordinator state. The message is destroyed when
// the handler returns. Subscriptions are created and owned by Connection.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "sidecar/transport/bus.h"
#include "sidecar/transport/message.h"

namespace wss::transport {

// Called on a cnats delivery thread for each message. Must not throw (a throw is caught,
// counted as a handler failure and logged).
using MessageHandler = std::function<void(const InboundMessage&)>;

// The view of `msg` a handler gets (age_ms 0): valid until `msg` is destroyed. Any thread.
[[nodiscard]] InboundMessage viewOf(natsMsg* msg);

// Calls `handler`; a throw is caught, counted in `failures` and logged naming `subject`.
void callHandler(const MessageHandler& handler, const InboundMessage& message,
                 std::atomic<std::uint64_t>* failures, const std::string& subject);

class Subscription {
 public:
  Subscription(std::string subject, std::string queue_group, MessageHandler handler,
               std::atomic<std::uint64_t>* handler_failures);
  // Unsubscribes if still active and frees the cnats subscription.
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Subscribes on `connection` and sets the pending limits (messages, bytes; values above
  // INT_MAX are clamped, <= 0 means unlimited). Thread that owns the Connection.
  [[nodiscard]] Status start(natsConnection* connection, std::int64_t pending_messages,
                             std::int64_t pending_bytes);

  // Stops interest and lets the messages already received be delivered. Returns at once.
  [[nodiscard]] Status startDrain(std::int64_t timeout_ms);
  // Waits until the drain started above has delivered everything, at most timeout_ms.
  [[nodiscard]] Status waitDrained(std::int64_t timeout_ms);

  // Unsubscribes now if the subscription is still active (a drain that failed or timed
  // out). Its handler is not called after this returns, except for a call already running.
  void stop();

  // Messages dropped because the handler fell behind the pending limits. Any thread.
  [[nodiscard]] std::int64_t dropped() const;

  [[nodiscard]] const std::string& subject() const { return subject_; }
  [[nodiscard]] const std::string& queueGroup() const { return queue_group_; }

 private:
  static void onMessage(natsConnection* connection, natsSubscription* sub, natsMsg* msg,
                        void* closure);

  std::string subject_;
  std::string queue_group_;
  MessageHandler handler_;
  std::atomic<std::uint64_t>* handler_failures_;
  natsSubscription* sub_ = nullptr;
};

}  // namespace wss::transport
