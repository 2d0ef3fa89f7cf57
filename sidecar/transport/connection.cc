#include "sidecar/transport/connection.h"

#include <spdlog/spdlog.h>

#include <climits>

#include "sidecar/common/redact.h"
#include "sidecar/transport/nats_status.h"
#include "sidecar/transport/options.h"

namespace wss::transport {
namespace {

std::int64_t msUntil(Connection::Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? left.count() : 0;
}

// How long the destructor waits for cnats' closed callback, which refers to the object.
constexpr auto kClosedCallbackWait = std::chrono::seconds(2);

}  // namespace

Connection::Connection(config::NatsConfig config) : config_(std::move(config)) {}

Connection::OpenResult Connection::open(const config::NatsConfig& config) {
  OpenResult result;
  OptionsResult built = buildOptions(config);
  if (!built.error.empty()) {
    result.error = std::move(built.error);
    return result;
  }
  std::unique_ptr<Connection> self(new Connection(config));
  natsOptions* options = built.options.get();
  void* closure = self.get();
  natsStatus status = natsOptions_SetDisconnectedCB(options, &Connection::onDisconnected, closure);
  if (status == NATS_OK) {
    status = natsOptions_SetReconnectedCB(options, &Connection::onReconnected, closure);
  }
  if (status == NATS_OK) status = natsOptions_SetClosedCB(options, &Connection::onClosed, closure);
  if (status == NATS_OK) {
    status = natsOptions_SetErrorHandler(options, &Connection::onAsyncError, closure);
  }
  if (status != NATS_OK) {
    result.error = "cannot set NATS callbacks: " + describeStatus(status);
    return result;
  }

  // A first attempt that does not retry: a server that answers but refuses us (credentials,
  // TLS) is a configuration error. Handed to the retrying connect below, cnats 3.4 would
  // close the connection for good after that one failure without telling why. Only "no
  // server answered" (refused, timed out, reset) goes on to retry in the background.
  status = natsConnection_Connect(&self->nc_, options);
  if (status == NATS_OK) {
    spdlog::info("connected to NATS at {}", self->connectedUrl());
    result.connection = std::move(self);
    return result;
  }
  self->nc_ = nullptr;
  if (status != NATS_NO_SERVER && status != NATS_TIMEOUT && status != NATS_IO_ERROR) {
    result.error = "NATS at " + common::redactUrl(config.url) +
                   " refused the connection: " + describeStatus(status);
    return result;
  }

  status = natsOptions_SetRetryOnFailedConnect(options, true, &Connection::onConnected, closure);
  if (status != NATS_OK) {
    result.error = "cannot set NATS retry policy: " + describeStatus(status);
    return result;
  }
  status = natsConnection_Connect(&self->nc_, options);
  if (status == NATS_NOT_YET_CONNECTED) {
    spdlog::warn("NATS at {} not reachable yet; retrying every {} ms in the background",
                 common::redactUrl(config.url), config.reconnect_wait_ms);
  } else if (status != NATS_OK) {
    result.error = "cannot connect to NATS at " + common::redactUrl(config.url) + ": " +
                   describeStatus(status);
    return result;
  } else {
    spdlog::info("connected to NATS at {}", self->connectedUrl());
  }
  result.connection = std::move(self);
  return result;
}

Connection::~Connection() {
  if (nc_ == nullptr) return;
  bool closed = false;
  {
    std::lock_guard lock(closed_mutex_);
    closed = closed_;
  }
  if (!closed) {
    closing_.store(true);
    natsConnection_Close(nc_);
    std::unique_lock lock(closed_mutex_);
    closed_cv_.wait_for(lock, kClosedCallbackWait, [this] { return closed_; });
  }
  {
    std::lock_guard lock(subscriptions_mutex_);
    subscriptions_.clear();
  }
  natsConnection_Destroy(nc_);
}

Status Connection::subscribe(const std::string& subject, const std::string& queue_group,
                             MessageHandler handler) {
  auto subscription =
      std::make_unique<Subscription>(subject, queue_group, std::move(handler), &handler_failures_);
  Status status =
      subscription->start(nc_, config_.pending_messages_limit, config_.pending_bytes_limit);
  if (!status.ok) return status;
  if (queue_group.empty()) {
    spdlog::debug("subscribed to '{}'", subject);
  } else {
    spdlog::debug("subscribed to '{}' in queue group '{}'", subject, queue_group);
  }
  std::lock_guard lock(subscriptions_mutex_);
  subscriptions_.push_back(std::move(subscription));
  return {};
}

Status Connection::publish(const std::string& subject, std::string_view payload,
                           std::string_view content_type) {
  if (payload.size() > static_cast<std::size_t>(INT_MAX)) {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
    return Status::failure("payload too large");
  }
  natsMsg* msg = nullptr;
  natsStatus status = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                                     static_cast<int>(payload.size()));
  if (status == NATS_OK && !content_type.empty()) {
    const std::string value(content_type);
    status = natsMsgHeader_Set(msg, "Content-Type", value.c_str());
  }
  if (status == NATS_OK) status = natsConnection_PublishMsg(nc_, msg);
  natsMsg_Destroy(msg);  // accepts nullptr
  if (status != NATS_OK) {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
    return Status::failure("publish on '" + subject + "' failed: " + describeStatus(status));
  }
  return {};
}

ConnectionStats Connection::stats() const {
  ConnectionStats stats;
  stats.connected = connected();
  stats.disconnects = disconnects_.load(std::memory_order_relaxed);
  stats.reconnects = reconnects_.load(std::memory_order_relaxed);
  stats.slow_consumer_events = slow_consumer_events_.load(std::memory_order_relaxed);
  stats.async_errors = async_errors_.load(std::memory_order_relaxed);
  stats.handler_failures = handler_failures_.load(std::memory_order_relaxed);
  stats.publish_failures = publish_failures_.load(std::memory_order_relaxed);
  std::lock_guard lock(subscriptions_mutex_);
  for (const auto& subscription : subscriptions_) {
    stats.slow_consumer_drops += static_cast<std::uint64_t>(subscription->dropped());
  }
  return stats;
}

Status Connection::flush(std::int64_t timeout_ms) {
  if (!connected()) return Status::failure("not connected");
  const natsStatus status = natsConnection_FlushTimeout(nc_, timeout_ms);
  if (status != NATS_OK) return Status::failure("flush failed: " + describeStatus(status));
  return {};
}

bool Connection::connected() const {
  return nc_ != nullptr && natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

std::string Connection::connectedUrl() const {
  char buffer[512] = {};
  if (nc_ == nullptr || natsConnection_GetConnectedUrl(nc_, buffer, sizeof buffer) != NATS_OK) {
    return {};
  }
  return common::redactUrl(buffer);  // cnats gives the URL with its credentials
}

void Connection::drainSubscriptions(Deadline deadline) {
  std::vector<Subscription*> started;
  {
    std::lock_guard lock(subscriptions_mutex_);
    for (const auto& subscription : subscriptions_) {
      Status status = subscription->startDrain(std::max<std::int64_t>(msUntil(deadline), 1));
      if (status.ok) {
        started.push_back(subscription.get());
      } else {
        spdlog::warn("{}", status.error);
      }
    }
  }
  for (Subscription* subscription : started) {
    Status status = subscription->waitDrained(std::max<std::int64_t>(msUntil(deadline), 1));
    if (!status.ok) spdlog::warn("{}", status.error);
  }
  // Whatever could not drain (disconnected, timed out) must not call its handler again.
  std::lock_guard lock(subscriptions_mutex_);
  for (const auto& subscription : subscriptions_) subscription->stop();
}

void Connection::close(Deadline deadline) {
  if (nc_ == nullptr) return;
  closing_.store(true);
  natsStatus status = NATS_OK;
  if (connected()) {
    // Subscriptions are drained already: this flushes what was published, then closes.
    status = natsConnection_DrainTimeout(nc_, std::max<std::int64_t>(msUntil(deadline), 1));
    if (status != NATS_OK) {
      spdlog::warn("NATS drain failed ({}); closing now", describeStatus(status));
    }
  } else {
    spdlog::warn("NATS not connected at shutdown; unsent publishes are dropped");
    status = NATS_CONNECTION_DISCONNECTED;
  }
  if (status != NATS_OK) natsConnection_Close(nc_);
  std::unique_lock lock(closed_mutex_);
  if (!closed_cv_.wait_until(lock, deadline, [this] { return closed_; })) {
    lock.unlock();
    spdlog::warn("NATS drain did not finish in time; closing now");
    natsConnection_Close(nc_);
    lock.lock();
    closed_cv_.wait_for(lock, kClosedCallbackWait, [this] { return closed_; });
  }
}

void Connection::onConnected(natsConnection* /*nc*/, void* closure) {
  auto* self = static_cast<Connection*>(closure);
  spdlog::info("connected to NATS at {}", self->connectedUrl());
}

void Connection::onDisconnected(natsConnection* /*nc*/, void* closure) {
  auto* self = static_cast<Connection*>(closure);
  if (self->closing_.load()) return;  // our own close, not an outage
  self->disconnects_.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("disconnected from NATS; reconnecting every {} ms, publishes are buffered",
               self->config_.reconnect_wait_ms);
}

void Connection::onReconnected(natsConnection* /*nc*/, void* closure) {
  auto* self = static_cast<Connection*>(closure);
  self->reconnects_.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("reconnected to NATS at {}; subscriptions resumed", self->connectedUrl());
}

void Connection::onClosed(natsConnection* /*nc*/, void* closure) {
  auto* self = static_cast<Connection*>(closure);
  if (!self->closing_.load()) {
    spdlog::error("NATS connection closed unexpectedly");
    self->lost_.store(true);
  }
  std::lock_guard lock(self->closed_mutex_);
  self->closed_ = true;
  self->closed_cv_.notify_all();
}

void Connection::onAsyncError(natsConnection* /*nc*/, natsSubscription* sub, natsStatus err,
                              void* closure) {
  auto* self = static_cast<Connection*>(closure);
  const char* subject = sub != nullptr ? natsSubscription_GetSubject(sub) : nullptr;
  if (err == NATS_SLOW_CONSUMER) {
    // cnats reports once per episode (until the backlog drains), so this cannot flood.
    self->slow_consumer_events_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("slow consumer on '{}': messages beyond the pending limits are dropped",
                 subject != nullptr ? subject : "?");
    return;
  }
  self->async_errors_.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("NATS asynchronous error on '{}': {}", subject != nullptr ? subject : "-",
                statusText(err));
}

}  // namespace wss::transport
