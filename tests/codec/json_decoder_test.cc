// The JSON decoder's rules, one test per rule, and one per rejection path.
#include "sidecar/codec/json_decoder.h"

#include <catch2/catch.hpp>

#include "tests/codec/test_util.h"

namespace wss::codec {
namespace {

using testing::json;
using testing::jsonMetrics;

core::AgentMetrics metricsOf(std::string_view payload) {
  const DecodeResult r = jsonMetrics(payload);
  INFO(payload << " -> " << r.error);
  REQUIRE(r.ok);
  return std::get<core::AgentMetrics>(r.event);
}

void rejects(EventKind kind, std::string_view payload, std::string_view error_part = "") {
  const DecodeResult r = json(kind, payload);
  INFO(payload << " -> " << r.error);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.error.empty());
  if (!error_part.empty()) CHECK(r.error.find(error_part) != std::string::npos);
}

TEST_CASE("json: the contract's example decodes") {
  const DecodeResult r =
      json(EventKind::kTaskCompleted, R"({"agentId":"agent-7","taskId":"t-1042","duration":850})");
  REQUIRE(r.ok);
  const auto& e = std::get<core::TaskCompleted>(r.event);
  CHECK(e.agent_id == "agent-7");
  CHECK(e.task_id == "t-1042");
  CHECK(e.duration_ms == 850.0);
}

TEST_CASE("json: snake_case names are accepted as well as lowerCamelCase") {
  const auto m = metricsOf(
      R"({"agent_id":"a","cpu_usage":1.5,"memory_usage":2,"capabilities":["x"],"priority":3})");
  CHECK(m.agent_id == "a");
  CHECK(m.cpu_usage == 1.5);
  CHECK(m.memory_usage == 2.0);
  const DecodeResult r = json(EventKind::kTaskAssigned,
                              R"({"agent_id":"a","task_id":"t","required_capabilities":["gpu"]})");
  REQUIRE(r.ok);
  CHECK(std::get<core::TaskAssigned>(r.event).required_capabilities ==
        std::vector<std::string>{"gpu"});
}

TEST_CASE("json: null means absent / default") {
  const auto m = metricsOf(
      R"({"agentId":"a","cpuUsage":null,"capabilities":null,"priority":null,"status":null,"concurrency":null})");
  CHECK_FALSE(m.cpu_usage.has_value());
  CHECK(m.capabilities.empty());
  CHECK_FALSE(m.priority.has_value());
  CHECK(m.status == core::AgentStatus::kUnspecified);
  CHECK_FALSE(m.concurrency.has_value());
  const DecodeResult r = json(EventKind::kTaskCompleted, R"({"agentId":"a","duration":null})");
  REQUIRE(r.ok);
  CHECK_FALSE(std::get<core::TaskCompleted>(r.event).duration_ms.has_value());
}

TEST_CASE("json: proto3 optional zero is present, not absent") {
  const auto m = metricsOf(R"({"agentId":"a","cpuUsage":0,"priority":0,"concurrency":0})");
  CHECK(m.cpu_usage == 0.0);
  CHECK(m.priority == 0);
  CHECK(m.concurrency == 0U);
}

TEST_CASE("json: numbers given as strings are accepted") {
  const auto m = metricsOf(
      R"({"agentId":"a","cpuUsage":"72.5","memoryUsage":"1e1","priority":"-7","concurrency":"4"})");
  CHECK(m.cpu_usage == 72.5);
  CHECK(m.memory_usage == 10.0);
  CHECK(m.priority == -7);
  CHECK(m.concurrency == 4U);
  const DecodeResult r = json(EventKind::kTaskCompleted, R"({"agentId":"a","duration":"850"})");
  REQUIRE(r.ok);
  CHECK(std::get<core::TaskCompleted>(r.event).duration_ms == 850.0);
}

TEST_CASE("json: integral floating-point values are accepted for integer fields") {
  CHECK(metricsOf(R"({"agentId":"a","priority":5.0})").priority == 5);
  CHECK(metricsOf(R"({"agentId":"a","priority":1e2})").priority == 100);
  CHECK(metricsOf(R"({"agentId":"a","priority":-2147483648})").priority == -2147483648LL);
  CHECK(metricsOf(R"({"agentId":"a","concurrency":4294967295})").concurrency == 4294967295U);
}

TEST_CASE("json: status maps through parseAgentStatus, unknown text is unspecified") {
  CHECK(metricsOf(R"({"agentId":"a","status":"idle"})").status == core::AgentStatus::kIdle);
  CHECK(metricsOf(R"({"agentId":"a","status":"busy"})").status == core::AgentStatus::kBusy);
  CHECK(metricsOf(R"({"agentId":"a","status":"BUSY"})").status == core::AgentStatus::kUnspecified);
  CHECK(metricsOf(R"({"agentId":"a","status":"sleeping"})").status ==
        core::AgentStatus::kUnspecified);
}

TEST_CASE("json: unknown fields are ignored, whatever (valid) JSON they hold") {
  const auto m = metricsOf(
      R"({"zone":"eu-1","agentId":"a","labels":{"x":[1,2.5,{"y":null}],"z":true},"n":-1e-3,)"
      R"("status":"idle","AgentId":"not-a-field"})");
  CHECK(m.agent_id == "a");
  CHECK(m.status == core::AgentStatus::kIdle);
}

TEST_CASE("json: escaped keys and values are unescaped") {
  const DecodeResult r =
      json(EventKind::kTaskFailed, R"({"agent\u0049d":"a\u00e9\n","error":"\"x\"\\\/"})");
  REQUIRE(r.ok);
  const auto& e = std::get<core::TaskFailed>(r.event);
  CHECK(e.agent_id == "a\xC3\xA9\n");
  CHECK(e.error == "\"x\"\\/");
}

TEST_CASE("json: whitespace around and inside the object is fine") {
  const DecodeResult r = json(EventKind::kTaskFailed, " \n{ \"agentId\" :\t\"a\" } \r\n");
  CHECK(r.ok);
}

TEST_CASE("json: missing or empty agentId is rejected") {
  for (EventKind kind : {EventKind::kTaskAssigned, EventKind::kTaskCompleted,
                         EventKind::kTaskFailed, EventKind::kAgentMetrics}) {
    rejects(kind, "{}", "missing agentId");
    rejects(kind, R"({"agentId":""})", "missing agentId");
    rejects(kind, R"({"agentId":null})", "missing agentId");
    rejects(kind, R"({"taskId":"t-1"})", "missing agentId");
  }
}

TEST_CASE("json: wrong types are rejected") {
  rejects(EventKind::kAgentMetrics, R"({"agentId":7})", "agentId");
  rejects(EventKind::kAgentMetrics, R"({"agentId":["a"]})", "agentId");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","capabilities":"gpu"})", "capabilities");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","capabilities":[1]})", "capabilities");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","capabilities":["x",null]})");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","capabilities":[["x"]]})");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","capabilities":{}})");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","cpuUsage":true})", "cpuUsage");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","cpuUsage":"high"})", "cpuUsage");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","cpuUsage":{}})", "cpuUsage");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","priority":1.5})", "priority");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","priority":2147483648})", "priority");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","priority":-2147483649})", "priority");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","priority":"1.0"})", "priority");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","priority":"1e2"})", "priority");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","priority":" 5"})", "priority");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","priority":false})", "priority");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","concurrency":-1})", "concurrency");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","concurrency":4294967296})");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","status":5})", "status");
  rejects(EventKind::kTaskCompleted, R"({"agentId":"a","duration":"850ms"})", "duration");
  rejects(EventKind::kTaskCompleted, R"({"agentId":"a","duration":""})", "duration");
  rejects(EventKind::kTaskCompleted, R"({"agentId":"a","duration":[850]})", "duration");
  rejects(EventKind::kTaskAssigned, R"({"agentId":"a","taskId":42})", "taskId");
  rejects(EventKind::kTaskFailed, R"({"agentId":"a","error":{"code":1}})", "error");
}

TEST_CASE("json: non-finite numbers are rejected (codec rule on top of the mapping)") {
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","cpuUsage":"NaN"})", "finite");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","memoryUsage":"Infinity"})", "finite");
  rejects(EventKind::kTaskCompleted, R"({"agentId":"a","duration":"-Infinity"})", "finite");
  rejects(EventKind::kTaskCompleted, R"({"agentId":"a","duration":1e400})");
  rejects(EventKind::kTaskCompleted, R"({"agentId":"a","duration":"1e400"})");
}

TEST_CASE("json: duplicate fields are rejected, in either spelling") {
  rejects(EventKind::kTaskFailed, R"({"agentId":"a","agentId":"b"})", "duplicate");
  rejects(EventKind::kTaskFailed, R"({"agentId":"a","agent_id":"b"})", "duplicate");
  rejects(EventKind::kAgentMetrics, R"({"agentId":"a","capabilities":[],"capabilities":[]})",
          "duplicate");
  // Unknown keys may repeat: they are ignored.
  CHECK(json(EventKind::kTaskFailed, R"({"agentId":"a","x":1,"x":2})").ok);
}

TEST_CASE("json: a top-level value that is not an object is rejected") {
  for (const char* payload : {"[]", R"(["agentId","a"])", R"("agentId")", "42", "null", "true"}) {
    rejects(EventKind::kTaskFailed, payload);
  }
}

TEST_CASE("json: invalid JSON is rejected") {
  const char* payloads[] = {
      "",
      "   ",
      "{",
      R"({"agentId":"a")",
      R"({"agentId":"a",})",
      R"({"agentId":"a"} x)",
      R"({"agentId":"a"}{})",
      R"({"agentId":"a"}})",
      R"({agentId:"a"})",
      R"({'agentId':'a'})",
      R"({"agentId":"a","x":tru})",
      R"({"agentId":"a","x":nul})",
      R"({"agentId":"a","x":[1,2,]})",
      R"({"agentId":"a","x":01})",
      R"({"agentId":"a","x":1.})",
      R"({"agentId":"a","x":"\x"})",
      R"({"agentId":"a","x":"\ud800"})",
      R"({"agentId":"a","cpuUsage":NaN})",
      "{\"agentId\":\"a\x01\"}",     // raw control character
      "{\"agentId\":\"\xc3\x28\"}",  // invalid UTF-8
      "\x0a\x07"
      "agent-7",  // protobuf bytes
      "\xff\xfe{}",
  };
  for (const char* payload : payloads) rejects(EventKind::kTaskFailed, payload);
}

TEST_CASE("json: nesting beyond the depth limit is rejected") {
  const auto nested = [](int depth) {
    return R"({"agentId":"a","x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  CHECK(json(EventKind::kTaskFailed, nested(internal::kMaxJsonDepth - 1)).ok);
  rejects(EventKind::kTaskFailed, nested(internal::kMaxJsonDepth), "deep");
  rejects(EventKind::kTaskFailed, nested(5000));
}

TEST_CASE("json: payloads over the size limit are rejected, at the limit they decode") {
  const std::string head = R"({"agentId":"a","error":")";
  std::string at_limit = head + std::string(kMaxPayloadBytes - head.size() - 2, 'e') + "\"}";
  REQUIRE(at_limit.size() == kMaxPayloadBytes);
  const DecodeResult ok = json(EventKind::kTaskFailed, at_limit);
  REQUIRE(ok.ok);
  CHECK(std::get<core::TaskFailed>(ok.event).error.size() == kMaxPayloadBytes - head.size() - 2);
  const std::string over = head + std::string(kMaxPayloadBytes, 'e') + "\"}";
  rejects(EventKind::kTaskFailed, over, "exceeds");
}

TEST_CASE("json: a rejected payload leaves no state behind for the next one") {
  rejects(EventKind::kTaskFailed, R"({"agentId":"a","x":[[[[)");
  const DecodeResult r = json(EventKind::kTaskFailed, R"({"agentId":"b"})");
  REQUIRE(r.ok);
  CHECK(std::get<core::TaskFailed>(r.event).agent_id == "b");
}

TEST_CASE("json: WorkSteal decodes and enforces its rules") {
  const StealOrderResult r = decodeStealOrder(
      Encoding::kJson,
      R"({"operation_id":"o","sourceAgentId":"s","targetAgentId":"t","tasksToSteal":"3","taskIds":[]})");
  REQUIRE(r.ok);
  CHECK(r.order.tasks_to_steal == 3);
  CHECK(r.order.operation_id == "o");
  CHECK_FALSE(decodeStealOrder(Encoding::kJson, R"({"sourceAgentId":"s"})").ok);
  CHECK_FALSE(decodeStealOrder(Encoding::kJson,
                               R"({"sourceAgentId":"s","targetAgentId":"t","tasksToSteal":-1})")
                  .ok);
  CHECK_FALSE(decodeStealOrder(Encoding::kJson,
                               R"({"sourceAgentId":"s","targetAgentId":"t","taskIds":"t-1"})")
                  .ok);
}

}  // namespace
}  // namespace wss::codec
