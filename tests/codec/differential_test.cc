// Differential test: our JSON decoder against protobuf's JsonStringToMessage.
//
// For a corpus of valid and invalid inputs (hand-written, plus every field of every event
// crossed with a pool of JSON values, under both spellings of its name), we must accept
// exactly when protobuf accepts (with ignore_unknown_fields) and our own rules hold (non-empty
// agentId, finite doubles), and then decode the same fields. Where protobuf 3.21 is laxer
// than RFC 8259 or the proto3 JSON spec, we are strict on purpose; those inputs are listed
// separately and only our rejection is checked, so a protobuf upgrade can't break the test.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "fleet.pb.h"
#include "tests/codec/test_util.h"

namespace wss::codec {
namespace {

namespace pb = google::protobuf;

constexpr EventKind kKinds[] = {EventKind::kTaskAssigned, EventKind::kTaskCompleted,
                                EventKind::kTaskFailed, EventKind::kAgentMetrics};

std::unique_ptr<pb::Message> newMessage(EventKind kind) {
  switch (kind) {
    case EventKind::kTaskAssigned:
      return std::make_unique<wss::v1::TaskAssigned>();
    case EventKind::kTaskCompleted:
      return std::make_unique<wss::v1::TaskCompleted>();
    case EventKind::kTaskFailed:
      return std::make_unique<wss::v1::TaskFailed>();
    case EventKind::kAgentMetrics:
      return std::make_unique<wss::v1::AgentMetrics>();
  }
  return nullptr;
}

// protobuf's verdict, with the codec's extra rules applied on top, and the status string
// normalised the way the core stores it (unknown text -> unspecified -> "").
struct Oracle {
  bool ok = false;
  std::unique_ptr<pb::Message> message;
};

Oracle oracle(EventKind kind, const std::string& payload) {
  Oracle out{.message = newMessage(kind)};
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!pb::util::JsonStringToMessage(payload, out.message.get(), options).ok()) return out;
  const pb::Descriptor* descriptor = out.message->GetDescriptor();
  const pb::Reflection* reflection = out.message->GetReflection();
  if (reflection->GetString(*out.message, descriptor->FindFieldByName("agent_id")).empty()) {
    return out;
  }
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE &&
        !std::isfinite(reflection->GetDouble(*out.message, field))) {
      return out;
    }
  }
  if (const pb::FieldDescriptor* status = descriptor->FindFieldByName("status")) {
    const std::string text = reflection->GetString(*out.message, status);
    reflection->SetString(out.message.get(), status,
                          std::string(core::toString(core::parseAgentStatus(text))));
  }
  out.ok = true;
  return out;
}

void checkAgainstOracle(EventKind kind, const std::string& payload) {
  const DecodeResult ours = testing::json(kind, payload);
  const Oracle expected = oracle(kind, payload);
  INFO("kind " << static_cast<int>(kind) << ", payload: " << payload
               << "\nour error: " << ours.error);
  CHECK(ours.ok == expected.ok);
  if (!ours.ok || !expected.ok) return;
  std::unique_ptr<pb::Message> decoded = newMessage(kind);
  REQUIRE(decoded->ParseFromString(encodeEvent(ours.event, Encoding::kProtobuf)));
  INFO("ours: " << decoded->ShortDebugString()
                << "\nprotobuf: " << expected.message->ShortDebugString());
  CHECK(pb::util::MessageDifferencer::Equals(*decoded, *expected.message));
}

// JSON values to put in every field. Strings, numbers of every shape, numeric strings,
// booleans, null, arrays and objects.
const char* const kValuePool[] = {
    R"("x")",
    R"("")",
    R"("agent-7")",
    R"("\u00e9\n\"")",
    R"("850")",
    R"("-7")",
    R"("+5")",
    R"("05")",
    R"("1e2")",
    R"("1E2")",
    R"("1.5")",
    R"(".5")",
    R"("-.5")",
    R"(" 5")",
    R"("5 ")",
    R"("NaN")",
    R"("Infinity")",
    R"("-Infinity")",
    R"("nan")",
    R"("inf")",
    R"("abc")",
    R"("2147483647")",
    R"("2147483648")",
    R"("-2147483648")",
    R"("-2147483649")",
    R"("4294967295")",
    R"("4294967296")",
    R"("-0")",
    R"("1e400")",
    "0",
    "-0",
    "7",
    "-7",
    "1.5",
    "0.1",
    "1e2",
    "1E2",
    "5.0",
    "-0.0",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "1e400",
    "1e-400",
    "123456789012345678901234567890",
    "true",
    "false",
    "null",
    "[]",
    R"(["x"])",
    R"(["x","y"])",
    "[1]",
    "[true]",
    "[{}]",
    "{}",
    R"({"a":1})",
    "tru",
    "-",
    "01",
    "1e",
    R"("\ud800")",
};

bool isString(std::string_view value) { return !value.empty() && value.front() == '"'; }

TEST_CASE("differential: every field x every value agrees with JsonStringToMessage") {
  int compared = 0;
  for (EventKind kind : kKinds) {
    const pb::Descriptor* descriptor = newMessage(kind)->GetDescriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const pb::FieldDescriptor* field = descriptor->field(i);
      for (const std::string& name : {field->json_name(), field->name()}) {
        for (const std::string value : kValuePool) {
          // protobuf 3.21 accepts a bare string for a repeated field; we require an array
          // (see the divergence test).
          if (field->is_repeated() && isString(value)) continue;
          const std::string payload = field->name() == "agent_id"
                                          ? "{\"" + name + "\":" + value + "}"
                                          : R"({"agentId":"a",")" + name + "\":" + value + "}";
          checkAgainstOracle(kind, payload);
          ++compared;
        }
      }
    }
  }
  CHECK(compared > 1000);
}

TEST_CASE("differential: hand-written documents agree with JsonStringToMessage") {
  const char* const documents[] = {
      R"({"agentId":"agent-7","taskId":"t-1042","duration":850})",
      R"({"agentId":"agent-7","taskId":"t-1042","requiredCapabilities":["gpu","linux"],"priority":3})",
      R"({"agentId":"a","cpuUsage":72.5,"memoryUsage":40.25,"capabilities":["gpu"],"priority":2,"status":"busy","concurrency":4})",
      R"({"agentId":"a","status":"sleeping"})",
      R"({"agent\u0049d":"a"})",
      R"({"agentId":"a\u0000b"})",
      R"({"agentId":"a","unknown":{"deep":[1,[2,[3,{"x":null}]]]}})",
      R"({"agentId":"a","unknown":123456789012345678901234567890})",
      R"({"agentId":"a","AgentId":"b"})",
      R"({"AGENT_ID":"a"})",
      R"(  {"agentId":"a"}  )",
      "{\"agentId\":\"a\"}\n",
      R"({"agentId":"a"} x)",
      R"({"agentId":"a"}{})",
      R"({"agentId":"a")",
      R"([{"agentId":"a"}])",
      R"("agentId")",
      "",
      "{}",
      R"({"agentId":null})",
      R"({"agentId":"a","x":tru})",
      R"({"agentId":"a","x":"\ud800"})",
      R"({"agentId":"a","x":"\ud83d\ude00"})",
      R"({"agentId":"a","cpuUsage":01})",
      R"({"agentId":"a","cpuUsage":NaN})",
      R"({"agentId":"a","cpuUsage":-})",
      "{\"agentId\":\"\xc3\xa9\"}",
      "\x0a\x07"
      "agent-7",
  };
  for (const char* document : documents) {
    for (EventKind kind : kKinds) checkAgainstOracle(kind, document);
  }
  // The goldens, too.
  checkAgainstOracle(EventKind::kTaskAssigned, testing::readGolden("task_assigned.json"));
  checkAgainstOracle(EventKind::kTaskCompleted, testing::readGolden("task_completed.json"));
  checkAgainstOracle(EventKind::kTaskFailed, testing::readGolden("task_failed.json"));
  checkAgainstOracle(EventKind::kAgentMetrics, testing::readGolden("agent_metrics.json"));
}

// Inputs protobuf 3.21 accepts and we reject on purpose (docs/codec.md, "Strictness").
TEST_CASE("differential: where protobuf 3.21 is lax, we are strict") {
  const char* const lax[] = {
      R"({agentId:"a"})",                   // unquoted key
      R"({'agentId':'a'})",                 // single quotes
      R"({"agentId":"a",})",                // trailing comma
      R"({"agentId":"a","x":[1,2,]})",      // trailing comma in an array
      R"({"agentId":"a","x":"\x"})",        // invalid escape
      R"({"agentId":"a","cpuUsage":1.})",   // "1." is not a JSON number
      R"({"agentId":"a","agentId":"b"})",   // duplicate key
      R"({"agentId":"a","agent_id":"b"})",  // duplicate, other spelling
      R"({"agentId":"a","capabilities":["x"],"capabilities":["y"]})",
      R"({"agentId":"a","capabilities":"x"})",         // bare value for a repeated field
      R"({"agentId":"a","capabilities":[["x"]]})",     // nested array
      R"({"agentId":"a","capabilities":["x",null]})",  // null element
      R"({"agentId":"a","cpuUsage":"0x10"})",          // hex in a numeric string
  };
  for (const char* document : lax) {
    const DecodeResult ours = testing::jsonMetrics(document);
    INFO(document);
    CHECK_FALSE(ours.ok);
  }
}

}  // namespace
}  // namespace wss::codec
