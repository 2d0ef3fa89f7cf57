// The sidecar's HTTP endpoint for Kubernetes probes and Prometheus scrapes.
//
// Serves GET and HEAD on /healthz (liveness), /readyz (readiness) and /metrics (Prometheus
// text 0.0.4); any other path is 404, any other method 405, malformed requests 4xx. It runs on
// a small thread pool of its own with short timeouts and a tiny body limit, so a slow or
// hostile client cannot starve it for long, and it never touches sidecar state: everything it
// reports comes through the callbacks, which run on its threads and must be thread-safe.
//
// Strangers' sockets must not delay /healthz. A connection that sends nothing never reaches a
// thread: the listening socket defers accept (Linux TCP_DEFER_ACCEPT) until the first bytes
// arrive, for up to defer_accept, and its backlog is large. Each connection that does arrive
// gets a thread of its own, started on demand up to max_threads, so a few slow clients queue
// nobody; past max_threads connections wait for a thread and stats().queued_at_capacity counts
// them (the app logs it).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sidecar/observability/metrics_snapshot.h"

namespace wss::observability {

struct HttpCallbacks {
  // The figures for /metrics. Called on an HTTP thread for every scrape.
  std::function<MetricsSnapshot()> snapshot;
  // Liveness: the owner thread is still turning (see Heartbeat).
  std::function<bool()> live;
  // Readiness: connected to NATS, subscribed, and the server answering (not stale).
  std::function<bool()> ready;
};

// A client that connects and sends nothing holds a thread for keep_alive_timeout; a client that
// sends part of a request holds it for read_timeout per read.
struct HttpServerOptions {
  std::size_t threads = 4;       // started with the server and kept
  std::size_t max_threads = 64;  // more are started on demand, up to this many
  std::chrono::milliseconds read_timeout{1000};
  std::chrono::milliseconds write_timeout{2000};
  std::chrono::seconds keep_alive_timeout{1};
  std::chrono::seconds defer_accept{30};  // 0: accept silent connections at once
  int listen_backlog = 1024;
  std::size_t keep_alive_max_requests = 20;
  std::size_t max_body_bytes = 1024;  // the endpoints take no body
};

struct ListenAddress {
  std::string host;        // "0.0.0.0", "127.0.0.1", "::" (no brackets)
  std::uint16_t port = 0;  // 0: any free port
};

// Parses "host:port", "[v6]:port" or ":port" (all interfaces); nullopt if malformed.
[[nodiscard]] std::optional<ListenAddress> parseListenAddress(std::string_view listen);

struct HttpServerStats {
  std::uint64_t connections = 0;         // accepted so far
  std::uint64_t queued_at_capacity = 0;  // of those, how many waited: max_threads were busy
  std::size_t threads = 0;               // started so far
};

class HttpServer {
 public:
  // `listen` as in the config's http.listen. Every callback must be set (asserted).
  HttpServer(std::string listen, HttpCallbacks callbacks, HttpServerOptions options = {});
  // Stops and joins if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on a thread of its own. Returns an empty string on success, or a
  // one-line message naming the address (malformed address, port in use, no permission). Never
  // throws. Call at most once.
  [[nodiscard]] std::string start();

  // Stops accepting, finishes the requests in progress and joins every thread. Idempotent;
  // callable from any thread but the server's own.
  void stop();

  // Counters since start(). Any thread.
  [[nodiscard]] HttpServerStats stats() const;

  // The bound port once start() succeeded (the real one when listening on port 0), else 0.
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wss::observability
