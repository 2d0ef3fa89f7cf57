#include "sidecar/observability/http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "sidecar/observability/endpoints.h"
#include "sidecar/observability/prometheus_text.h"

namespace wss::observability {
namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kAllowed = "GET, HEAD";

// httplib's default also sets SO_REUSEPORT, which lets a second process bind the same port
// silently. SO_REUSEADDR alone allows a quick restart but still reports a port in use.
void socketOptions(int sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

void reply(httplib::Response& res, int status, std::string_view body,
           std::string_view content_type = kTextPlain) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::string(body), std::string(content_type));
}

// The counters HttpServer::stats() reads; the pool writes them on the accept thread.
struct PoolCounters {
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> queued_at_capacity{0};
  std::atomic<std::size_t> threads{0};
};

// httplib's task queue, one task per connection, with threads started on demand: while fewer
// than `max` threads are busy, a new connection never waits behind a slow one. Past `max` it
// waits in FIFO order, counted in queued_at_capacity.
class ElasticPool final : public httplib::TaskQueue {
 public:
  ElasticPool(std::size_t min, std::size_t max, PoolCounters& counters)
      : max_(std::max(min, max)), counters_(counters) {
    const std::lock_guard lock(mutex_);
    while (threads_.size() < min) startThread();
  }
  ElasticPool(const ElasticPool&) = delete;
  ElasticPool& operator=(const ElasticPool&) = delete;
  ~ElasticPool() override = default;

  // The accept thread, once per connection.
  void enqueue(std::function<void()> fn) override {
    const std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(fn));
    counters_.connections.fetch_add(1, std::memory_order_relaxed);
    if (idle_ < jobs_.size()) {
      if (threads_.size() < max_) {
        startThread();
      } else {
        counters_.queued_at_capacity.fetch_add(1, std::memory_order_relaxed);
      }
    }
    wake_.notify_one();
  }

  // The accept thread, after its loop: runs what is queued, then joins every thread.
  void shutdown() override {
    {
      const std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  void startThread() {  // mutex_ held
    threads_.emplace_back([this] { work(); });
    counters_.threads.fetch_add(1, std::memory_order_relaxed);
  }

  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ++idle_;
        wake_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) return;  // shut down, nothing left
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  const std::size_t max_;
  PoolCounters& counters_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool shutdown_ = false;
};

// httplib::Server with its listening socket in reach (a protected member), to tune it.
class TunableServer final : public httplib::Server {
 public:
  // After a successful bind: a larger backlog than httplib's 5, and, on Linux, accept deferred
  // until the client sends something, so silent connections stay in the kernel.
  void tuneListeningSocket(int backlog, std::chrono::seconds defer_accept) {
    const int sock = svr_sock_;
    ::listen(sock, backlog);  // listen() again only changes the backlog
#ifdef TCP_DEFER_ACCEPT
    const int seconds = static_cast<int>(defer_accept.count());
    if (seconds > 0) ::setsockopt(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof(seconds));
#else
    (void)defer_accept;
#endif
  }
};

// A callback that throws must not take the endpoint down; it counts as "no".
bool ask(const std::function<bool()>& callback) {
  try {
    return callback();
  } catch (...) {
    return false;
  }
}

}  // namespace

std::optional<ListenAddress> parseListenAddress(std::string_view listen) {
  std::string_view host;
  std::string_view port_text;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return std::nullopt;
    }
    host = listen.substr(1, close - 1);
    port_text = listen.substr(close + 2);
    if (host.empty()) {
      return std::nullopt;
    }
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    host = listen.substr(0, colon);
    port_text = listen.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return std::nullopt;  // a bare IPv6 address needs brackets
    }
  }
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc{} || ptr != end || port > 65535) {
    return std::nullopt;
  }
  ListenAddress out;
  out.host = host.empty() ? "0.0.0.0" : std::string(host);
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

struct HttpServer::Impl {
  std::string listen;
  HttpCallbacks callbacks;
  HttpServerOptions options;
  PoolCounters counters;  // before the server: its pool refers to them
  TunableServer server;
  std::thread thread;
  std::atomic<std::uint16_t> port{0};
  std::atomic<bool> loop_done{false};
  std::mutex lifecycle;  // start() against stop()
  bool started = false;

  // The endpoints take no body. httplib does not read one on GET and reads a malformed
  // Content-Length (e.g. "-5") as 0; whatever a body holds must not be parsed as the next
  // request, so such connections close after the answer. False when `res` is the answer.
  [[nodiscard]] bool acceptBody(const httplib::Request& req, httplib::Response& res) const {
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      return true;
    }
    const auto length = req.get_header_value("Content-Length");
    if (req.has_header("Transfer-Encoding") || length.empty() ||
        length.find_first_not_of("0123456789") != std::string::npos) {
      res.set_header("Connection", "close");
      reply(res, 400, "bad Content-Length or Transfer-Encoding\n");
      return false;
    }
    if (length.size() > 9 || std::stoul(length) > options.max_body_bytes) {
      res.set_header("Connection", "close");
      reply(res, 413, "payload too large\n");
      return false;
    }
    if (length != "0" && (req.method == "GET" || req.method == "HEAD")) {
      res.set_header("Connection", "close");
    }
    return true;
  }

  void route(const httplib::Request& req, httplib::Response& res) const {
    if (!acceptBody(req, res)) {
      return;
    }
    const std::string_view path = req.path;
    if (path != kHealthzPath && path != kReadyzPath && path != kMetricsPath) {
      reply(res, 404, "not found\n");
      return;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", std::string(kAllowed));
      reply(res, 405, "method not allowed\n");
      return;
    }
    if (path == kHealthzPath) {
      const bool live = ask(callbacks.live);
      reply(res, live ? 200 : 503, live ? "ok\n" : "owner thread stalled\n");
    } else if (path == kReadyzPath) {
      const bool ready = ask(callbacks.ready);
      reply(res, ready ? 200 : 503,
            ready ? "ok\n" : "not connected, not subscribed, or NATS not answering\n");
    } else {
      try {
        reply(res, 200, renderPrometheus(callbacks.snapshot()), kMetricsContentType);
      } catch (const std::exception& e) {
        reply(res, 500, std::string("metrics unavailable: ") + e.what() + "\n");
      } catch (...) {
        reply(res, 500, "metrics unavailable\n");
      }
    }
  }
};

HttpServer::HttpServer(std::string listen, HttpCallbacks callbacks, HttpServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  assert(callbacks.snapshot && callbacks.live && callbacks.ready);
  assert(options.threads > 0);
  impl_->listen = std::move(listen);
  impl_->callbacks = std::move(callbacks);
  impl_->options = options;
}

HttpServer::~HttpServer() { stop(); }

std::string HttpServer::start() {
  const std::lock_guard lock(impl_->lifecycle);
  assert(!impl_->started);
  const auto address = parseListenAddress(impl_->listen);
  if (!address) {
    return "http.listen '" + impl_->listen + "': expected host:port, e.g. 0.0.0.0:9090";
  }

  auto& server = impl_->server;
  server.new_task_queue = [impl = impl_.get()] {
    return new ElasticPool(impl->options.threads, impl->options.max_threads, impl->counters);
  };
  server.set_socket_options(socketOptions);
  const auto& o = impl_->options;
  server.set_read_timeout(o.read_timeout);
  server.set_write_timeout(o.write_timeout);
  server.set_keep_alive_timeout(o.keep_alive_timeout.count());
  server.set_keep_alive_max_count(o.keep_alive_max_requests);
  server.set_payload_max_length(o.max_body_bytes);
  // Every method and path goes through one router, so a known path with another method is 405
  // rather than httplib's 404. Routes are registered (not a pre-routing handler) so that httplib
  // reads any body first and answers 413 past max_body_bytes.
  Impl* impl = impl_.get();
  const auto route = [impl](const httplib::Request& req, httplib::Response& res) {
    impl->route(req, res);
  };
  constexpr const char* kAnyPath = ".*";
  server.Get(kAnyPath, route);  // HEAD included
  server.Post(kAnyPath, route);
  server.Put(kAnyPath, route);
  server.Patch(kAnyPath, route);
  server.Delete(kAnyPath, route);
  server.Options(kAnyPath, route);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        reply(res, 500, "internal error\n");
      });

  errno = 0;
  int bound = -1;
  if (address->port == 0) {
    bound = server.bind_to_any_port(address->host);
  } else if (server.bind_to_port(address->host, address->port)) {
    bound = address->port;
  }
  if (bound <= 0) {
    const int err = errno;
    std::string message = "http.listen '" + impl_->listen + "': cannot listen";
    if (err != 0) {
      message += ": ";
      message += std::error_code(err, std::generic_category()).message();
    }
    return message;
  }
  server.tuneListeningSocket(impl_->options.listen_backlog, impl_->options.defer_accept);
  impl_->port.store(static_cast<std::uint16_t>(bound));
  impl_->thread = std::thread([impl] {
    impl->server.listen_after_bind();
    impl->loop_done.store(true);
  });
  // stop() is a no-op until the accept loop runs; wait for it so that a stop() right after
  // start() cannot leave the loop running forever.
  for (int i = 0; i < 2000 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->started = true;
  return {};
}

void HttpServer::stop() {
  const std::lock_guard lock(impl_->lifecycle);
  if (!impl_->started) {
    return;
  }
  // httplib's stop() does nothing until the accept loop has started; repeat it until the loop
  // is over (start() normally waited for it, so this runs once).
  while (!impl_->loop_done.load()) {
    impl_->server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->thread.join();
  impl_->port.store(0);
  impl_->started = false;
}

std::uint16_t HttpServer::port() const { return impl_->port.load(); }

HttpServerStats HttpServer::stats() const {
  HttpServerStats stats;
  stats.connections = impl_->counters.connections.load(std::memory_order_relaxed);
  stats.queued_at_capacity = impl_->counters.queued_at_capacity.load(std::memory_order_relaxed);
  stats.threads = impl_->counters.threads.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace wss::observability
