// The daemon's one NATS connection: connect, subscribe, publish, count, drain.
//
// Connection owns the cnats connection and its subscriptions. It starts even when no
// server is up (cnats keeps retrying in the background), reconnects forever, and counts
// disconnects, reconnects and slow-consumer drops for work.stats. Its connection-event
// callbacks run on cnats threads and only log and count. Shutdown is two steps so the app
// can still publish replies in between: drainSubscriptions() (stop accepting, deliver what
// was received), then close() (flush publishes, close).
//
// A hung server must not hang its callers. publish() queues for the Publisher thread;
// cnats' write deadline (serverPatience(), options.h) bounds how long any cnats write may
// wait, after which cnats drops the socket and reconnects; and the health answers (stats(),
// connected(), ready()) come from HealthMonitor's atomics and mutexes, never from a cnats call.
// A disconnect right after this process stalled is counted as the server cutting a slow
// consumer (link_health.h).
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sidecar/config/config.h"
#include "sidecar/transport/bus.h"
#include "sidecar/transport/event_stream.h"
#include "sidecar/transport/health_monitor.h"
#include "sidecar/transport/publisher.h"
#include "sidecar/transport/subscription.h"

namespace wss::transport {

class Connection final : public Bus {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  struct OpenResult {
    std::unique_ptr<Connection> connection;  // set when error is empty
    std::string error;
  };

  // Builds the options and connects. When no server answers yet, returns a connection that
  // keeps trying in the background (connected() is false until then). Fails on bad settings
  // (unreadable TLS or credentials files, bad URLs) and when a server answers but refuses
  // the connection (wrong credentials, TLS rejected), naming the reason. Main thread;
  // NatsLibrary must be open.
  [[nodiscard]] static OpenResult open(const config::NatsConfig& config);

  // Closes (without drain) if close() was not called, then frees everything.
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Subscribes `handler` to `subject` (a queue subscription when queue_group is not empty),
  // with the pending limits of the config. Works before the first connect too: cnats sends
  // the interest once connected. Main thread, before drainSubscriptions().
  [[nodiscard]] Status subscribe(const std::string& subject, const std::string& queue_group,
                                 MessageHandler handler);

  // Consumes the JetStream stream spec.stream instead of subscribing to the inbound subjects:
  // one ordered consumer, its messages routed by subject (event_stream.h). Needs a connection
  // that is up (the JetStream API calls block, each at most spec.timeout_ms). On any problem
  // nothing is consumed, the problem is counted (stream_unavailable) and returned with one
  // line naming it; the caller falls back to subscribe(). Main thread, at most once, before
  // drainSubscriptions().
  struct StreamResult {
    StreamProblem problem = StreamProblem::kNone;
    std::string error;
  };
  [[nodiscard]] StreamResult consumeStream(const StreamSpec& spec, std::vector<StreamRoute> routes);

  // Bus. Any thread.
  [[nodiscard]] Status publish(Outbound what, const std::string& subject, std::string_view payload,
                               std::string_view content_type) override;
  [[nodiscard]] ConnectionStats stats() const override;

  // Waits until the server has processed everything sent so far (subscriptions included),
  // at most `timeout_ms`. Fails at once when not connected. Any thread.
  [[nodiscard]] Status flush(std::int64_t timeout_ms);

  // Whether cnats reported the connection up (its callbacks); never waits. Any thread.
  [[nodiscard]] bool connected() const;
  // Connected, and the server answered a PING within the stale bound: what /readyz reports.
  // Never waits. Any thread.
  [[nodiscard]] bool ready() const;
  // True once cnats closed the connection for good without being asked to (it gave up, e.g.
  // after a first handshake that never completed): nothing will reconnect it. Any thread.
  [[nodiscard]] bool lost() const { return lost_.load(); }
  // The URL of the server connected to, credentials redacted (common/redact.h); empty when
  // not connected. Any thread.
  [[nodiscard]] std::string connectedUrl() const;
  // The cnats connection, for JetStream clients (kv_lease.h) on their own threads; the
  // Connection outlives them. Set once open() returned, connected or not yet. Any thread.
  [[nodiscard]] natsConnection* native() const;

  // Stops accepting: drains every subscription so messages already received are still
  // handed to their handlers, waiting until `deadline` at most. After it returns no handler
  // runs again. Main thread.
  void drainSubscriptions(Deadline deadline);

  // Hands what is queued to cnats (half the time left at most), then flushes pending
  // publishes and closes the connection (natsConnection_DrainTimeout), waiting until
  // `deadline` at most, then closes hard. Main thread, after drainSubscriptions() and after
  // the last publish.
  void close(Deadline deadline);

 private:
  explicit Connection(config::NatsConfig config);

  static void onConnected(natsConnection* nc, void* closure);
  static void onDisconnected(natsConnection* nc, void* closure);
  static void onReconnected(natsConnection* nc, void* closure);
  static void onClosed(natsConnection* nc, void* closure);
  static void onAsyncError(natsConnection* nc, natsSubscription* sub, natsStatus err,
                           void* closure);
  // The publisher thread's sink: one cnats publish with the Content-Type header.
  Status publishNow(const OutboundMessage& message);
  // Main thread or cnats' callback thread: the connection is up (again).
  void markUp(natsConnection* nc);
  // Stops the publisher and the monitor's prober before cnats closes. Main thread.
  void stopHelpers(Deadline publish_deadline);

  config::NatsConfig config_;
  natsConnection* nc_ = nullptr;
  std::vector<std::unique_ptr<Subscription>> subscriptions_;  // main thread writes
  std::unique_ptr<EventStream> stream_;                       // main thread writes
  mutable std::mutex subscriptions_mutex_;                    // guards reads of both
  std::atomic<std::uint64_t> stream_unavailable_{0};

  std::atomic<bool> closing_{false};
  std::atomic<bool> lost_{false};
  std::atomic<std::uint64_t> disconnects_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> slow_consumer_events_{0};
  std::atomic<std::uint64_t> async_errors_{0};
  std::atomic<std::uint64_t> handler_failures_{0};
  std::atomic<std::uint64_t> publish_failures_{0};  // refused by publish()
  std::atomic<std::uint64_t> slow_consumer_disconnects_{0};
  std::atomic<std::uint64_t> dropped_{0};  // sampled by the prober
  std::atomic<bool> ever_connected_{false};
  std::atomic<std::int64_t> max_payload_{0};  // the server's, once connected

  // Both refer to nc_ and to the members above; stopped before nc_ is closed.
  HealthMonitor monitor_;
  Publisher publisher_;

  std::mutex closed_mutex_;
  std::condition_variable closed_cv_;
  bool closed_ = false;
};

}  // namespace wss::transport
