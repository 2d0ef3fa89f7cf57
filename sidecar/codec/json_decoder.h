// The JSON half of decoding: proto3 JSON mapping -> core values, on simdjson On-Demand.
//
// Internal to the codec; callers use codec.h, which checks the payload size first. The rules
// (strict RFC 8259 syntax, both field-name spellings, null as absent, numbers as strings,
// duplicate keys rejected, unknown fields validated then ignored) are in docs/codec.md.
// Each thread keeps its own parser and padded copy buffer, so any thread may call these.
#pragma once

#include <string_view>

#include "sidecar/codec/codec.h"

namespace wss::codec::internal {

// Nesting deeper than this (the top-level object is depth 1) is rejected, so a hostile
// payload can't recurse the validator of unknown fields into the stack.
inline constexpr int kMaxJsonDepth = 64;

// Needs payload.size() <= kMaxPayloadBytes. Never throws.
[[nodiscard]] DecodeResult decodeJsonEvent(EventKind kind, std::string_view payload);
[[nodiscard]] StealOrderResult decodeJsonStealOrder(std::string_view payload);
[[nodiscard]] BestAgentRequestResult decodeJsonBestAgentRequest(std::string_view payload);

}  // namespace wss::codec::internal
