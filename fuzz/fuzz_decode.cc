// Fuzz target: every decoder on the same bytes, plus the invariants that tie them together.
//
// Built two ways (fuzz/CMakeLists.txt): with libFuzzer when WSS_FUZZ is on, and always as a
// corpus replayer run by CTest. Besides the invariants of fuzz/checks.h for every decoder, it
// checks that the JSON encoder escapes any bytes into JSON our decoder and nlohmann accept.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz/checks.h"
#include "sidecar/codec/codec.h"

namespace {

using wss::codec::DecodeResult;
using wss::codec::Encoding;
using wss::codec::EventKind;
using wss::fuzz::checkEvent;
using wss::fuzz::checkStealOrder;
using wss::fuzz::require;

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
  wss::fuzz::silenceProtobuf();
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
