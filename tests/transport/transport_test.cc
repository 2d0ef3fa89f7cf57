// The cnats transport against a real nats-server: headers, request-reply, late start,
// restart on the same port, slow consumers, drain, option errors, and a hung (SIGSTOPped)
// server. Also the pieces that keep a hung server from hanging the callers, on their own:
// the outbound queue, the publisher thread, the link's health.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/transport/connection.h"
#include "sidecar/transport/link_health.h"
#include "sidecar/transport/options.h"
#include "sidecar/transport/outbound_queue.h"
#include "sidecar/transport/publisher.h"
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
  REQUIRE(connection.publish(Outbound::kReply, "out.subject", "{\"a\":1}", "application/json").ok);

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
                           (void)connection.publish(Outbound::kReply, std::string(m.reply),
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
  CHECK_FALSE(connection.publish(Outbound::kReply, "late.out", "too early", "text/plain").ok);
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
  CHECK(connection.publish(Outbound::kReply, "late.out", "in time", "text/plain").ok);
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
  CHECK(connection.publish(Outbound::kReply, "drain.out", "last words", "text/plain").ok);
  const auto start = std::chrono::steady_clock::now();
  connection.close(in(milliseconds(3000)));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
  CHECK(client.waitFor("drain.out", [](const ReceivedMessage&) { return true; }).has_value());
  CHECK(events.size() == 100);  // "late" arrived after the interest was gone
  CHECK_FALSE(connection.publish(Outbound::kReply, "drain.out", "after close", "text/plain").ok);
}

OutboundMessage message(Outbound what, std::string payload) {
  return OutboundMessage{what, "out", std::move(payload), "text/plain"};
}

TEST_CASE("the outbound queue is bounded in messages and bytes and counts what it sheds",
          "[transport][outbound]") {
  OutboundQueue queue(OutboundLimits{3, 64});
  CHECK(queue.push(message(Outbound::kStealOrder, "a")) == OutboundQueue::Push::kQueued);
  CHECK(queue.push(message(Outbound::kReply, "b")) == OutboundQueue::Push::kQueued);
  CHECK(queue.push(message(Outbound::kReply, std::string(60, 'x'))) == OutboundQueue::Push::kFull);
  CHECK(queue.push(message(Outbound::kStealOrder, "c")) == OutboundQueue::Push::kQueued);
  CHECK(queue.push(message(Outbound::kStealOrder, "d")) == OutboundQueue::Push::kFull);
  CHECK(queue.depth() == 3);
  CHECK(queue.shed(Outbound::kStealOrder) == 1);
  CHECK(queue.shed(Outbound::kReply) == 1);
  queue.close();
  CHECK(queue.push(message(Outbound::kReply, "late")) == OutboundQueue::Push::kClosed);
  std::vector<std::string> order;
  OutboundMessage out;
  while (queue.pop(out)) {
    order.push_back(out.payload);
    queue.done();
  }
  CHECK(order == std::vector<std::string>{"a", "b", "c"});  // pushed order, nothing after close
  CHECK(queue.waitIdle(std::chrono::steady_clock::now()));
}

TEST_CASE("a message larger than the byte bound still goes out alone", "[transport][outbound]") {
  OutboundQueue queue(OutboundLimits{8, 16});
  CHECK(queue.push(message(Outbound::kReply, std::string(100, 'x'))) ==
        OutboundQueue::Push::kQueued);
  CHECK(queue.push(message(Outbound::kReply, "y")) == OutboundQueue::Push::kFull);
}

// A sink that blocks until released, as a cnats publish behind a hung server does.
struct BlockingSink {
  std::mutex mutex;
  std::condition_variable cv;
  bool released = false;
  int entered = 0;  // calls that reached the sink
  std::vector<std::string> sent;

  PublishSink sink() {
    return [this](const OutboundMessage& m) {
      std::unique_lock lock(mutex);
      ++entered;
      cv.wait(lock, [this] { return released; });
      sent.push_back(m.payload);
      return Status{};
    };
  }
  void release() {
    std::lock_guard lock(mutex);
    released = true;
    cv.notify_all();
  }
  int calls() {
    std::lock_guard lock(mutex);
    return entered;
  }
};

TEST_CASE("publishing never waits on a blocked sink: the queue fills, sheds, then drains in order",
          "[transport][outbound]") {
  BlockingSink blocked;
  Publisher publisher(blocked.sink(), OutboundLimits{4, 1024});
  // The first is taken by the thread (and blocks there), four wait, the rest are shed.
  REQUIRE(publisher.enqueue(message(Outbound::kStealOrder, "0")).ok);
  REQUIRE(eventually([&] { return blocked.calls() == 1; }));
  for (int i = 1; i <= 4; ++i) {
    REQUIRE(publisher.enqueue(message(Outbound::kStealOrder, std::to_string(i))).ok);
  }
  const Status shed = publisher.enqueue(message(Outbound::kReply, "shed"));
  CHECK_FALSE(shed.ok);
  CHECK_THAT(shed.error, Catch::Contains("outbound queue full"));
  CHECK_FALSE(publisher.enqueue(message(Outbound::kStealOrder, "shed too")).ok);
  CHECK(publisher.shed(Outbound::kReply) == 1);
  CHECK(publisher.shed(Outbound::kStealOrder) == 1);
  CHECK(publisher.depth() == 4);

  blocked.release();
  publisher.finish(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  CHECK(blocked.sent == std::vector<std::string>{"0", "1", "2", "3", "4"});
  CHECK(publisher.failures() == 0);
  CHECK_FALSE(publisher.enqueue(message(Outbound::kReply, "after finish")).ok);
}

TEST_CASE("a failing sink is counted, not fatal", "[transport][outbound]") {
  std::atomic<int> calls{0};
  Publisher publisher([&calls](const OutboundMessage&) {
    ++calls;
    return Status::failure("no");
  });
  for (int i = 0; i < 3; ++i) REQUIRE(publisher.enqueue(message(Outbound::kReply, "x")).ok);
  publisher.finish(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  CHECK(calls == 3);
  CHECK(publisher.failures() == 3);
}

TEST_CASE("finish drops what the deadline leaves and counts it", "[transport][outbound]") {
  BlockingSink blocked;
  Publisher publisher(blocked.sink());
  REQUIRE(publisher.enqueue(message(Outbound::kStealOrder, "in hand")).ok);
  REQUIRE(eventually([&] { return blocked.calls() == 1; }));
  REQUIRE(publisher.enqueue(message(Outbound::kStealOrder, "left")).ok);
  std::thread releaser([&] {
    // finish() gives up at once (no time left), then waits for the sink call in hand.
    (void)eventually([&] { return publisher.abandoned(); });  // no REQUIRE off the test thread
    blocked.release();
  });
  publisher.finish(std::chrono::steady_clock::now());
  releaser.join();
  CHECK(blocked.sent == std::vector<std::string>{"in hand"});
  CHECK(publisher.failures() == 1);
}

using Ms = std::chrono::milliseconds;

TEST_CASE("link health: stale after the bound without an answer, ready again on the next one",
          "[transport][health]") {
  const auto t0 = LinkHealth::Clock::now();
  LinkHealth health(LinkHealth::Settings{Ms(2000), Ms(1000), Ms(10000)}, t0);
  CHECK_FALSE(health.ready(t0));  // not connected yet
  health.connected(t0);
  CHECK(health.ready(t0 + Ms(1500)));
  // The ticker runs every 250 ms: no stall; the server answered at t0 only.
  LinkHealth::Tick tick;
  for (int ms = 250; ms <= 2250; ms += 250) tick = health.tick(t0 + Ms(ms));
  CHECK(tick.became_stale);
  CHECK(tick.silent_for == Ms(2250));
  CHECK(health.stale());
  CHECK_FALSE(health.ready(t0 + Ms(2250)));
  CHECK(health.staleEpisodes() == 1);
  CHECK_FALSE(health.tick(t0 + Ms(2500)).became_stale);  // one episode, logged once
  const auto ended = health.answered(t0 + Ms(3000));
  REQUIRE(ended);
  CHECK(*ended == Ms(3000));
  CHECK(health.ready(t0 + Ms(3000)));
  CHECK_FALSE(health.answered(t0 + Ms(3100)));  // not stale: nothing ends
  health.disconnected();
  CHECK_FALSE(health.ready(t0 + Ms(3100)));
  CHECK(health.staleEpisodes() == 1);
}

TEST_CASE("link health: a stall of the process is found, remembered, and not blamed on the server",
          "[transport][health]") {
  const auto t0 = LinkHealth::Clock::now();
  LinkHealth health(LinkHealth::Settings{Ms(2000), Ms(1000), Ms(10000)}, t0);
  health.connected(t0);
  CHECK(health.tick(t0 + Ms(250)).stall == Ms(0));
  CHECK(health.recentStall(t0 + Ms(500)) == Ms(0));
  // Stopped between two ticks: before the next tick the overdue tick already counts.
  CHECK(health.recentStall(t0 + Ms(5250)) == Ms(5000));
  const LinkHealth::Tick resumed = health.tick(t0 + Ms(5250));
  CHECK(resumed.stall == Ms(5000));
  // The server had no chance to answer meanwhile: it gets stale_after again.
  CHECK_FALSE(resumed.became_stale);
  CHECK(health.ready(t0 + Ms(5300)));
  for (int ms = 5500; ms <= 7000; ms += 250) CHECK_FALSE(health.tick(t0 + Ms(ms)).became_stale);
  CHECK(health.tick(t0 + Ms(7250)).became_stale);  // still no answer, grace over
  CHECK(health.recentStall(t0 + Ms(7250)) == Ms(5000));
  (void)health.answered(t0 + Ms(7300));
  for (int ms = 7500; ms <= 15500; ms += 250) (void)health.tick(t0 + Ms(ms));
  CHECK(health.recentStall(t0 + Ms(15500)) == Ms(0));  // forgotten after stall_memory
}

TEST_CASE(
    "link health: a disconnect right after a stall is a slow-consumer cut - unless the "
    "server had hung first",
    "[transport][health]") {
  const auto t0 = LinkHealth::Clock::now();
  const LinkHealth::Settings settings{Ms(2000), Ms(1000), Ms(10000)};
  SECTION("answering up to the stall: a cut, also before the ticker ran again") {
    LinkHealth health(settings, t0);
    health.connected(t0);
    (void)health.tick(t0 + Ms(250));
    (void)health.answered(t0 + Ms(250));
    CHECK(health.slowConsumerCut(t0 + Ms(3250)) == Ms(3000));  // tick overdue: in progress
    (void)health.tick(t0 + Ms(3250));
    CHECK(health.slowConsumerCut(t0 + Ms(3300)) == Ms(3000));
    for (int ms = 3500; ms <= 14000; ms += 250) (void)health.tick(t0 + Ms(ms));
    CHECK(health.slowConsumerCut(t0 + Ms(14000)) == Ms(0));  // too long after it
  }
  SECTION("no stall: not a cut") {
    LinkHealth health(settings, t0);
    health.connected(t0);
    for (int ms = 250; ms <= 3000; ms += 250) (void)health.tick(t0 + Ms(ms));
    CHECK(health.slowConsumerCut(t0 + Ms(3000)) == Ms(0));
  }
  SECTION("the server silent for longer than stale_after before the stall: a hung server") {
    LinkHealth health(settings, t0);
    health.connected(t0);
    for (int ms = 250; ms <= 2500; ms += 250) (void)health.tick(t0 + Ms(ms));
    (void)health.tick(t0 + Ms(5000));
    CHECK(health.slowConsumerCut(t0 + Ms(5000)) == Ms(0));
  }
  SECTION("a write of ours timed out: the server had stopped reading") {
    LinkHealth health(settings, t0);
    health.connected(t0);
    (void)health.tick(t0 + Ms(250));
    health.writeTimedOut(t0 + Ms(300));
    (void)health.tick(t0 + Ms(3250));
    CHECK(health.slowConsumerCut(t0 + Ms(3300)) == Ms(0));
  }
}

TEST_CASE(
    "a SIGSTOPped server: publish never blocks, the link goes stale and is dropped, "
    "SIGCONT recovers",
    "[transport][hung]") {
  NatsServer server;
  REQUIRE(server.running());
  config::NatsConfig config = configFor(server.url());
  config.connect_timeout_ms = 1000;  // the write deadline and the stale bound: 1 s and 2 s
  auto opened = Connection::open(config);
  REQUIRE(opened.error.empty());
  Connection& connection = *opened.connection;
  REQUIRE(eventually([&] { return connection.ready(); }));

  server.signal(SIGSTOP);
  // 64 MiB of replies: more than the socket buffers, the outbound queue (32 MiB) and the
  // time the write deadline gives. Every call returns: queued, or shed and counted.
  const std::string payload(512 * 1024, 'x');
  std::size_t refused = 0;
  for (int i = 0; i < 128; ++i) {
    if (!connection.publish(Outbound::kReply, "hung.out", payload, "text/plain").ok) ++refused;
  }
  CHECK(connection.stats().outbound_shed_replies == refused);
  REQUIRE(eventually([&] { return !connection.ready(); }));
  // The write deadline (or the stale PINGs) makes cnats drop the socket and reconnect.
  REQUIRE(eventually([&] { return connection.stats().disconnects >= 1; }, Ms(20000)));

  server.signal(SIGCONT);
  REQUIRE(eventually([&] { return connection.ready(); }, Ms(30000)));
  CHECK(connection.stats().reconnects >= 1);
  connection.drainSubscriptions(in(milliseconds(2000)));
  connection.close(in(milliseconds(3000)));
}

TEST_CASE("an idle link to a SIGSTOPped server goes stale long before cnats' PINGs give up",
          "[transport][hung]") {
  NatsServer server;
  REQUIRE(server.running());
  config::NatsConfig config = configFor(server.url());
  config.connect_timeout_ms = 1000;  // stale after 2 s without a PONG
  config.ping_interval_ms = 60000;   // cnats itself would wait minutes
  auto opened = Connection::open(config);
  REQUIRE(opened.error.empty());
  Connection& connection = *opened.connection;
  REQUIRE(eventually([&] { return connection.ready(); }));

  server.signal(SIGSTOP);
  // Generous: a stall of this process (a loaded machine) grants the server its bound again.
  REQUIRE(eventually([&] { return connection.stats().stale; }, Ms(30000)));
  CHECK_FALSE(connection.ready());
  CHECK(connection.connected());  // nobody declared it dead: only the answers stopped
  CHECK(connection.stats().stale_episodes == 1);
  CHECK(connection.stats().disconnects == 0);

  server.signal(SIGCONT);
  REQUIRE(eventually([&] { return connection.ready(); }));
  CHECK_FALSE(connection.stats().stale);
  CHECK(connection.stats().stale_episodes == 1);
  connection.drainSubscriptions(in(milliseconds(2000)));
  connection.close(in(milliseconds(3000)));
}

}  // namespace
}  // namespace wss::transport
