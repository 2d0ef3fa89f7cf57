// Bytes <-> core events for every message of the contract, in protobuf and in JSON.
//
// JSON is the proto3 JSON mapping of schemas/fleet.proto (lowerCamelCase names; the original
// snake_case names are accepted too, as the mapping requires). The JSON decoder is a
// hand-rolled simdjson On-Demand reader, because protobuf's JsonStringToMessage costs
// ~2.3 us per event; it rejects what the mapping rejects (wrong types, bad numbers) plus a
// missing agentId. Unknown fields are ignored so fleets can add their own.
// All functions are pure and thread-safe; none throws. docs/codec.md has the exact rules
// (duplicate keys, null, numbers as strings, what JSON output omits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/core/events.h"

namespace wss::codec {

enum class Encoding : std::uint8_t { kProtobuf, kJson };

// The inbound message kinds, one per inbound subject.
enum class EventKind : std::uint8_t { kTaskAssigned, kTaskCompleted, kTaskFailed, kAgentMetrics };

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kProtobufContentType = "application/protobuf";
// Payloads larger than this are rejected before parsing.
inline constexpr std::size_t kMaxPayloadBytes = 64 * 1024;

[[nodiscard]] std::string_view contentType(Encoding encoding);
// By Content-Type header when present (parameters like "; charset=utf-8" allowed), else JSON
// when the first non-blank byte is '{', else protobuf.
[[nodiscard]] Encoding detectEncoding(std::string_view content_type, std::string_view payload);

struct DecodeResult {
  bool ok = false;
  core::Event event;
  std::string error;  // why it was rejected, when !ok; short, safe to log
};

// Decodes one inbound event. Never throws; any bytes are safe input.
[[nodiscard]] DecodeResult decodeEvent(EventKind kind, Encoding encoding, std::string_view payload);

// Encodes one event as the fleet would publish it (used by fleet-sim, tests, benchmarks).
[[nodiscard]] std::string encodeEvent(const core::Event& event, Encoding encoding);

[[nodiscard]] std::string encodeStealOrder(const core::StealOrder& order, Encoding encoding);

struct StealOrderResult {
  bool ok = false;
  core::StealOrder order;
  std::string error;
};
[[nodiscard]] StealOrderResult decodeStealOrder(Encoding encoding, std::string_view payload);

// work.bestAgent request: {"requiredCapabilities": [...]} or BestAgentRequest bytes; an
// empty payload means no requirement.
struct BestAgentRequestResult {
  bool ok = false;
  std::vector<std::string> required_capabilities;
  std::string error;
};
[[nodiscard]] BestAgentRequestResult decodeBestAgentRequest(Encoding encoding,
                                                            std::string_view payload);

// protobuf itself logs a line to stderr for every string field with invalid UTF-8 it parses,
// which would bypass the sidecar's rate-limited logging on hostile input. Call once at
// startup, before any decoding thread runs, to drop exactly those lines (the rejection is
// still reported through the result's error); other protobuf log lines still go to stderr.
void silenceProtobufUtf8Logs();

}  // namespace wss::codec
