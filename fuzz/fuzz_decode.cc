// Fuzz target: every decoder on the same bytes, plus the invariants that tie them together.
//
// Built two ways (fuzz/CMakeLists.txt): with libFuzzer when WSS_FUZZ is on, and always as a
// corpus replayer run by CTest. Besides "no crash, no sanitizer report", it checks:
//  - JSON we accept is valid RFC 8259 JSON (nlohmann::json::accept as the referee);
//  - an accepted event has an agentId, and re-encoding it is stable in both encodings;
//  - the JSON encoder always emits JSON our decoder and nlohmann accept, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sidecar/codec/codec.h"

namespace {

using wss::codec::DecodeResult;
using wss::codec::Encoding;
using wss::codec::EventKind;

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_decode invariant violated: %s\n", what);
    std::abort();
  }
}

bool hasAgentId(const wss::core::Event& event) {
  return std::visit([](const auto& e) { return !e.agent_id.empty(); }, event);
}

void checkEvent(EventKind kind, Encoding encoding, std::string_view input) {
  const DecodeResult result = wss::codec::decodeEvent(kind, encoding, input);
  if (!result.ok) {
    require(!result.error.empty(), "a rejection carries a reason");
    return;
  }
  require(hasAgentId(result.event), "accepted events have an agentId");
  if (encoding == Encoding::kJson) {
    require(nlohmann::json::accept(input), "accepted JSON is valid JSON");
  }
  // Whatever we accepted re-encodes, in either encoding, to bytes we accept again, and the
  // second round gives the same bytes as the first.
  for (Encoding out : {Encoding::kJson, Encoding::kProtobuf}) {
    const std::string once = wss::codec::encodeEvent(result.event, out);
    const DecodeResult again = wss::codec::decodeEvent(kind, out, once);
    require(again.ok, "re-encoded events decode");
    require(wss::codec::encodeEvent(again.event, out) == once, "re-encoding is stable");
    if (out == Encoding::kJson) require(nlohmann::json::accept(once), "encoder emits JSON");
  }
}

void checkStealOrder(Encoding encoding, std::string_view input) {
  const wss::codec::StealOrderResult result = wss::codec::decodeStealOrder(encoding, input);
  if (!result.ok) return;
  for (Encoding out : {Encoding::kJson, Encoding::kProtobuf}) {
    const std::string once = wss::codec::encodeStealOrder(result.order, out);
    const wss::codec::StealOrderResult again = wss::codec::decodeStealOrder(out, once);
    require(again.ok, "re-encoded steal orders decode");
    require(wss::codec::encodeStealOrder(again.order, out) == once, "re-encoding is stable");
  }
}

// The raw bytes as a string inside an event: the encoder must escape anything into JSON we
// read back (invalid UTF-8 turns into U+FFFD; valid text survives exactly).
void checkEncoderEscaping(std::string_view input) {
  if (input.size() > wss::codec::kMaxPayloadBytes / 8) return;
  const wss::core::TaskFailed failed{.agent_id = "a", .task_id = "", .error = std::string(input)};
  const std::string json = wss::codec::encodeEvent(failed, Encoding::kJson);
  require(nlohmann::json::accept(json), "escaped output is valid JSON");
  const DecodeResult back = wss::codec::decodeEvent(EventKind::kTaskFailed, Encoding::kJson, json);
  require(back.ok, "escaped output decodes");
  const std::string& error = std::get<wss::core::TaskFailed>(back.event).error;
  // Each invalid byte grows into a 3-byte U+FFFD, so equal sizes mean the input was valid
  // UTF-8, and then it must come back unchanged.
  if (error.size() == input.size()) require(error == input, "valid text round-trips exactly");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool silenced = (wss::codec::silenceProtobufUtf8Logs(), true);
  static_cast<void>(silenced);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (EventKind kind : {EventKind::kTaskAssigned, EventKind::kTaskCompleted,
                         EventKind::kTaskFailed, EventKind::kAgentMetrics}) {
    checkEvent(kind, Encoding::kJson, input);
    checkEvent(kind, Encoding::kProtobuf, input);
  }
  checkStealOrder(Encoding::kJson, input);
  checkStealOrder(Encoding::kProtobuf, input);
  for (Encoding encoding : {Encoding::kJson, Encoding::kProtobuf}) {
    const auto request = wss::codec::decodeBestAgentRequest(encoding, input);
    require(request.ok || !request.error.empty(), "a rejection carries a reason");
  }
  static_cast<void>(wss::codec::detectEncoding("", input));
  checkEncoderEscaping(input);
  return 0;
}
