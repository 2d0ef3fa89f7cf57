// The JSON encoder: what it omits, how it escapes, and that protobuf reads it back.
#include "sidecar/codec/json_encoder.h"

#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <limits>

#include "fleet.pb.h"
#include "tests/codec/test_util.h"

namespace wss::codec {
namespace {

std::string quoted(std::string_view text) {
  std::string out;
  internal::appendJsonString(out, text);
  return out;
}

TEST_CASE("json encoder: escapes what RFC 8259 requires and nothing else") {
  CHECK(quoted("plain") == R"("plain")");
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(quoted(std::string("\x00\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(quoted("caf\xC3\xA9 \xF0\x9F\x98\x80 /") == "\"caf\xC3\xA9 \xF0\x9F\x98\x80 /\"");
}

TEST_CASE("json encoder: invalid UTF-8 becomes U+FFFD, so the output stays valid JSON") {
  CHECK(quoted("a\xC3(b") == R"("a\ufffd(b")");
  CHECK(quoted("\xFF\"") == R"("\ufffd\"")");
  CHECK(quoted("\xED\xA0\x80") == R"("\ufffd\ufffd\ufffd")");             // encoded surrogate
  CHECK(quoted("\xF0\x9F\x98") == R"("\ufffd\ufffd\ufffd")");             // truncated sequence
  CHECK(quoted("ok\xC3\xA9\xC0\xAF") == "\"ok\xC3\xA9\\ufffd\\ufffd\"");  // overlong
}

TEST_CASE("json encoder: events omit defaults but keep agentId and present optionals") {
  CHECK(encodeEvent(core::TaskCompleted{.agent_id = "a"}, Encoding::kJson) == R"({"agentId":"a"})");
  CHECK(encodeEvent(core::TaskCompleted{.agent_id = "", .duration_ms = 0.0}, Encoding::kJson) ==
        R"({"agentId":"","duration":0})");
  CHECK(encodeEvent(core::TaskAssigned{.agent_id = "a", .priority = 0}, Encoding::kJson) ==
        R"({"agentId":"a"})");
  CHECK(encodeEvent(core::AgentMetrics{.agent_id = "a", .priority = 0, .concurrency = 0U},
                    Encoding::kJson) == R"({"agentId":"a","priority":0,"concurrency":0})");
  CHECK(encodeEvent(core::TaskCompleted{.agent_id = "a", .duration_ms = 0.1}, Encoding::kJson) ==
        R"({"agentId":"a","duration":0.1})");
  CHECK(encodeEvent(core::TaskCompleted{.agent_id = "a", .duration_ms = -1e300}, Encoding::kJson) ==
        R"({"agentId":"a","duration":-1e+300})");
  CHECK(encodeEvent(core::TaskCompleted{.agent_id = "a",
                                        .duration_ms = std::numeric_limits<double>::infinity()},
                    Encoding::kJson) == R"({"agentId":"a","duration":"Infinity"})");
}

TEST_CASE("json encoder: WorkSteal always writes every field") {
  CHECK(
      encodeStealOrder(core::StealOrder{}, Encoding::kJson) ==
      R"({"operationId":"","sourceAgentId":"","targetAgentId":"","tasksToSteal":0,"taskIds":[],"reason":""})");
}

TEST_CASE("WorkSteal epoch: written only under ha, and read back by both codecs") {
  core::StealOrder order;
  order.source_agent_id = "s";
  order.target_agent_id = "t";
  order.tasks_to_steal = 1;
  order.task_ids = {"x"};
  order.epoch = 9'007'199'254'740'992;  // 2^53: the largest the JSON number carries exactly
  const std::string json = encodeStealOrder(order, Encoding::kJson);
  CHECK_THAT(json, Catch::EndsWith(R"(,"epoch":9007199254740992})"));
  for (Encoding encoding : {Encoding::kJson, Encoding::kProtobuf}) {
    const StealOrderResult back = decodeStealOrder(encoding, encodeStealOrder(order, encoding));
    REQUIRE(back.ok);
    CHECK(back.order.epoch == order.epoch);
  }
  wss::v1::WorkSteal parsed;
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  CHECK(parsed.epoch() == order.epoch);
  CHECK_FALSE(
      decodeStealOrder(Encoding::kJson, R"({"sourceAgentId":"s","targetAgentId":"t","epoch":-1})")
          .ok);
  // The proto3 mapping's quoted form is read too.
  const auto quotedEpoch =
      decodeStealOrder(Encoding::kJson, R"({"sourceAgentId":"s","targetAgentId":"t","epoch":"7"})");
  REQUIRE(quotedEpoch.ok);
  CHECK(quotedEpoch.order.epoch == 7);
  order.epoch = 0;
  CHECK(encodeStealOrder(order, Encoding::kJson).find("epoch") == std::string::npos);
}

TEST_CASE("json encoder: protobuf parses our output to the same message as our protobuf") {
  const core::Event events[] = {
      core::TaskAssigned{.agent_id = "a\"\\\n\x01",
                         .task_id = "t",
                         .required_capabilities = {"", "x\ty", "\xE2\x82\xAC"},
                         .priority = -2147483647 - 1},
      core::TaskCompleted{.agent_id = "a", .task_id = "t", .duration_ms = 1234.5678e-3},
      core::TaskFailed{.agent_id = "a", .error = std::string("nul\0byte", 8)},
      core::AgentMetrics{.agent_id = "a",
                         .cpu_usage = 99.99999999999999,
                         .memory_usage = 5e-324,
                         .capabilities = {"gpu"},
                         .priority = 2147483647,
                         .status = core::AgentStatus::kActive,
                         .concurrency = 4294967295U},
  };
  const EventKind kinds[] = {EventKind::kTaskAssigned, EventKind::kTaskCompleted,
                             EventKind::kTaskFailed, EventKind::kAgentMetrics};
  for (std::size_t i = 0; i < std::size(events); ++i) {
    const std::string json = encodeEvent(events[i], Encoding::kJson);
    INFO(json);
    std::unique_ptr<google::protobuf::Message> from_json, from_binary;
    switch (kinds[i]) {
      case EventKind::kTaskAssigned:
        from_json = std::make_unique<wss::v1::TaskAssigned>();
        break;
      case EventKind::kTaskCompleted:
        from_json = std::make_unique<wss::v1::TaskCompleted>();
        break;
      case EventKind::kTaskFailed:
        from_json = std::make_unique<wss::v1::TaskFailed>();
        break;
      case EventKind::kAgentMetrics:
        from_json = std::make_unique<wss::v1::AgentMetrics>();
        break;
    }
    from_binary.reset(from_json->New());
    REQUIRE(google::protobuf::util::JsonStringToMessage(json, from_json.get()).ok());
    REQUIRE(from_binary->ParseFromString(encodeEvent(events[i], Encoding::kProtobuf)));
    CHECK(from_json->SerializeAsString() == from_binary->SerializeAsString());
    // And our own decoder reads it back to the same bytes.
    const DecodeResult back = decodeEvent(kinds[i], Encoding::kJson, json);
    REQUIRE(back.ok);
    CHECK(encodeEvent(back.event, Encoding::kJson) == json);
  }
}

}  // namespace
}  // namespace wss::codec
