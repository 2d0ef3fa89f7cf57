// Helpers shared by the codec tests: golden files and short decode calls.
#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "sidecar/codec/codec.h"

namespace wss::codec::testing {

// The bytes of tests/data/codec/<name>; empty when the file is missing (tests then fail on
// the content, not on a crash).
inline std::string readGolden(std::string_view name) {
  std::ifstream in(std::string(WSS_CODEC_TEST_DATA) + "/" + std::string(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline DecodeResult json(EventKind kind, std::string_view payload) {
  return decodeEvent(kind, Encoding::kJson, payload);
}

inline DecodeResult jsonMetrics(std::string_view payload) {
  return json(EventKind::kAgentMetrics, payload);
}

}  // namespace wss::codec::testing
