#include "sidecar/observability/http_server.h"

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sidecar/observability/endpoints.h"
#include "tests/observability/sample_snapshot.h"
#include "tests/support/loopback.h"

namespace wss::observability {
namespace {

using namespace std::chrono_literals;
using wss::testing::IdleConnection;
using wss::testing::rawExchange;

// An HttpServer on a free loopback port whose answers the test steers through atomics.
struct Fixture {
  std::atomic<bool> live{true};
  std::atomic<bool> ready{true};
  std::atomic<bool> snapshot_throws{false};
  HttpServer server;

  explicit Fixture(HttpServerOptions options = fastOptions())
      : server("127.0.0.1:0", callbacks(), options) {
    const auto error = server.start();
    INFO(error);
    REQUIRE(error.empty());
    REQUIRE(server.port() != 0);
  }

  static HttpServerOptions fastOptions() {
    HttpServerOptions options;
    options.read_timeout = 300ms;
    options.write_timeout = 300ms;
    options.keep_alive_timeout = 1s;
    return options;
  }

  HttpCallbacks callbacks() {
    return {
        .snapshot =
            [this] {
              if (snapshot_throws) {
                throw std::runtime_error("no snapshot yet");
              }
              return testing::sampleSnapshot();
            },
        .live = [this] { return live.load(); },
        .ready = [this] { return ready.load(); },
    };
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server.port());
    c.set_connection_timeout(2s);
    c.set_read_timeout(2s);
    return c;
  }

  int status(const std::string& path) const {
    auto c = client();
    const auto res = c.Get(path.c_str());
    return res ? res->status : -1;
  }
};

std::string p(std::string_view path) { return std::string(path); }

TEST_CASE("listen addresses parse as host:port", "[http]") {
  const auto any = parseListenAddress("0.0.0.0:9090");
  REQUIRE(any);
  CHECK(any->host == "0.0.0.0");
  CHECK(any->port == 9090);
  const auto v6 = parseListenAddress("[::1]:80");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  const auto bare = parseListenAddress(":0");
  REQUIRE(bare);
  CHECK(bare->host == "0.0.0.0");
  CHECK(bare->port == 0);
  for (const char* bad : {"", "9090", "host", "host:", "host:x", "host:65536", "host:-1", "::1:80",
                          "[::1]", "[]:80", "[::1]80", "h:90 "}) {
    INFO(bad);
    CHECK_FALSE(parseListenAddress(bad));
  }
}

TEST_CASE("/healthz follows the liveness callback", "[http]") {
  Fixture f;
  auto c = f.client();
  auto res = c.Get(p(kHealthzPath).c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "ok\n");
  f.live = false;
  CHECK(f.status(p(kHealthzPath)) == 503);
  f.live = true;
  CHECK(f.status(p(kHealthzPath)) == 200);
}

TEST_CASE("/readyz follows the readiness callback", "[http]") {
  Fixture f;
  CHECK(f.status(p(kReadyzPath)) == 200);
  f.ready = false;
  CHECK(f.status(p(kReadyzPath)) == 503);
  CHECK(f.status(p(kHealthzPath)) == 200);  // not ready is not dead
}

TEST_CASE("/metrics serves the snapshot in the text format 0.0.4", "[http]") {
  Fixture f;
  auto c = f.client();
  const auto res = c.Get(p(kMetricsPath).c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == kMetricsContentType);
  CHECK(res->body.find("wss_tasks_moved_total 14\n") != std::string::npos);
  CHECK(res->body.find("wss_build_info{version=\"1.2.3\",commit=\"abc123\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("HEAD is answered like GET, without a body", "[http]") {
  Fixture f;
  auto c = f.client();
  for (const auto path : {kHealthzPath, kReadyzPath, kMetricsPath}) {
    const auto res = c.Head(p(path).c_str());
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.empty());
  }
  f.ready = false;
  const auto res = c.Head(p(kReadyzPath).c_str());
  REQUIRE(res);
  CHECK(res->status == 503);
}

TEST_CASE("unknown paths are 404, other methods 405", "[http]") {
  Fixture f;
  CHECK(f.status("/") == 404);
  CHECK(f.status("/metrics/extra") == 404);
  CHECK(f.status("/healthz/") == 404);
  CHECK(f.status("/HEALTHZ") == 404);
  auto c = f.client();
  const auto post = c.Post(p(kMetricsPath).c_str(), "x", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET, HEAD");
  const auto del = c.Delete(p(kHealthzPath).c_str());
  REQUIRE(del);
  CHECK(del->status == 405);
  const auto put = c.Put(p(kReadyzPath).c_str(), "x", "text/plain");
  REQUIRE(put);
  CHECK(put->status == 405);
  const auto post_unknown = c.Post("/nowhere", "x", "text/plain");
  REQUIRE(post_unknown);
  CHECK(post_unknown->status == 404);
  CHECK(f.status(p(kHealthzPath) + "?verbose=1") == 200);  // a query string changes nothing
}

TEST_CASE("a throwing snapshot callback is a 500, not a crash", "[http]") {
  Fixture f;
  f.snapshot_throws = true;
  CHECK(f.status(p(kMetricsPath)) == 500);
  f.snapshot_throws = false;
  CHECK(f.status(p(kMetricsPath)) == 200);
}

bool isClientError(const std::string& response) {
  // Either an HTTP 4xx status line or a closed connection with nothing said.
  return response.empty() || response.rfind("HTTP/1.1 4", 0) == 0;
}

TEST_CASE("malformed requests get a 4xx or a closed connection, and the server carries on",
          "[http]") {
  Fixture f;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage request line", "GARBAGE\r\n\r\n"},
      {"unknown method", "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"binary junk", std::string("\x00\xff\x16\x03\x01\x02\x00\x01\x00\r\n\r\n", 14)},
      {"TLS hello on plain HTTP", std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11)},
      {"huge header", "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"},
      {"huge URI", "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n"},
      {"body over the limit",
       "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nxx"},
      {"bad content length", "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"},
      {"chunked body on GET",
       "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
       "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
      {"body over the limit on POST",
       "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nxx"},
      {"truncated request", "GET /metr"},
  };
  for (const auto& [name, bytes] : cases) {
    INFO(name);
    const auto response = rawExchange(f.server.port(), bytes, 3s, /*half_close=*/true);
    INFO(response.substr(0, 200));
    CHECK(isClientError(response));
    CHECK(f.status(p(kHealthzPath)) == 200);
  }
}

TEST_CASE("a GET with a body is answered once, the body is no second request", "[http]") {
  Fixture f;
  const std::string second = "GET /readyz HTTP/1.1\r\nHost: y\r\n\r\n";
  const auto response = rawExchange(f.server.port(),
                                    "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                        std::to_string(second.size()) + "\r\n\r\n" + second,
                                    3s);
  CHECK(response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(response.find("Connection: close\r\n") != std::string::npos);
  CHECK(response.find("HTTP/1.1", 1) == std::string::npos);
}

TEST_CASE("a well-formed raw request gets a well-formed answer", "[http]") {
  Fixture f;
  const auto response = rawExchange(
      f.server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3s);
  CHECK(response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(response.find("\r\n\r\nok\n") != std::string::npos);
  const auto http10 = rawExchange(f.server.port(), "GET /readyz HTTP/1.0\r\n\r\n", 3s);
  CHECK(http10.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("idle clients hold a thread no longer than the keep-alive timeout", "[http]") {
  HttpServerOptions options = Fixture::fastOptions();
  options.threads = 2;
  options.keep_alive_timeout = 1s;
  Fixture f(options);
  // Four silent connections queue up ahead of ours on two threads: two rounds of one second.
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<IdleConnection>(f.server.port()));
    REQUIRE(idle.back()->connected());
  }
  const auto start = std::chrono::steady_clock::now();
  auto c = f.client();
  c.set_read_timeout(10s);
  const auto res = c.Get(p(kHealthzPath).c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(std::chrono::steady_clock::now() - start < 4s);
}

// Issue 8: with httplib's pool of 4 threads each held ~2 s by a silent connection, 40 of them
// delayed /healthz by 20 s and 200 made it time out. Silent connections now stay in the kernel
// (deferred accept) and each arriving one gets a thread of its own, so /healthz answers.
TEST_CASE("200 idle connections do not keep /healthz from answering", "[http]") {
  Fixture f(HttpServerOptions{});  // the daemon's defaults
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<IdleConnection>(f.server.port()));
    REQUIRE(idle.back()->connected());
  }
  httplib::Client c("127.0.0.1", f.server.port());
  c.set_connection_timeout(5s);
  c.set_read_timeout(5s);  // a server stuck behind the idle ones fails by timing out
  const auto res = c.Get(p(kHealthzPath).c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(f.server.stats().connections >= 1);
}

TEST_CASE("past max_threads connections wait and are counted", "[http]") {
  HttpServerOptions options = Fixture::fastOptions();
  options.threads = 1;
  options.max_threads = 1;
  options.defer_accept = 0s;  // silent connections reach the pool at once
  Fixture f(options);
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<IdleConnection>(f.server.port()));
    REQUIRE(idle.back()->connected());
  }
  auto c = f.client();
  c.set_read_timeout(20s);  // behind three idle connections of one second each
  const auto res = c.Get(p(kHealthzPath).c_str());
  REQUIRE(res);
  CHECK(res->status == 200);
  const HttpServerStats stats = f.server.stats();
  CHECK(stats.threads == 1);
  CHECK(stats.connections >= 4);
  CHECK(stats.queued_at_capacity >= 1);
}

TEST_CASE("a port in use is an error message, not a crash", "[http]") {
  Fixture first;
  HttpServer second("127.0.0.1:" + std::to_string(first.server.port()), first.callbacks());
  const auto error = second.start();
  INFO(error);
  CHECK(error.find("cannot listen") != std::string::npos);
  CHECK(error.find(std::to_string(first.server.port())) != std::string::npos);
  CHECK(second.port() == 0);
  second.stop();  // harmless after a failed start
  CHECK(first.status(p(kHealthzPath)) == 200);
}

TEST_CASE("a malformed listen address is an error message", "[http]") {
  Fixture f;
  HttpServer bad("localhost", f.callbacks());
  CHECK(bad.start().find("expected host:port") != std::string::npos);
  HttpServer unresolvable("no-such-host.invalid:0", f.callbacks());
  CHECK_FALSE(unresolvable.start().empty());
}

TEST_CASE("stop() joins cleanly, is idempotent and frees the port", "[http]") {
  std::uint16_t port = 0;
  {
    Fixture f;
    port = f.server.port();
    CHECK(f.status(p(kHealthzPath)) == 200);
    f.server.stop();
    f.server.stop();
    CHECK(f.server.port() == 0);
  }  // the destructor stops again
  HttpServer again("127.0.0.1:" + std::to_string(port),
                   {.snapshot = [] { return MetricsSnapshot{}; },
                    .live = [] { return true; },
                    .ready = [] { return true; }});
  CHECK(again.start().empty());
}

TEST_CASE("start then stop at once never hangs", "[http]") {
  for (int i = 0; i < 20; ++i) {
    HttpServer server("127.0.0.1:0", {.snapshot = [] { return MetricsSnapshot{}; },
                                      .live = [] { return true; },
                                      .ready = [] { return true; }});
    REQUIRE(server.start().empty());
  }
  SUCCEED();
}

}  // namespace
}  // namespace wss::observability
