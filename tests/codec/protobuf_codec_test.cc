// The protobuf side: round trips, proto3 optional presence, and every rejection path.
#include <catch2/catch.hpp>
#include <limits>

#include "fleet.pb.h"
#include "tests/codec/test_util.h"

namespace wss::codec {
namespace {

DecodeResult proto(EventKind kind, std::string_view payload) {
  return decodeEvent(kind, Encoding::kProtobuf, payload);
}

TEST_CASE("protobuf: every event round-trips") {
  const core::AgentMetrics metrics{.agent_id = "a",
                                   .cpu_usage = 0.0,  // present though 0: proto3 optional
                                   .capabilities = {"x", "y"},
                                   .priority = -4,
                                   .status = core::AgentStatus::kOffline,
                                   .concurrency = 0U};
  const DecodeResult r = proto(EventKind::kAgentMetrics, encodeEvent(metrics, Encoding::kProtobuf));
  REQUIRE(r.ok);
  const auto& m = std::get<core::AgentMetrics>(r.event);
  CHECK(m.cpu_usage == 0.0);
  CHECK_FALSE(m.memory_usage.has_value());
  CHECK(m.capabilities == metrics.capabilities);
  CHECK(m.priority == -4);
  CHECK(m.status == core::AgentStatus::kOffline);
  CHECK(m.concurrency == 0U);

  const core::TaskAssigned assigned{.agent_id = "a", .required_capabilities = {"gpu"}};
  const DecodeResult a =
      proto(EventKind::kTaskAssigned, encodeEvent(assigned, Encoding::kProtobuf));
  REQUIRE(a.ok);
  CHECK(std::get<core::TaskAssigned>(a.event).required_capabilities ==
        assigned.required_capabilities);
}

TEST_CASE("protobuf: an absent duration stays absent, 0 stays 0") {
  const DecodeResult absent =
      proto(EventKind::kTaskCompleted,
            encodeEvent(core::TaskCompleted{.agent_id = "a"}, Encoding::kProtobuf));
  REQUIRE(absent.ok);
  CHECK_FALSE(std::get<core::TaskCompleted>(absent.event).duration_ms.has_value());
  const DecodeResult zero = proto(
      EventKind::kTaskCompleted,
      encodeEvent(core::TaskCompleted{.agent_id = "a", .duration_ms = 0.0}, Encoding::kProtobuf));
  REQUIRE(zero.ok);
  CHECK(std::get<core::TaskCompleted>(zero.event).duration_ms == 0.0);
}

TEST_CASE("protobuf: missing or empty agentId is rejected for every event") {
  for (EventKind kind : {EventKind::kTaskAssigned, EventKind::kTaskCompleted,
                         EventKind::kTaskFailed, EventKind::kAgentMetrics}) {
    const DecodeResult empty_payload = proto(kind, "");
    CHECK_FALSE(empty_payload.ok);
    CHECK(empty_payload.error == "missing agentId");
  }
  wss::v1::TaskCompleted msg;
  msg.set_task_id("t-1");
  msg.set_duration(3);
  CHECK_FALSE(proto(EventKind::kTaskCompleted, msg.SerializeAsString()).ok);
}

TEST_CASE("protobuf: truncated and garbage bytes are rejected") {
  const std::string golden = testing::readGolden("agent_metrics.pb");
  REQUIRE(golden.size() > 4);
  for (std::size_t n = 1; n < golden.size(); ++n) {
    const DecodeResult r = proto(EventKind::kAgentMetrics, std::string_view(golden).substr(0, n));
    // A cut at a field boundary is a valid shorter message; anywhere else it must fail.
    if (r.ok) {
      wss::v1::AgentMetrics check;
      CHECK(check.ParseFromString(golden.substr(0, n)));
    }
  }
  CHECK_FALSE(proto(EventKind::kAgentMetrics, golden.substr(0, 5)).ok);  // inside agent_id
  CHECK_FALSE(proto(EventKind::kTaskCompleted, "\xff\xff\xff\xff\xff\xff").ok);
  CHECK_FALSE(proto(EventKind::kTaskAssigned, std::string("\x0a\x05"
                                                          "ab",
                                                          4))
                  .ok);
  CHECK_FALSE(proto(EventKind::kTaskFailed, "{\"agentId\":\"a\"}").ok);
}

TEST_CASE("protobuf: invalid UTF-8 in a string field is rejected (proto3 strings)") {
  silenceProtobufUtf8Logs();  // protobuf would print a line itself; the result says enough
  const std::string bad("\x0a\x02\xc3\x28", 4);  // agent_id = C3 28
  CHECK_FALSE(proto(EventKind::kTaskFailed, bad).ok);
}

TEST_CASE("protobuf: non-finite doubles are rejected") {
  wss::v1::AgentMetrics msg;
  msg.set_agent_id("a");
  msg.set_cpu_usage(std::numeric_limits<double>::quiet_NaN());
  CHECK_FALSE(proto(EventKind::kAgentMetrics, msg.SerializeAsString()).ok);
  wss::v1::TaskCompleted done;
  done.set_agent_id("a");
  done.set_duration(std::numeric_limits<double>::infinity());
  CHECK_FALSE(proto(EventKind::kTaskCompleted, done.SerializeAsString()).ok);
}

TEST_CASE("protobuf: unknown fields are ignored") {
  std::string payload = encodeEvent(core::TaskFailed{.agent_id = "a"}, Encoding::kProtobuf);
  payload += std::string("\xa0\x06\x01", 3);  // field 100, varint 1
  const DecodeResult r = proto(EventKind::kTaskFailed, payload);
  REQUIRE(r.ok);
  CHECK(std::get<core::TaskFailed>(r.event).agent_id == "a");
}

TEST_CASE("protobuf: payloads over the size limit are rejected before parsing") {
  wss::v1::TaskFailed msg;
  msg.set_agent_id("a");
  msg.set_error(std::string(kMaxPayloadBytes, 'x'));
  const DecodeResult r = proto(EventKind::kTaskFailed, msg.SerializeAsString());
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("exceeds") != std::string::npos);
}

TEST_CASE("protobuf: WorkSteal needs both agents and a non-negative count") {
  wss::v1::WorkSteal msg;
  msg.set_source_agent_id("s");
  msg.set_target_agent_id("t");
  msg.set_tasks_to_steal(1);
  CHECK(decodeStealOrder(Encoding::kProtobuf, msg.SerializeAsString()).ok);
  msg.set_tasks_to_steal(-1);
  CHECK_FALSE(decodeStealOrder(Encoding::kProtobuf, msg.SerializeAsString()).ok);
  msg.set_tasks_to_steal(1);
  msg.clear_target_agent_id();
  CHECK_FALSE(decodeStealOrder(Encoding::kProtobuf, msg.SerializeAsString()).ok);
  CHECK_FALSE(decodeStealOrder(Encoding::kProtobuf, "\x0a\x09short").ok);
}

TEST_CASE("protobuf: tasksToSteal beyond int32 saturates on encode") {
  core::StealOrder order{
      .source_agent_id = "s", .target_agent_id = "t", .tasks_to_steal = 3000000000U};
  wss::v1::WorkSteal msg;
  REQUIRE(msg.ParseFromString(encodeStealOrder(order, Encoding::kProtobuf)));
  CHECK(msg.tasks_to_steal() == std::numeric_limits<std::int32_t>::max());
}

TEST_CASE("BestAgentRequest: empty payload means no requirement, garbage is rejected") {
  for (Encoding e : {Encoding::kJson, Encoding::kProtobuf}) {
    const BestAgentRequestResult r = decodeBestAgentRequest(e, "");
    CHECK(r.ok);
    CHECK(r.required_capabilities.empty());
  }
  CHECK_FALSE(decodeBestAgentRequest(Encoding::kProtobuf, "\x0a\x05gp").ok);
  CHECK_FALSE(decodeBestAgentRequest(Encoding::kJson, "{\"requiredCapabilities\":\"gpu\"}").ok);
  CHECK_FALSE(decodeBestAgentRequest(Encoding::kJson, "{\"requiredCapabilities\":[1]}").ok);
  const BestAgentRequestResult snake =
      decodeBestAgentRequest(Encoding::kJson, R"({"required_capabilities":["a","b"]})");
  REQUIRE(snake.ok);
  CHECK(snake.required_capabilities == std::vector<std::string>{"a", "b"});
  CHECK(decodeBestAgentRequest(Encoding::kJson, "{}").ok);
}

}  // namespace
}  // namespace wss::codec
