// The protobuf half of the codec: wss.v1 binary messages <-> core values.
//
// Internal to the codec; callers use codec.h, which checks the payload size first. Decoding
// uses the generated classes (one reused message per thread), then applies the codec's own
// rules on top of proto3: agentId must be non-empty, doubles must be finite, counts must not
// be negative. Unknown fields are ignored, as protobuf does.
#pragma once

#include <string>
#include <string_view>

#include "sidecar/codec/codec.h"

namespace wss::codec::internal {

[[nodiscard]] DecodeResult decodeProtobufEvent(EventKind kind, std::string_view payload);
[[nodiscard]] StealOrderResult decodeProtobufStealOrder(std::string_view payload);
[[nodiscard]] BestAgentRequestResult decodeProtobufBestAgentRequest(std::string_view payload);

[[nodiscard]] std::string encodeProtobufEvent(const core::Event& event);
[[nodiscard]] std::string encodeProtobufStealOrder(const core::StealOrder& order);

}  // namespace wss::codec::internal
