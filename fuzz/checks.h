// The invariants the decoder fuzz targets check, beyond "no crash, no sanitizer report".
//
// Header-only, so each fuzz target stays one plain LLVMFuzzerTestOneInput file. A violated
// invariant aborts, which libFuzzer reports as a crash with its reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "sidecar/codec/codec.h"

namespace wss::fuzz {

inline void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

// Once per process: protobuf's own stderr line per invalid UTF-8 string would flood the log.
inline void silenceProtobuf() {
  static const bool silenced = (codec::silenceProtobufUtf8Logs(), true);
  static_cast<void>(silenced);
}

// An accepted event has an agentId, accepted JSON is valid JSON (nlohmann as the referee),
// and re-encoding in either encoding gives bytes we accept again, the same on a second round.
inline void checkEvent(codec::EventKind kind, codec::Encoding encoding, std::string_view input) {
  using codec::Encoding;
  const codec::DecodeResult result = codec::decodeEvent(kind, encoding, input);
  if (!result.ok) {
    require(!result.error.empty(), "a rejection carries a reason");
    return;
  }
  const bool has_agent =
      std::visit([](const auto& e) { return !e.agent_id.empty(); }, result.event);
  require(has_agent, "accepted events have an agentId");
  if (encoding == Encoding::kJson) {
    require(nlohmann::json::accept(input), "accepted JSON is valid JSON");
  }
  for (Encoding out : {Encoding::kJson, Encoding::kProtobuf}) {
    const std::string once = codec::encodeEvent(result.event, out);
    const codec::DecodeResult again = codec::decodeEvent(kind, out, once);
    require(again.ok, "re-encoded events decode");
    require(codec::encodeEvent(again.event, out) == once, "re-encoding is stable");
    if (out == Encoding::kJson) require(nlohmann::json::accept(once), "encoder emits JSON");
  }
}

// The same for the WorkSteal decoder.
inline void checkStealOrder(codec::Encoding encoding, std::string_view input) {
  using codec::Encoding;
  const codec::StealOrderResult result = codec::decodeStealOrder(encoding, input);
  if (!result.ok) {
    require(!result.error.empty(), "a rejection carries a reason");
    return;
  }
  if (encoding == Encoding::kJson) {
    require(nlohmann::json::accept(input), "accepted JSON is valid JSON");
  }
  for (Encoding out : {Encoding::kJson, Encoding::kProtobuf}) {
    const std::string once = codec::encodeStealOrder(result.order, out);
    const codec::StealOrderResult again = codec::decodeStealOrder(out, once);
    require(again.ok, "re-encoded steal orders decode");
    require(codec::encodeStealOrder(again.order, out) == once, "re-encoding is stable");
  }
}

// Both encodings of one inbound message kind on the same bytes.
inline void checkEventBothEncodings(codec::EventKind kind, std::string_view input) {
  silenceProtobuf();
  checkEvent(kind, codec::Encoding::kJson, input);
  checkEvent(kind, codec::Encoding::kProtobuf, input);
}

}  // namespace wss::fuzz
