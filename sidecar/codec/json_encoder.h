// The JSON half of encoding: core values -> proto3 JSON mapping text.
//
// Internal to the codec; callers use codec.h. Output is compact, fields in proto field-number
// order, lowerCamelCase names. Events omit default-valued fields except agentId (always
// written) and proto3 optional fields (written whenever present, even when 0); WorkSteal
// writes every field, so dashboards see a stable shape. Strings are escaped by the escaper
// the logs share (sidecar/common/json_escape.h): RFC 8259 plus DEL as \u007f; bytes that are
// not valid UTF-8 become U+FFFD, so the output is always valid JSON.
#pragma once

#include <string>

#include "sidecar/core/events.h"

namespace wss::codec::internal {

[[nodiscard]] std::string encodeJsonEvent(const core::Event& event);
[[nodiscard]] std::string encodeJsonStealOrder(const core::StealOrder& order);

// Appends `text` to `out` as a quoted JSON string. Exposed for tests.
void appendJsonString(std::string& out, std::string_view text);

}  // namespace wss::codec::internal
