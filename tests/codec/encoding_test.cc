// Content-Type handling and the contract's sniffing rule.
#include <catch2/catch.hpp>

#include "sidecar/codec/codec.h"

namespace wss::codec {
namespace {

TEST_CASE("contentType names each encoding") {
  CHECK(contentType(Encoding::kJson) == "application/json");
  CHECK(contentType(Encoding::kProtobuf) == "application/protobuf");
}

TEST_CASE("the Content-Type header wins over the payload") {
  CHECK(detectEncoding("application/json", "\x0a\x01x") == Encoding::kJson);
  CHECK(detectEncoding("application/protobuf", "{\"agentId\":\"a\"}") == Encoding::kProtobuf);
  CHECK(detectEncoding("application/x-protobuf", "{}") == Encoding::kProtobuf);
  CHECK(detectEncoding("Application/JSON; charset=utf-8", "") == Encoding::kJson);
  CHECK(detectEncoding("  application/protobuf ;proto=wss.v1.TaskCompleted", "{") ==
        Encoding::kProtobuf);
}

TEST_CASE("without a known header, a leading '{' means JSON") {
  CHECK(detectEncoding("", "{\"agentId\":\"a\"}") == Encoding::kJson);
  CHECK(detectEncoding("", " \r\n\t{") == Encoding::kJson);
  CHECK(detectEncoding("",
                       "\x0a\x07"
                       "agent-7") == Encoding::kProtobuf);
  CHECK(detectEncoding("", "") == Encoding::kProtobuf);
  CHECK(detectEncoding("", "   ") == Encoding::kProtobuf);
  CHECK(detectEncoding("", "[1]") == Encoding::kProtobuf);
  // An unknown media type is treated as no header at all.
  CHECK(detectEncoding("text/plain", "{}") == Encoding::kJson);
  CHECK(detectEncoding("application/jsonx", "\x0a\x01x") == Encoding::kProtobuf);
}

TEST_CASE("a payload decoded with the wrong content type is rejected, not misread") {
  const std::string json = R"({"agentId":"agent-7","taskId":"t-1042","duration":850})";
  const std::string proto = encodeEvent(
      core::TaskCompleted{.agent_id = "agent-7", .task_id = "t-1042"}, Encoding::kProtobuf);
  // JSON bytes labelled application/protobuf.
  const DecodeResult as_proto =
      decodeEvent(EventKind::kTaskCompleted, detectEncoding("application/protobuf", json), json);
  CHECK_FALSE(as_proto.ok);
  CHECK_FALSE(as_proto.error.empty());
  // Protobuf bytes labelled application/json.
  const DecodeResult as_json =
      decodeEvent(EventKind::kTaskCompleted, detectEncoding("application/json", proto), proto);
  CHECK_FALSE(as_json.ok);
  CHECK_FALSE(as_json.error.empty());
}

}  // namespace
}  // namespace wss::codec
