// Golden payloads in both encodings: decode them and check every field, and check that
// encoding the same values reproduces the golden bytes exactly.
#include <catch2/catch.hpp>

#include "tests/codec/test_util.h"

namespace wss::codec {
namespace {

using testing::readGolden;

core::TaskAssigned expectedAssigned() {
  return {.agent_id = "agent-7",
          .task_id = "t-1042",
          .required_capabilities = {"gpu", "linux"},
          .priority = 3};
}
core::TaskCompleted expectedCompleted() {
  return {.agent_id = "agent-7", .task_id = "t-1042", .duration_ms = 850.0};
}
core::TaskFailed expectedFailed() {
  return {.agent_id = "agent-7", .task_id = "t-1042", .error = "disk \"full\"\n\tcaf\xC3\xA9"};
}
core::AgentMetrics expectedMetrics() {
  return {.agent_id = "agent-3",
          .cpu_usage = 72.5,
          .memory_usage = 40.25,
          .capabilities = {"gpu", "linux"},
          .priority = 2,
          .status = core::AgentStatus::kBusy,
          .concurrency = 4U};
}
core::StealOrder expectedSteal() {
  return {.operation_id = "steal-17",
          .source_agent_id = "agent-3",
          .target_agent_id = "agent-9",
          .tasks_to_steal = 2,
          .task_ids = {"t-1", "t-2"},
          .reason = "queue 8 > threshold 3"};
}

struct Case {
  const char* name;
  Encoding encoding;
  const char* extension;
};
const Case kCases[] = {{"json", Encoding::kJson, ".json"},
                       {"protobuf", Encoding::kProtobuf, ".pb"}};

TEST_CASE("golden TaskAssigned decodes and re-encodes byte for byte") {
  for (const Case& c : kCases) {
    SECTION(c.name) {
      const std::string golden = readGolden(std::string("task_assigned") + c.extension);
      REQUIRE_FALSE(golden.empty());
      const DecodeResult r = decodeEvent(EventKind::kTaskAssigned, c.encoding, golden);
      REQUIRE(r.ok);
      const auto& e = std::get<core::TaskAssigned>(r.event);
      const auto want = expectedAssigned();
      CHECK(e.agent_id == want.agent_id);
      CHECK(e.task_id == want.task_id);
      CHECK(e.required_capabilities == want.required_capabilities);
      CHECK(e.priority == want.priority);
      CHECK(encodeEvent(want, c.encoding) == golden);
    }
  }
}

TEST_CASE("golden TaskCompleted decodes and re-encodes byte for byte") {
  for (const Case& c : kCases) {
    SECTION(c.name) {
      const std::string golden = readGolden(std::string("task_completed") + c.extension);
      REQUIRE_FALSE(golden.empty());
      const DecodeResult r = decodeEvent(EventKind::kTaskCompleted, c.encoding, golden);
      REQUIRE(r.ok);
      const auto& e = std::get<core::TaskCompleted>(r.event);
      CHECK(e.agent_id == "agent-7");
      CHECK(e.task_id == "t-1042");
      REQUIRE(e.duration_ms.has_value());
      CHECK(*e.duration_ms == 850.0);
      CHECK(encodeEvent(expectedCompleted(), c.encoding) == golden);
    }
  }
}

TEST_CASE("golden TaskFailed decodes and re-encodes byte for byte") {
  for (const Case& c : kCases) {
    SECTION(c.name) {
      const std::string golden = readGolden(std::string("task_failed") + c.extension);
      REQUIRE_FALSE(golden.empty());
      const DecodeResult r = decodeEvent(EventKind::kTaskFailed, c.encoding, golden);
      REQUIRE(r.ok);
      const auto& e = std::get<core::TaskFailed>(r.event);
      CHECK(e.agent_id == "agent-7");
      CHECK(e.task_id == "t-1042");
      CHECK(e.error == expectedFailed().error);
      CHECK(encodeEvent(expectedFailed(), c.encoding) == golden);
    }
  }
}

TEST_CASE("golden AgentMetrics decodes and re-encodes byte for byte") {
  for (const Case& c : kCases) {
    SECTION(c.name) {
      const std::string golden = readGolden(std::string("agent_metrics") + c.extension);
      REQUIRE_FALSE(golden.empty());
      const DecodeResult r = decodeEvent(EventKind::kAgentMetrics, c.encoding, golden);
      REQUIRE(r.ok);
      const auto& e = std::get<core::AgentMetrics>(r.event);
      const auto want = expectedMetrics();
      CHECK(e.agent_id == want.agent_id);
      CHECK(e.cpu_usage == want.cpu_usage);
      CHECK(e.memory_usage == want.memory_usage);
      CHECK(e.capabilities == want.capabilities);
      CHECK(e.priority == want.priority);
      CHECK(e.status == want.status);
      CHECK(e.concurrency == want.concurrency);
      CHECK(encodeEvent(want, c.encoding) == golden);
    }
  }
}

TEST_CASE("golden WorkSteal decodes and re-encodes byte for byte") {
  for (const Case& c : kCases) {
    SECTION(c.name) {
      const std::string golden = readGolden(std::string("work_steal") + c.extension);
      REQUIRE_FALSE(golden.empty());
      const StealOrderResult r = decodeStealOrder(c.encoding, golden);
      REQUIRE(r.ok);
      const auto want = expectedSteal();
      CHECK(r.order.operation_id == want.operation_id);
      CHECK(r.order.source_agent_id == want.source_agent_id);
      CHECK(r.order.target_agent_id == want.target_agent_id);
      CHECK(r.order.tasks_to_steal == want.tasks_to_steal);
      CHECK(r.order.task_ids == want.task_ids);
      CHECK(r.order.reason == want.reason);
      CHECK(encodeStealOrder(want, c.encoding) == golden);
    }
  }
}

TEST_CASE("golden BestAgentRequest decodes") {
  for (const Case& c : kCases) {
    SECTION(c.name) {
      const std::string golden = readGolden(std::string("best_agent_request") + c.extension);
      REQUIRE_FALSE(golden.empty());
      const BestAgentRequestResult r = decodeBestAgentRequest(c.encoding, golden);
      REQUIRE(r.ok);
      CHECK(r.required_capabilities == std::vector<std::string>{"gpu"});
    }
  }
}

TEST_CASE("goldens are sniffed as the encoding they are in") {
  CHECK(detectEncoding("", readGolden("agent_metrics.json")) == Encoding::kJson);
  CHECK(detectEncoding("", readGolden("agent_metrics.pb")) == Encoding::kProtobuf);
  CHECK(detectEncoding("", readGolden("work_steal.pb")) == Encoding::kProtobuf);
}

}  // namespace
}  // namespace wss::codec
