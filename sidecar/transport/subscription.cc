#include "sidecar/transport/subscription.h"

#include <spdlog/spdlog.h>

#include <climits>
#include <cstdlib>
#include <exception>

#include "sidecar/common/ascii.h"
#include "sidecar/transport/nats_status.h"

namespace wss::transport {
namespace {

int pendingLimit(std::int64_t value) {
  if (value <= 0) return -1;  // cnats: no limit
  if (value > INT_MAX) return INT_MAX;
  return static_cast<int>(value);
}

// The Content-Type header; header names are case-insensitive, so fall back to a scan when
// the canonical spelling is absent (only messages that carry headers pay for it).
std::string_view contentTypeOf(natsMsg* msg) {
  const char* value = nullptr;
  natsStatus status = natsMsgHeader_Get(msg, "Content-Type", &value);
  if (status == NATS_OK) return value != nullptr ? std::string_view(value) : std::string_view();
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) != NATS_OK) return {};
  std::string_view found;
  for (int i = 0; i < count; ++i) {
    if (keys[i] != nullptr && common::equalsIgnoreAsciiCase(keys[i], "content-type")) {
      if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK && value != nullptr) found = value;
      break;
    }
  }
  free(static_cast<void*>(keys));
  return found;
}

}  // namespace

Subscription::Subscription(std::string subject, std::string queue_group, MessageHandler handler,
                           std::atomic<std::uint64_t>* handler_failures)
    : subject_(std::move(subject)),
      queue_group_(std::move(queue_group)),
      handler_(std::move(handler)),
      handler_failures_(handler_failures) {}

Subscription::~Subscription() {
  if (sub_ == nullptr) return;
  if (natsSubscription_IsValid(sub_)) {
    // Not drained (e.g. the connection never came up): stop callbacks before freeing.
    (void)natsSubscription_Unsubscribe(sub_);
  }
  natsSubscription_Destroy(sub_);
}

Status Subscription::start(natsConnection* connection, std::int64_t pending_messages,
                           std::int64_t pending_bytes) {
  natsStatus status =
      queue_group_.empty()
          ? natsConnection_Subscribe(&sub_, connection, subject_.c_str(), &Subscription::onMessage,
                                     this)
          : natsConnection_QueueSubscribe(&sub_, connection, subject_.c_str(), queue_group_.c_str(),
                                          &Subscription::onMessage, this);
  if (status != NATS_OK) {
    return Status::failure("cannot subscribe to '" + subject_ + "': " + describeStatus(status));
  }
  status = natsSubscription_SetPendingLimits(sub_, pendingLimit(pending_messages),
                                             pendingLimit(pending_bytes));
  if (status != NATS_OK) {
    return Status::failure("cannot set pending limits on '" + subject_ +
                           "': " + describeStatus(status));
  }
  return {};
}

Status Subscription::startDrain(std::int64_t timeout_ms) {
  if (sub_ == nullptr) return {};
  natsStatus status = natsSubscription_DrainTimeout(sub_, timeout_ms);
  if (status != NATS_OK) {
    return Status::failure("cannot drain '" + subject_ + "': " + describeStatus(status));
  }
  return {};
}

Status Subscription::waitDrained(std::int64_t timeout_ms) {
  if (sub_ == nullptr) return {};
  natsStatus status = natsSubscription_WaitForDrainCompletion(sub_, timeout_ms);
  if (status != NATS_OK) {
    return Status::failure("drain of '" + subject_ + "' incomplete: " + describeStatus(status));
  }
  return {};
}

void Subscription::stop() {
  if (sub_ != nullptr && natsSubscription_IsValid(sub_)) (void)natsSubscription_Unsubscribe(sub_);
}

std::int64_t Subscription::dropped() const {
  if (sub_ == nullptr) return 0;
  int64_t msgs = 0;
  if (natsSubscription_GetDropped(sub_, &msgs) != NATS_OK) return 0;  // closed: nothing new
  return msgs;
}

void Subscription::onMessage(natsConnection* /*connection*/, natsSubscription* /*sub*/,
                             natsMsg* msg, void* closure) {
  auto* self = static_cast<Subscription*>(closure);
  callHandler(self->handler_, viewOf(msg), self->handler_failures_, self->subject_);
  natsMsg_Destroy(msg);
}

InboundMessage viewOf(natsMsg* msg) {
  InboundMessage view;
  const char* subject = natsMsg_GetSubject(msg);
  const char* reply = natsMsg_GetReply(msg);
  const char* data = natsMsg_GetData(msg);
  const int length = natsMsg_GetDataLength(msg);
  view.subject = subject != nullptr ? std::string_view(subject) : std::string_view();
  view.reply = reply != nullptr ? std::string_view(reply) : std::string_view();
  view.payload = (data != nullptr && length > 0)
                     ? std::string_view(data, static_cast<std::size_t>(length))
                     : std::string_view();
  view.content_type = contentTypeOf(msg);
  return view;
}

void callHandler(const MessageHandler& handler, const InboundMessage& message,
                 std::atomic<std::uint64_t>* failures, const std::string& subject) {
  try {
    handler(message);
  } catch (const std::exception& e) {
    failures->fetch_add(1, std::memory_order_relaxed);
    spdlog::error("handler for '{}' threw: {}", subject, e.what());
  } catch (...) {
    failures->fetch_add(1, std::memory_order_relaxed);
    spdlog::error("handler for '{}' threw a non-standard exception", subject);
  }
}

}  // namespace wss::transport
