#include "sidecar/transport/connection.h"

#include <spdlog/spdlog.h>

#include <climits>
#include <unordered_set>

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

// What cnats adds to a payload for one header: "NATS/1.0\r\n", "Content-Type: " value
// "\r\n", and the blank line.
constexpr std::size_t kHeaderOverhead = 10 + 14 + 2 + 2;

// cnats may still deliver a queued connection callback after the closed one (an asynchronous
// error from a drain that timed out against a hung server), when the Connection may be gone.
// Callbacks find their Connection through this registry, and hold it while they run; the
// destructor leaves it (waiting for a callback in progress) before freeing anything.
std::mutex& registryMutex() {
  static std::mutex mutex;
  return mutex;
}

std::unordered_set<const void*>& registry() {
  static std::unordered_set<const void*> live;
  return live;
}

// The registry's lock, owned when `closure` is a live Connection; empty otherwise.
std::unique_lock<std::mutex> lockIfLive(const void* closure) {
  std::unique_lock lock(registryMutex());
  if (registry().count(closure) == 0) lock.unlock();
  return lock;
}

LinkHealth::Settings healthSettings(const config::NatsConfig& config) {
  LinkHealth::Settings settings;
  settings.stale_after = staleAfter(config);
  return settings;
}

}  // namespace

Connection::Connection(config::NatsConfig config)
    : config_(std::move(config)),
      monitor_(healthSettings(config_),
               HealthHooks{[this](std::chrono::milliseconds timeout) {
                             return !closing_.load() &&
                                    natsConnection_FlushTimeout(nc_, timeout.count()) == NATS_OK;
                           },
                           [this] {
                             std::uint64_t dropped = 0;
                             std::lock_guard lock(subscriptions_mutex_);
                             for (const auto& subscription : subscriptions_) {
                               dropped += static_cast<std::uint64_t>(subscription->dropped());
                             }
                             if (stream_) dropped += static_cast<std::uint64_t>(stream_->dropped());
                             dropped_.store(dropped, std::memory_order_relaxed);
                           }}),
      publisher_([this](const OutboundMessage& message) { return publishNow(message); }) {
  std::lock_guard lock(registryMutex());
  registry().insert(this);
}

void Connection::markUp(natsConnection* nc) {
  max_payload_.store(natsConnection_GetMaxPayload(nc));
  ever_connected_.store(true);
  monitor_.health().connected(std::chrono::steady_clock::now());
}

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
    self->markUp(self->nc_);
    self->monitor_.start();
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
    self->markUp(self->nc_);
  }
  self->monitor_.start();
  result.connection = std::move(self);
  return result;
}

Connection::~Connection() {
  if (nc_ == nullptr) {
    std::lock_guard lock(registryMutex());
    registry().erase(this);
    return;
  }
  bool closed = false;
  {
    std::lock_guard lock(closed_mutex_);
    closed = closed_;
  }
  if (!closed) {
    closing_.store(true);
    stopHelpers(std::chrono::steady_clock::now());
    natsConnection_Close(nc_);
    std::unique_lock lock(closed_mutex_);
    closed_cv_.wait_for(lock, kClosedCallbackWait, [this] { return closed_; });
  }
  monitor_.join();
  {
    std::lock_guard lock(registryMutex());  // no callback runs on, or reaches, this object now
    registry().erase(this);
  }
  {
    std::lock_guard lock(subscriptions_mutex_);
    subscriptions_.clear();
    stream_.reset();
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

Connection::StreamResult Connection::consumeStream(const StreamSpec& spec,
                                                   std::vector<StreamRoute> routes) {
  EventStream::OpenResult opened;
  if (connected()) {
    opened = EventStream::open(nc_, spec, std::move(routes), &handler_failures_);
  } else {
    opened.problem = StreamProblem::kFailed;
    opened.error = "stream '" + spec.stream + "': not connected to NATS";
  }
  if (opened.problem != StreamProblem::kNone) {
    stream_unavailable_.fetch_add(1, std::memory_order_relaxed);
    return {opened.problem, std::move(opened.error)};
  }
  spdlog::debug("consuming stream '{}' with an ordered consumer", spec.stream);
  std::lock_guard lock(subscriptions_mutex_);
  stream_ = std::move(opened.stream);
  return {};
}

Status Connection::publish(Outbound what, const std::string& subject, std::string_view payload,
                           std::string_view content_type) {
  Status refused;
  const std::int64_t max_payload = max_payload_.load();
  const std::size_t size =
      payload.size() + (content_type.empty() ? 0 : kHeaderOverhead + content_type.size());
  if (closing_.load() || lost_.load()) {
    refused = Status::failure("publish on '" + subject + "': connection closed");
  } else if (!ever_connected_.load()) {
    // Until a server said it takes headers, cnats would refuse the message anyway.
    refused = Status::failure("publish on '" + subject + "': not connected to NATS yet");
  } else if (max_payload > 0 && size > static_cast<std::uint64_t>(max_payload)) {
    refused = Status::failure("publish on '" + subject + "': " + std::to_string(size) +
                              " bytes, more than the server's max_payload of " +
                              std::to_string(max_payload));
  } else {
    refused = publisher_.enqueue(
        OutboundMessage{what, subject, std::string(payload), std::string(content_type)});
    if (!refused.ok) refused.error = "publish on '" + subject + "': " + refused.error;
  }
  if (!refused.ok) publish_failures_.fetch_add(1, std::memory_order_relaxed);
  return refused;
}

Status Connection::publishNow(const OutboundMessage& message) {
  if (message.payload.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status::failure("payload too large");
  }
  natsMsg* msg = nullptr;
  natsStatus status = natsMsg_Create(&msg, message.subject.c_str(), nullptr, message.payload.data(),
                                     static_cast<int>(message.payload.size()));
  if (status == NATS_OK && !message.content_type.empty()) {
    status = natsMsgHeader_Set(msg, "Content-Type", message.content_type.c_str());
  }
  if (status == NATS_OK) status = natsConnection_PublishMsg(nc_, msg);
  natsMsg_Destroy(msg);  // accepts nullptr
  if (status == NATS_TIMEOUT) {
    monitor_.health().writeTimedOut(std::chrono::steady_clock::now());  // the server hung
  }
  if (status != NATS_OK) return Status::failure(describeStatus(status));
  return {};
}

ConnectionStats Connection::stats() const {
  ConnectionStats stats;
  const LinkHealth& health = monitor_.health();
  stats.connected = health.isConnected();
  stats.stale = health.stale();
  stats.stale_episodes = health.staleEpisodes();
  stats.disconnects = disconnects_.load(std::memory_order_relaxed);
  stats.reconnects = reconnects_.load(std::memory_order_relaxed);
  stats.slow_consumer_events = slow_consumer_events_.load(std::memory_order_relaxed);
  stats.slow_consumer_drops = dropped_.load(std::memory_order_relaxed);
  stats.slow_consumer_disconnects = slow_consumer_disconnects_.load(std::memory_order_relaxed);
  stats.async_errors = async_errors_.load(std::memory_order_relaxed);
  stats.handler_failures = handler_failures_.load(std::memory_order_relaxed);
  stats.publish_failures =
      publish_failures_.load(std::memory_order_relaxed) + publisher_.failures();
  stats.outbound_depth = publisher_.depth();
  stats.outbound_shed_steal_orders = publisher_.shed(Outbound::kStealOrder);
  stats.outbound_shed_replies = publisher_.shed(Outbound::kReply);
  stats.stream_unavailable = stream_unavailable_.load(std::memory_order_relaxed);
  std::lock_guard lock(subscriptions_mutex_);
  if (stream_) {
    stats.stream_active = true;
    stats.stream_events = stream_->delivered();
    stats.stream_unrouted = stream_->unrouted();
  }
  return stats;
}

Status Connection::flush(std::int64_t timeout_ms) {
  if (!connected()) return Status::failure("not connected");
  const natsStatus status = natsConnection_FlushTimeout(nc_, timeout_ms);
  if (status != NATS_OK) return Status::failure("flush failed: " + describeStatus(status));
  return {};
}

bool Connection::connected() const { return monitor_.health().isConnected(); }

bool Connection::ready() const { return monitor_.health().ready(std::chrono::steady_clock::now()); }

std::string Connection::connectedUrl() const {
  char buffer[512] = {};
  if (nc_ == nullptr || natsConnection_GetConnectedUrl(nc_, buffer, sizeof buffer) != NATS_OK) {
    return {};
  }
  return common::redactUrl(buffer);  // cnats gives the URL with its credentials
}

natsConnection* Connection::native() const { return nc_; }

void Connection::drainSubscriptions(Deadline deadline) {
  const auto left = [deadline] { return std::max<std::int64_t>(msUntil(deadline), 1); };
  std::vector<Subscription*> started;
  bool stream_started = false;
  {
    std::lock_guard lock(subscriptions_mutex_);
    for (const auto& subscription : subscriptions_) {
      Status status = subscription->startDrain(left());
      if (status.ok) {
        started.push_back(subscription.get());
      } else {
        spdlog::warn("{}", status.error);
      }
    }
    if (stream_) {
      Status status = stream_->startDrain(left());
      stream_started = status.ok;
      if (!status.ok) spdlog::warn("{}", status.error);
    }
  }
  for (Subscription* subscription : started) {
    Status status = subscription->waitDrained(left());
    if (!status.ok) spdlog::warn("{}", status.error);
  }
  // The stream is only ever set before this, on this thread: no lock needed to read it.
  if (stream_started) {
    Status status = stream_->waitDrained(left());
    if (!status.ok) spdlog::warn("{}", status.error);
  }
  // Whatever could not drain (disconnected, timed out) must not call its handler again.
  std::lock_guard lock(subscriptions_mutex_);
  for (const auto& subscription : subscriptions_) subscription->stop();
  if (stream_) stream_->stop();
}

void Connection::stopHelpers(Deadline publish_deadline) {
  publisher_.finish(publish_deadline);
  monitor_.requestStop();  // a round trip in progress ends when cnats closes
}

void Connection::close(Deadline deadline) {
  if (nc_ == nullptr) return;
  stopHelpers(std::chrono::steady_clock::now() + (deadline - std::chrono::steady_clock::now()) / 2);
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
  lock.unlock();
  monitor_.join();
}

void Connection::onConnected(natsConnection* nc, void* closure) {
  const auto live = lockIfLive(closure);
  if (!live.owns_lock()) return;
  auto* self = static_cast<Connection*>(closure);
  self->markUp(nc);
  spdlog::info("connected to NATS at {}", self->connectedUrl());
}

void Connection::onDisconnected(natsConnection* /*nc*/, void* closure) {
  const auto live = lockIfLive(closure);
  if (!live.owns_lock()) return;
  auto* self = static_cast<Connection*>(closure);
  LinkHealth& health = self->monitor_.health();
  health.disconnected();
  if (self->closing_.load()) return;  // our own close, not an outage
  self->disconnects_.fetch_add(1, std::memory_order_relaxed);
  const LinkHealth::Duration stall = health.slowConsumerCut(std::chrono::steady_clock::now());
  if (stall.count() > 0) {
    // nats-server sends no -ERR when it cuts a slow consumer; the stall is the evidence.
    self->slow_consumer_disconnects_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn(
        "NATS server closed the connection after this process stalled for {} ms: a server-side "
        "slow-consumer cut (its write deadline or pending limit passed while the sidecar did not "
        "read); messages it held for the sidecar are lost. Reconnecting every {} ms",
        stall.count(), self->config_.reconnect_wait_ms);
    return;
  }
  spdlog::warn("disconnected from NATS; reconnecting every {} ms, publishes are buffered",
               self->config_.reconnect_wait_ms);
}

void Connection::onReconnected(natsConnection* nc, void* closure) {
  const auto live = lockIfLive(closure);
  if (!live.owns_lock()) return;
  auto* self = static_cast<Connection*>(closure);
  self->markUp(nc);
  self->reconnects_.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("reconnected to NATS at {}; subscriptions resumed", self->connectedUrl());
}

void Connection::onClosed(natsConnection* /*nc*/, void* closure) {
  const auto live = lockIfLive(closure);
  if (!live.owns_lock()) return;
  auto* self = static_cast<Connection*>(closure);
  self->monitor_.health().disconnected();
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
  const auto live = lockIfLive(closure);
  if (!live.owns_lock()) return;
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
