// The state stream (sidecar/transport/event_stream.h) through Connection::consumeStream,
// against a real nats-server with JetStream: the stream created when asked, one ordered
// consumer keeping stream order across subjects, replay of what was stored before the
// consumer started (with the events' age), routing by subject, each reason to fall back (no
// JetStream, stream absent, subjects not captured) counted, a slow handler that loses nothing,
// and a consumer lost on the server that cnats recreates. Waits are on conditions.
#include "sidecar/transport/event_stream.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/transport/connection.h"
#include "tests/support/nats_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"

namespace wss::transport {
namespace {

using std::chrono::milliseconds;
using testing::eventually;
using testing::NatsServer;
using testing::TestClient;

struct JetStreamServer {
  testing::TempDir store;
  NatsServer server{testing::jetStreamArgs(store.path())};
};

std::unique_ptr<Connection> connectTo(const NatsServer& server) {
  config::NatsConfig config;
  config.url = server.url();
  config.reconnect_wait_ms = 100;
  config.connect_timeout_ms = 500;
  Connection::OpenResult opened = Connection::open(config);
  REQUIRE(opened.error.empty());
  REQUIRE(eventually([&] { return opened.connection->connected(); }));
  return std::move(opened.connection);
}

// What the routes' handlers saw, in delivery order (cnats' thread writes, the test reads).
struct Seen {
  struct Message {
    std::size_t route;
    std::string subject;
    std::string payload;
    std::int64_t age_ms;
  };
  mutable std::mutex mutex;
  std::vector<Message> messages;

  [[nodiscard]] std::vector<Message> snapshot() const {
    const std::lock_guard lock(mutex);
    return messages;
  }
  [[nodiscard]] std::size_t size() const { return snapshot().size(); }
};

std::vector<StreamRoute> routesTo(Seen& seen, const std::vector<std::string>& subjects) {
  std::vector<StreamRoute> routes;
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    routes.push_back({subjects[i], [&seen, i](const InboundMessage& m) {
                        const std::lock_guard lock(seen.mutex);
                        seen.messages.push_back({i, std::string(m.subject), std::string(m.payload),
                                                 m.age_ms});
                      }});
  }
  return routes;
}

const std::vector<std::string> kInbound = {"task.assigned", "task.completed", "task.failed",
                                           "agent.metrics"};

StreamSpec spec(const std::string& stream, bool create) {
  StreamSpec out;
  out.stream = stream;
  out.create = create;
  out.max_age_ms = 3'600'000;
  out.timeout_ms = 2000;
  return out;
}

TEST_CASE("event_stream: creates the stream and keeps its order across the four subjects",
          "[event_stream]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  Seen seen;
  const Connection::StreamResult result =
      connection->consumeStream(spec("EVENTS", true), routesTo(seen, kInbound));
  INFO(result.error);
  REQUIRE(result.problem == StreamProblem::kNone);
  CHECK(connection->stats().stream_active);

  TestClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  constexpr int kCount = 40;
  for (int i = 0; i < kCount; ++i) {
    REQUIRE(fleet.publish(kInbound[static_cast<std::size_t>(i) % 4], std::to_string(i)));
  }
  REQUIRE(fleet.flush());
  REQUIRE(eventually([&] { return seen.size() == kCount; }));
  const auto messages = seen.snapshot();
  for (int i = 0; i < kCount; ++i) {
    const auto& m = messages[static_cast<std::size_t>(i)];
    CHECK(m.payload == std::to_string(i));  // one publisher: the stream's order is its order
    CHECK(m.route == static_cast<std::size_t>(i) % 4);
    CHECK(m.subject == kInbound[m.route]);
  }
  CHECK(connection->stats().stream_events == kCount);
  CHECK(connection->stats().stream_unavailable == 0);
}

TEST_CASE("event_stream: a new consumer replays what the stream held, with the events' age",
          "[event_stream]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  TestClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  {
    auto first = connectTo(js.server);
    Seen seen;
    REQUIRE(first->consumeStream(spec("EVENTS", true), routesTo(seen, kInbound)).problem ==
            StreamProblem::kNone);
    for (int i = 0; i < 3; ++i) REQUIRE(fleet.publish("task.assigned", std::to_string(i)));
    REQUIRE(fleet.flush());
    REQUIRE(eventually([&] { return seen.size() == 3; }));  // stored, then the sidecar dies
  }
  // Let the stored events grow old enough to measure their age.
  std::this_thread::sleep_for(milliseconds(400));
  auto second = connectTo(js.server);
  Seen replayed;
  REQUIRE(second->consumeStream(spec("EVENTS", false), routesTo(replayed, kInbound)).problem ==
          StreamProblem::kNone);
  REQUIRE(eventually([&] { return replayed.size() == 3; }));
  REQUIRE(fleet.publish("task.completed", "live"));
  REQUIRE(eventually([&] { return replayed.size() == 4; }));
  const auto messages = replayed.snapshot();
  for (int i = 0; i < 3; ++i) {
    CHECK(messages[static_cast<std::size_t>(i)].payload == std::to_string(i));
    CHECK(messages[static_cast<std::size_t>(i)].age_ms >= 350);
    CHECK(messages[static_cast<std::size_t>(i)].age_ms < 60'000);
  }
  CHECK(messages[3].payload == "live");
  CHECK(messages[3].age_ms < 350);
}

TEST_CASE("event_stream: messages on a subject no route covers are counted and dropped",
          "[event_stream]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto maker = connectTo(js.server);
  Seen all;
  // A stream wider than the inbound subjects (made by someone else, say).
  REQUIRE(maker->consumeStream(spec("WIDE", true), routesTo(all, {"task.>"})).problem ==
          StreamProblem::kNone);
  auto connection = connectTo(js.server);
  Seen seen;
  REQUIRE(connection->consumeStream(spec("WIDE", false), routesTo(seen, {"task.*.x", "task.b"}))
              .problem == StreamProblem::kNone);
  TestClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  for (const char* subject : {"task.a.x", "task.other", "task.b", "task.a.y.z"}) {
    REQUIRE(fleet.publish(subject, subject));
  }
  REQUIRE(fleet.flush());
  REQUIRE(eventually([&] { return connection->stats().stream_unrouted == 2; }));
  REQUIRE(eventually([&] { return seen.size() == 2; }));
  const auto messages = seen.snapshot();
  CHECK(messages[0].subject == "task.a.x");
  CHECK(messages[0].route == 0);
  CHECK(messages[1].subject == "task.b");
  CHECK(messages[1].route == 1);
}

TEST_CASE("event_stream: each reason the stream cannot be used is named and counted",
          "[event_stream]") {
  SECTION("no JetStream on the server") {
    NatsServer plain;
    REQUIRE(plain.running());
    auto connection = connectTo(plain);
    Seen seen;
    const auto result = connection->consumeStream(spec("EVENTS", true), routesTo(seen, kInbound));
    CHECK(result.problem == StreamProblem::kNoJetStream);
    CHECK_THAT(result.error, Catch::Contains("JetStream is not enabled"));
    CHECK(connection->stats().stream_unavailable == 1);
    CHECK_FALSE(connection->stats().stream_active);
  }
  SECTION("the stream is absent and may not be created") {
    JetStreamServer js;
    REQUIRE(js.server.running());
    auto connection = connectTo(js.server);
    Seen seen;
    const auto result = connection->consumeStream(spec("NOPE", false), routesTo(seen, kInbound));
    CHECK(result.problem == StreamProblem::kAbsent);
    CHECK_THAT(result.error, Catch::Contains("'NOPE' does not exist"));
    CHECK(connection->stats().stream_unavailable == 1);
  }
  SECTION("not connected (yet)") {
    config::NatsConfig config;
    config.url = "nats://127.0.0.1:" + std::to_string(testing::findFreePort());  // nobody there
    config.connect_timeout_ms = 200;
    Connection::OpenResult opened = Connection::open(config);
    REQUIRE(opened.error.empty());
    REQUIRE_FALSE(opened.connection->connected());
    Seen seen;
    const auto result =
        opened.connection->consumeStream(spec("EVENTS", true), routesTo(seen, kInbound));
    CHECK(result.problem == StreamProblem::kFailed);
    CHECK_THAT(result.error, Catch::Contains("not connected"));
    CHECK(opened.connection->stats().stream_unavailable == 1);
  }
  SECTION("the stream does not capture every inbound subject") {
    JetStreamServer js;
    REQUIRE(js.server.running());
    auto maker = connectTo(js.server);
    Seen seen;
    REQUIRE(maker->consumeStream(spec("NARROW", true), routesTo(seen, {"task.assigned"}))
                .problem == StreamProblem::kNone);
    auto connection = connectTo(js.server);
    const auto result = connection->consumeStream(spec("NARROW", true), routesTo(seen, kInbound));
    CHECK(result.problem == StreamProblem::kNotCovered);
    CHECK_THAT(result.error, Catch::Contains("'task.completed'"));
    CHECK(connection->stats().stream_unavailable == 1);
  }
}

// A JetStream API request from the test client, its reply parsed.
nlohmann::json api(TestClient& client, const std::string& subject) {
  const std::optional<std::string> reply = client.request(subject, "");
  REQUIRE(reply);
  return nlohmann::json::parse(*reply);
}

void checkInOrder(const Seen& seen, int count) {
  const auto messages = seen.snapshot();
  REQUIRE(messages.size() == static_cast<std::size_t>(count));  // no duplicate either
  for (int i = 0; i < count; ++i) {
    CHECK(messages[static_cast<std::size_t>(i)].payload == std::to_string(i));
  }
}

TEST_CASE("event_stream: a slow handler loses nothing - flow control holds the server back",
          "[event_stream]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  Seen seen;
  std::mutex gate;
  std::unique_lock closed(gate);  // the handler waits here while the stream fills
  std::atomic<bool> blocked{false};
  std::vector<StreamRoute> routes;
  routes.push_back({"task.assigned", [&](const InboundMessage& m) {
                      blocked = true;
                      const std::lock_guard pass(gate);
                      const std::lock_guard lock(seen.mutex);
                      seen.messages.push_back({0, std::string(m.subject), std::string(m.payload),
                                               m.age_ms});
                    }});
  REQUIRE(connection->consumeStream(spec("EVENTS", true), std::move(routes)).problem ==
          StreamProblem::kNone);
  TestClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  constexpr int kCount = 3000;
  for (int i = 0; i < kCount; ++i) REQUIRE(fleet.publish("task.assigned", std::to_string(i)));
  REQUIRE(fleet.flush());
  REQUIRE(eventually([&] { return blocked.load(); }));
  REQUIRE(eventually([&] {
    return api(fleet, "$JS.API.STREAM.INFO.EVENTS")["state"]["messages"] == kCount;
  }));
  closed.unlock();
  REQUIRE(eventually([&] { return seen.size() >= kCount; }, std::chrono::seconds(30)));
  checkInOrder(seen, kCount);
  CHECK(connection->stats().slow_consumer_drops == 0);
}

TEST_CASE("event_stream: a consumer lost on the server is recreated by cnats and the same "
          "handler gets the rest, in order",
          "[event_stream]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  Seen seen;
  REQUIRE(connection->consumeStream(spec("EVENTS", true), routesTo(seen, kInbound)).problem ==
          StreamProblem::kNone);
  TestClient fleet(js.server.url());
  REQUIRE(fleet.connected());
  for (int i = 0; i < 5; ++i) REQUIRE(fleet.publish("task.assigned", std::to_string(i)));
  REQUIRE(fleet.flush());
  REQUIRE(eventually([&] { return seen.size() == 5; }));
  const nlohmann::json names = api(fleet, "$JS.API.CONSUMER.NAMES.EVENTS");
  REQUIRE(names["consumers"].size() == 1);
  const std::string consumer = names["consumers"][0].get<std::string>();
  REQUIRE(api(fleet, "$JS.API.CONSUMER.DELETE.EVENTS." + consumer)["success"] == true);
  for (int i = 5; i < 10; ++i) REQUIRE(fleet.publish("task.assigned", std::to_string(i)));
  REQUIRE(fleet.flush());
  // cnats notices the missing heartbeats (two 5 s intervals) and starts a new consumer at the
  // stream sequence after the last one delivered.
  REQUIRE(eventually([&] { return seen.size() >= 10; }, std::chrono::seconds(40)));
  checkInOrder(seen, 10);
  CHECK(api(fleet, "$JS.API.CONSUMER.NAMES.EVENTS")["consumers"][0] != consumer);
}

}  // namespace
}  // namespace wss::transport
