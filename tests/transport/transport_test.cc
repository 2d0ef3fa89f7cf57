// The cnats transport against a real nats-server: headers, request-reply, late start,
// restart on the same port, slow consumers, drain, and option errors.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/transport/connection.h"
#include "sidecar/transport/options.h"
#include "tests/support/nats_client.h"
#include "tests/support/nats_server.h"

namespace wss::transport {
namespace {

using std::chrono::milliseconds;
using testing::eventually;
using testing::NatsServer;
using testing::ReceivedMessage;
using testing::TestClient;

config::NatsConfig configFor(const std::string& url) {
  config::NatsConfig config;
  config.url = url;
  config.reconnect_wait_ms = 100;
  config.connect_timeout_ms = 500;
  return config;
}

// Everything a handler saw, copied out of the view.
struct Recorder {
  std::mutex mutex;
  std::vector<ReceivedMessage> messages;
  std::vector<std::string> replies;

  MessageHandler handler() {
    return [this](const InboundMessage& m) {
      std::lock_guard lock(mutex);
      messages.push_back(
          {std::string(m.subject), std::string(m.content_type), std::string(m.payload)});
      replies.emplace_back(m.reply);
    };
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
};

Connection::Deadline in(milliseconds ms) { return std::chrono::steady_clock::now() + ms; }

TEST_CASE("splitServers trims and drops empty entries", "[transport]") {
  CHECK(splitServers("nats://a:1, nats://b:2 ,,") ==
        std::vector<std::string>{"nats://a:1", "nats://b:2"});
  CHECK(splitServers(" ").empty());
}

TEST_CASE("buildOptions names the setting that failed", "[transport]") {
  config::NatsConfig config = configFor("nats://127.0.0.1:1");
  SECTION("no server") {
    config.url = " , ";
    CHECK(buildOptions(config).error.find("nats.url") != std::string::npos);
  }
  SECTION("unreadable CA file") {
    config.tls.ca_file = "/nonexistent/ca.pem";
    const OptionsResult result = buildOptions(config);
    CHECK(result.options == nullptr);
    CHECK(result.error.find("nats.tls.caFile") != std::string::npos);
  }
  SECTION("certificate without key") {
    config.tls.cert_file = "/nonexistent/cert.pem";
    CHECK(buildOptions(config).error.find("certFile and keyFile") != std::string::npos);
  }
  SECTION("unreadable credentials are reported at startup") {
    config.credentials_file = "/nonexistent/user.creds";
    const OptionsResult result = buildOptions(config);
    CHECK(result.error.find("nats.credentialsFile") != std::string::npos);
    CHECK_FALSE(Connection::open(config).error.empty());
  }
  SECTION("user, token and several servers are accepted") {
    config.url = "nats://127.0.0.1:1,nats://127.0.0.1:2";
    config.user = "u";
    config.password = "p";
    CHECK(buildOptions(config).error.empty());
  }
}

TEST_CASE("publish carries the Content-Type header", "[transport]") {
  NatsServer server;
  REQUIRE(server.running());
  TestClient client(server.url());
  REQUIRE(client.connected());
  REQUIRE(client.subscribe("out.subject"));

  auto opened = Connection::open(configFor(server.url()));
  REQUIRE(opened.error.empty());
  Connection& connection = *opened.connection;
  REQUIRE(eventually([&] { return connection.connected(); }));
  REQUIRE(connection.flush(5000).ok);  // the server knows our subscriptions
  REQUIRE(connection.publish("out.subject", "{\"a\":1}", "application/json").ok);

  auto got = client.waitFor("out.subject", [](const ReceivedMessage&) { return true; });
  REQUIRE(got);
  CHECK(got->payload == "{\"a\":1}");
  CHECK(got->content_type == "application/json");
  connection.drainSubscriptions(in(milliseconds(2000)));
  connection.close(in(milliseconds(2000)));
}

TEST_CASE("subscriptions see the header and can answer requests", "[transport]") {
  NatsServer server;
  REQUIRE(server.running());
  auto opened = Connection::open(configFor(server.url()));
  REQUIRE(opened.error.empty());
  Connection& connection = *opened.connection;

  Recorder events;
  REQUIRE(connection.subscribe("in.events", "", events.handler()).ok);
  // A request-reply service answers on the request's reply subject from the handler.
  REQUIRE(connection
              .subscribe("svc.echo", "workers",
                         [&connection](const InboundMessage& m) {
                           (void)connection.publish(std::string(m.reply),
                                                    "echo:" + std::string(m.payload), "text/plain");
                         })
              .ok);
  REQUIRE(eventually([&] { return connection.connected(); }));
  REQUIRE(connection.flush(5000).ok);  // the server knows our subscriptions

  TestClient client(server.url());
  REQUIRE(client.connected());
  REQUIRE(client.publish("in.events", "payload-1", "application/protobuf"));
  REQUIRE(client.publish("in.events", "payload-2"));
  REQUIRE(client.flush());
  REQUIRE(eventually([&] { return events.size() == 2; }));
  {
    std::lock_guard lock(events.mutex);
    CHECK(events.messages[0].content_type == "application/protobuf");
    CHECK(events.messages[0].payload == "payload-1");
    CHECK(events.messages[1].content_type.empty());
    CHECK(events.replies[0].empty());
  }
  std::optional<std::string> reply;
  REQUIRE(eventually([&] { return (reply = client.request("svc.echo", "hi")).has_value(); }));
  CHECK(*reply == "echo:hi");

  connection.drainSubscriptions(in(milliseconds(2000)));
  connection.close(in(milliseconds(2000)));
}

TEST_CASE("a connection made before the server is up connects later", "[transport]") {
  const int port = testing::findFreePort();
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  auto opened = Connection::open(configFor(url));
  REQUIRE(opened.error.empty());  // retries in the background instead of failing
  Connection& connection = *opened.connection;
  CHECK_FALSE(connection.connected());
  Recorder events;
  REQUIRE(connection.subscribe("late.events", "", events.handler()).ok);
  // Before the first connect cnats cannot know the server takes headers: such a publish
  // fails cleanly (counted), it is not buffered.
  CHECK_FALSE(connection.publish("late.out", "too early", "text/plain").ok);
  CHECK(connection.stats().publish_failures == 1);

  NatsServer server(port);
  REQUIRE(server.running());
  REQUIRE(eventually([&] { return connection.connected(); }));
  REQUIRE(connection.flush(5000).ok);  // the server knows our subscriptions
  TestClient client(url);
  REQUIRE(client.connected());
  REQUIRE(eventually([&] {
    client.publish("late.events", "x");
    client.flush();
    return events.size() > 0;
  }));
  CHECK(connection.publish("late.out", "in time", "text/plain").ok);
  connection.drainSubscriptions(in(milliseconds(2000)));
  connection.close(in(milliseconds(2000)));
}

TEST_CASE("a server restart on the same port is counted and survived", "[transport]") {
  NatsServer server;
  REQUIRE(server.running());
  auto opened = Connection::open(configFor(server.url()));
  REQUIRE(opened.error.empty());
  Connection& connection = *opened.connection;
  Recorder events;
  REQUIRE(connection.subscribe("restart.events", "", events.handler()).ok);
  REQUIRE(eventually([&] { return connection.connected(); }));
  REQUIRE(connection.flush(5000).ok);  // the server knows our subscriptions

  server.stop();
  REQUIRE(eventually([&] { return connection.stats().disconnects >= 1; }));
  CHECK_FALSE(connection.stats().connected);
  REQUIRE(server.start());
  REQUIRE(eventually([&] { return connection.stats().reconnects >= 1; }));
  CHECK(connection.stats().connected);

  TestClient client(server.url());
  REQUIRE(client.connected());
  REQUIRE(eventually([&] {
    client.publish("restart.events", "after");
    client.flush();
    return events.size() > 0;
  }));
  connection.drainSubscriptions(in(milliseconds(2000)));
  connection.close(in(milliseconds(2000)));
}

TEST_CASE("a slow handler beyond the pending limits drops and counts", "[transport]") {
  NatsServer server;
  REQUIRE(server.running());
  config::NatsConfig config = configFor(server.url());
  config.pending_messages_limit = 2;
  auto opened = Connection::open(config);
  REQUIRE(opened.error.empty());
  Connection& connection = *opened.connection;
  std::atomic<int> handled{0};
  REQUIRE(connection
              .subscribe("slow.events", "",
                         [&handled](const InboundMessage&) {
                           std::this_thread::sleep_for(
                               milliseconds(20));  // a deliberately slow handler
                           ++handled;
                         })
              .ok);
  REQUIRE(eventually([&] { return connection.connected(); }));
  REQUIRE(connection.flush(5000).ok);  // the server knows our subscriptions
  TestClient client(server.url());
  REQUIRE(client.connected());
  for (int i = 0; i < 50; ++i) client.publish("slow.events", "m");
  REQUIRE(client.flush());
  REQUIRE(eventually([&] {
    const ConnectionStats stats = connection.stats();
    return stats.slow_consumer_drops > 0 && stats.slow_consumer_events > 0;
  }));
  connection.drainSubscriptions(in(milliseconds(2000)));
  connection.close(in(milliseconds(2000)));
}

TEST_CASE("drain delivers what was received, then nothing more", "[transport]") {
  NatsServer server;
  REQUIRE(server.running());
  auto opened = Connection::open(configFor(server.url()));
  REQUIRE(opened.error.empty());
  Connection& connection = *opened.connection;
  Recorder events;
  REQUIRE(connection.subscribe("drain.events", "", events.handler()).ok);
  REQUIRE(eventually([&] { return connection.connected(); }));
  REQUIRE(connection.flush(5000).ok);  // the server knows our subscriptions
  TestClient client(server.url());
  REQUIRE(client.connected());
  for (int i = 0; i < 100; ++i) client.publish("drain.events", std::to_string(i));
  REQUIRE(client.flush());
  REQUIRE(eventually([&] { return events.size() == 100; }));

  connection.drainSubscriptions(in(milliseconds(2000)));
  client.publish("drain.events", "late");
  REQUIRE(client.flush());
  // A publish after the drain still leaves: close() flushes it.
  REQUIRE(client.subscribe("drain.out"));
  CHECK(connection.publish("drain.out", "last words", "text/plain").ok);
  const auto start = std::chrono::steady_clock::now();
  connection.close(in(milliseconds(3000)));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
  CHECK(client.waitFor("drain.out", [](const ReceivedMessage&) { return true; }).has_value());
  CHECK(events.size() == 100);  // "late" arrived after the interest was gone
  CHECK_FALSE(connection.publish("drain.out", "after close", "text/plain").ok);
}

}  // namespace
}  // namespace wss::transport
