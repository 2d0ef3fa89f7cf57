// Inbound: what the cnats callbacks do with each message (decode and queue, or count and
// drop), and the explicit pairing of codec::EventKind with /metrics kinds and subjects.
#include "sidecar/app/inbound.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <set>

#include "tests/app/captured_log.h"
#include "tests/app/fakes.h"

namespace wss::app {
namespace {

using std::chrono::steady_clock;
using testing::CapturedLog;
using testing::ManualClock;

struct Harness {
  explicit Harness(QueueBounds bounds = {}) : queue(bounds) {}

  ManualClock clock;
  EventQueue queue;
  InboundCounters counters;
  LogThrottle throttle{clock};
  Inbound inbound{queue, counters, throttle};

  std::vector<WorkItem> drain() {
    std::vector<WorkItem> out;
    REQUIRE(queue.popAll(out, steady_clock::now()));
    return out;
  }
};

transport::InboundMessage message(std::string_view payload, std::string_view content_type = "",
                                  std::string_view reply = "") {
  return transport::InboundMessage{"subject", reply, content_type, payload};
}

TEST_CASE("a good event is decoded and queued with its kind - JSON or protobuf") {
  Harness h;
  auto on_assigned = h.inbound.eventHandler(codec::EventKind::kTaskAssigned, "task.assigned");
  on_assigned(message(R"({"agentId":"a","taskId":"t-1"})"));
  const core::Event event = core::TaskCompleted{"b", "t-2", 850.0};
  const std::string protobuf = codec::encodeEvent(event, codec::Encoding::kProtobuf);
  h.inbound.eventHandler(codec::EventKind::kTaskCompleted,
                         "task.completed")(message(protobuf, "application/protobuf"));

  const auto items = h.drain();
  REQUIRE(items.size() == 2);
  const auto& first = std::get<InboundEvent>(items[0]);
  CHECK(first.kind == codec::EventKind::kTaskAssigned);
  CHECK(std::get<core::TaskAssigned>(first.event).task_id == "t-1");
  const auto& second = std::get<InboundEvent>(items[1]);
  CHECK(second.kind == codec::EventKind::kTaskCompleted);
  CHECK(std::get<core::TaskCompleted>(second.event).duration_ms == 850.0);
  CHECK(h.counters.received[indexOf(codec::EventKind::kTaskAssigned)] == 1);
  CHECK(h.counters.received[indexOf(codec::EventKind::kTaskCompleted)] == 1);
  CHECK(h.counters.rejected[indexOf(codec::EventKind::kTaskAssigned)] == 0);
}

TEST_CASE("bad events are counted per kind and never queued") {
  Harness h;
  auto on_metrics = h.inbound.eventHandler(codec::EventKind::kAgentMetrics, "agent.metrics");
  on_metrics(message(R"({"cpuUsage": 10})"));                          // no agentId
  on_metrics(message(R"({"agentId": 5})"));                            // wrong type
  on_metrics(message("{not json"));                                    // undecodable
  on_metrics(message("\xff\xff\xff\xff", "application/protobuf"));     // bad protobuf
  on_metrics(message(std::string(codec::kMaxPayloadBytes + 1, ' ')));  // too large
  on_metrics(message(R"({"agentId":"ok"})"));

  const auto items = h.drain();
  REQUIRE(items.size() == 1);
  CHECK(std::get<core::AgentMetrics>(std::get<InboundEvent>(items[0]).event).agent_id == "ok");
  CHECK(h.counters.received[indexOf(codec::EventKind::kAgentMetrics)] == 6);
  CHECK(h.counters.rejected[indexOf(codec::EventKind::kAgentMetrics)] == 5);
  CHECK(h.counters.rejected[indexOf(codec::EventKind::kTaskAssigned)] == 0);
}

TEST_CASE("requests are copied and queued - without a reply subject they are counted and dropped") {
  Harness h;
  auto on_stats = h.inbound.serviceHandler(Service::kAgents, "work.agents");
  on_stats(message(R"({"limit":1})", "application/json", "_INBOX.1"));
  on_stats(message("", "", ""));  // nowhere to answer
  on_stats(message(std::string(codec::kMaxPayloadBytes + 1, 'x'), "", "_INBOX.2"));

  const auto items = h.drain();
  REQUIRE(items.size() == 2);
  const auto& first = std::get<ServiceRequest>(items[0]);
  CHECK(first.service == Service::kAgents);
  CHECK(first.reply == "_INBOX.1");
  CHECK(first.payload == R"({"limit":1})");
  CHECK(first.content_type == "application/json");
  CHECK_FALSE(first.oversized);
  const auto& second = std::get<ServiceRequest>(items[1]);
  CHECK(second.oversized);
  CHECK(second.payload.empty());
  CHECK(h.counters.requests_received == 3);
  CHECK(h.counters.requests_without_reply == 1);
}

TEST_CASE("bad events are logged once per second per reason - the next line counts the rest") {
  Harness h;
  CapturedLog log;
  auto on_assigned = h.inbound.eventHandler(codec::EventKind::kTaskAssigned, "task.assigned");
  for (int i = 0; i < 5; ++i) on_assigned(message(R"({"taskId":"t"})"));  // no agentId
  CHECK(log.lines() == 1);
  CHECK_THAT(log.text(), Catch::Contains("dropped a bad message on 'subject'") &&
                             !Catch::Contains("suppressed"));
  on_assigned(message("{not json"));  // another reason: its own line
  CHECK(log.lines() == 2);
  log.clear();
  h.clock.advance(1000);
  on_assigned(message(R"({"taskId":"t"})"));
  CHECK(log.lines() == 1);
  CHECK_THAT(log.text(), Catch::EndsWith("(4 similar suppressed)\n"));
  CHECK(h.counters.rejected[indexOf(codec::EventKind::kTaskAssigned)] == 7);
}

TEST_CASE("shed messages and requests without a reply are logged rate-limited") {
  Harness h(QueueBounds{.max_items = 1});
  CapturedLog log;
  auto on_failed = h.inbound.eventHandler(codec::EventKind::kTaskFailed, "task.failed");
  for (int i = 0; i < 3; ++i) on_failed(message(R"({"agentId":"a","taskId":"t"})"));
  CHECK(log.lines() == 1);  // the first is queued, the next two shed: one line
  CHECK_THAT(log.text(), Catch::Contains("shed a message on 'task.failed'"));
  auto on_stats = h.inbound.serviceHandler(Service::kStats, "work.stats");
  on_stats(message("", "", ""));
  on_stats(message("", "", ""));
  CHECK(log.lines() == 2);
  CHECK_THAT(log.text(), Catch::Contains("on 'work.stats' without a reply subject"));
  log.clear();
  h.clock.advance(1000);
  on_failed(message(R"({"agentId":"a","taskId":"t"})"));
  on_stats(message("", "", ""));
  CHECK(log.lines() == 2);
  CHECK_THAT(log.text(), Catch::Contains("work.stats (1 similar suppressed)") &&
                             Catch::Contains("'work.stats' without a reply subject (1 similar"));
  CHECK(h.queue.shed().task_events == 3);
}

TEST_CASE("every event kind has its own index - /metrics kind and subject") {
  config::SubjectsConfig subjects;
  subjects.task_assigned = "a";
  subjects.task_completed = "c";
  subjects.task_failed = "f";
  subjects.agent_metrics = "m";
  using codec::EventKind;
  using observability::InboundKind;
  CHECK(toInboundKind(EventKind::kTaskAssigned) == InboundKind::kTaskAssigned);
  CHECK(toInboundKind(EventKind::kTaskCompleted) == InboundKind::kTaskCompleted);
  CHECK(toInboundKind(EventKind::kTaskFailed) == InboundKind::kTaskFailed);
  CHECK(toInboundKind(EventKind::kAgentMetrics) == InboundKind::kAgentMetrics);
  CHECK(observability::toLabel(toInboundKind(EventKind::kTaskFailed)) == "task_failed");
  CHECK(subjectOf(subjects, EventKind::kTaskAssigned) == "a");
  CHECK(subjectOf(subjects, EventKind::kTaskCompleted) == "c");
  CHECK(subjectOf(subjects, EventKind::kTaskFailed) == "f");
  CHECK(subjectOf(subjects, EventKind::kAgentMetrics) == "m");
  std::set<std::size_t> indexes;
  for (EventKind kind : kEventKinds) indexes.insert(indexOf(kind));
  CHECK(indexes == std::set<std::size_t>{0, 1, 2, 3});
}

TEST_CASE("service subjects follow the config, so logs name the subject actually served") {
  config::SubjectsConfig subjects;
  subjects.work_stats = "fleet.stats";
  subjects.work_operations = "fleet.ops";
  subjects.work_agents = "fleet.agents";
  subjects.work_best_agent = "fleet.best";
  CHECK(subjectOf(subjects, Service::kStats) == "fleet.stats");
  CHECK(subjectOf(subjects, Service::kOperations) == "fleet.ops");
  CHECK(subjectOf(subjects, Service::kAgents) == "fleet.agents");
  CHECK(subjectOf(subjects, Service::kBestAgent) == "fleet.best");
}

}  // namespace
}  // namespace wss::app

namespace wss::app {
namespace {

TEST_CASE("work.steal orders (ha) are decoded and queued - garbage is counted and dropped") {
  Harness h;
  const transport::MessageHandler handler = h.inbound.stealHandler("work.steal");
  core::StealOrder order;
  order.operation_id = "leader-7";
  order.source_agent_id = "hot";
  order.target_agent_id = "idle";
  order.tasks_to_steal = 1;
  order.task_ids = {"t-1"};
  order.epoch = 9;
  const std::string bytes = codec::encodeStealOrder(order, codec::Encoding::kProtobuf);
  handler(message(bytes, "application/protobuf"));
  handler(message("{not json", "application/json"));
  CHECK(h.counters.steals_heard == 2);
  CHECK(h.counters.steals_rejected == 1);
  const std::vector<WorkItem> items = h.drain();
  REQUIRE(items.size() == 1);
  const auto* steal = std::get_if<PeerSteal>(&items[0]);
  REQUIRE(steal != nullptr);
  CHECK(steal->order.operation_id == "leader-7");
  CHECK(steal->order.epoch == 9);
  CHECK(steal->order.task_ids == std::vector<std::string>{"t-1"});
}

TEST_CASE("an event replayed from the state stream keeps its age through decoding") {
  Harness h;
  auto on_assigned = h.inbound.eventHandler(codec::EventKind::kTaskAssigned, "task.assigned");
  transport::InboundMessage replayed = message(R"({"agentId":"a","taskId":"t-1"})");
  replayed.age_ms = 3'000'000;  // stored 50 minutes ago
  on_assigned(replayed);
  on_assigned(message(R"({"agentId":"a","taskId":"t-2"})"));  // a plain subscription's
  const auto items = h.drain();
  REQUIRE(items.size() == 2);
  CHECK(std::get<InboundEvent>(items[0]).age_ms == 3'000'000);
  CHECK(std::get<InboundEvent>(items[1]).age_ms == 0);
}

}  // namespace
}  // namespace wss::app
