// The HTTP probes around NATS: the endpoint is up before NATS is, /healthz answers 200 while
// NATS is unreachable, and /readyz says 503 until the sidecar is connected and subscribed.
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "tests/support/http_probe.h"
#include "tests/support/http_sidecar.h"
#include "tests/support/nats_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using namespace std::chrono_literals;

// A TCP port that accepts connections (the kernel completes the handshake) but never says a
// word: a NATS client waits for the server's INFO until its connect timeout.
class SilentListener {
 public:
  explicit SilentListener(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(fd_, 16) == 0);
  }
  ~SilentListener() { close(); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

TEST_CASE("HTTP starts before NATS: /healthz 200 while NATS is down - /readyz 503 until connected",
          "[integration][http]") {
  const int nats_port = findFreePort();
  int http_port = findFreePort();
  while (http_port == nats_port) http_port = findFreePort();
  HttpSidecar sidecar(SidecarOptions::forServer("nats://127.0.0.1:" + std::to_string(nats_port)),
                      http_port);
  httplib::Client client("127.0.0.1", http_port);
  client.set_connection_timeout(200ms);
  client.set_read_timeout(1s);

  // No nats-server at all: alive, serving, not ready. HTTP is up before the first connect
  // attempt has even failed, so the daemon's line about it is waited for, not assumed.
  REQUIRE(eventually([&] { return httpStatus(client, "/healthz") == 200; }, 5s));
  CHECK(httpStatus(client, "/readyz") == 503);
  CHECK(httpStatus(client, "/metrics") == 200);
  REQUIRE(eventually([&] { return sidecar.log().find("not reachable yet") != std::string::npos; }));
  INFO(sidecar.log());
  // Still not ready after that failed attempt (it keeps retrying in the background).
  CHECK(httpStatus(client, "/readyz") == 503);
  CHECK(httpStatus(client, "/healthz") == 200);
  REQUIRE(sidecar.running());

  // NATS comes up on the configured port: ready within a bounded wait.
  NatsServer server(nats_port);
  REQUIRE(server.running());
  CHECK(eventually([&] { return httpStatus(client, "/readyz") == 200; }, 5s));
  CHECK(httpStatus(client, "/healthz") == 200);

  // NATS goes away again: not ready, still alive.
  server.stop();
  CHECK(eventually([&] { return httpStatus(client, "/readyz") == 503; }, 5s));
  CHECK(httpStatus(client, "/healthz") == 200);

  const auto exit = sidecar.stop();
  REQUIRE(exit);
  CHECK(exit->exited);
  CHECK(exit->code == 0);
}

TEST_CASE("HTTP answers while the first NATS connect attempt is still waiting",
          "[integration][http]") {
  const int nats_port = findFreePort();
  int http_port = findFreePort();
  while (http_port == nats_port) http_port = findFreePort();
  SilentListener silent(nats_port);
  const auto started = std::chrono::steady_clock::now();
  // The first attempt blocks for the whole connect timeout (3 s): HTTP must not wait for it.
  HttpSidecar sidecar(SidecarOptions::forServer("nats://127.0.0.1:" + std::to_string(nats_port)),
                      http_port, "3s");
  httplib::Client client("127.0.0.1", http_port);
  client.set_connection_timeout(200ms);
  client.set_read_timeout(1s);
  REQUIRE(eventually([&] { return httpStatus(client, "/healthz") == 200; }, 2s));
  CHECK(std::chrono::steady_clock::now() - started < 2500ms);
  CHECK(httpStatus(client, "/readyz") == 503);
  CHECK(sidecar.log().find("connected to NATS") == std::string::npos);
  // The sidecar is killed on the way out: this test is only about the first seconds.
}

TEST_CASE("a first connect whose handshake never completes ends in exit 1, not a silent hang",
          "[integration][http]") {
  const int nats_port = findFreePort();
  int http_port = findFreePort();
  while (http_port == nats_port) http_port = findFreePort();
  SilentListener silent(nats_port);
  HttpSidecar sidecar(SidecarOptions::forServer("nats://127.0.0.1:" + std::to_string(nats_port)),
                      http_port, "300ms");
  // cnats gives up on such a server for good; the sidecar must not linger half alive.
  REQUIRE(eventually([&] { return !sidecar.running(); }, 20s));
  const auto exit = sidecar.stop();
  INFO(sidecar.log());
  REQUIRE(exit);
  CHECK(exit->exited);
  CHECK(exit->code == 1);
}

TEST_CASE("stopping while NATS was never reachable - with HTTP serving - exits 0",
          "[integration][http]") {
  const int nats_port = findFreePort();
  int http_port = findFreePort();
  while (http_port == nats_port) http_port = findFreePort();
  HttpSidecar sidecar(SidecarOptions::forServer("nats://127.0.0.1:" + std::to_string(nats_port)),
                      http_port);
  httplib::Client client("127.0.0.1", http_port);
  client.set_connection_timeout(200ms);
  REQUIRE(eventually([&] { return httpStatus(client, "/readyz") == 503; }, 5s));
  const auto exit = sidecar.stop();
  INFO(sidecar.log());
  REQUIRE(exit);
  CHECK(exit->exited);
  CHECK(exit->code == 0);
  // The endpoint is gone with the process.
  CHECK(httpStatus(client, "/healthz") == 0);
}

}  // namespace
}  // namespace wss::testing
