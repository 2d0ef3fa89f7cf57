// A snapshot: a coordinator's StateImage (core/state_image.h) plus what a restoring replica
// needs around it, to protobuf bytes (schemas/snapshot.proto) and back.
//
// The bytes carry their format number; decoding refuses another format, malformed bytes and
// values no coordinator could hold (a negative age, an unknown status), so a replica never
// restores a state it misread. Pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/core/state_image.h"

namespace wss::snapshot {

// Bump on any change a reader of the old format would misread. 2: taken_unix_ms (a format-1
// reader would restore a stored snapshot's ages without the time it spent in the bucket).
inline constexpr std::uint32_t kFormat = 2;

struct Snapshot {
  core::StateImage image;
  std::vector<std::uint64_t> recent_events;  // eventHash() of what the taker applied lately
  std::uint64_t stream_sequence = 0;
  std::int64_t taken_unix_ms = 0;  // the taker's wall clock; 0: unknown (a peer's, live)
};

[[nodiscard]] std::string encode(const Snapshot& snapshot);

struct DecodeResult {
  bool ok = false;
  Snapshot snapshot;
  std::string error;
};
[[nodiscard]] DecodeResult decode(std::string_view bytes);

}  // namespace wss::snapshot
