// State snapshots from the KV bucket (state.snapshotBucket), the reading half: at start,
// before the state stream is consumed, the newest snapshot of the group is read back
// (state_snapshots.h writes them), checked against the stream, and aged by the time it spent
// in the bucket, so the owner can restore it and the stream resume after its sequence.
//
// Anything doubtful refuses it: a head or piece that is missing or unreadable, a CRC
// mismatch, another format, a snapshot older than the stream's first event or newer than its
// last. A refusal means a full replay from the stream's first event: slower, never wrong.
// Blocking: the main thread, connected.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "sidecar/snapshot/snapshot_codec.h"

namespace wss::app {

struct StoredFetch {
  enum class Outcome : std::uint8_t { kRestorable, kAbsent, kRefused };
  Outcome outcome = Outcome::kRefused;
  snapshot::Snapshot snapshot;  // kRestorable: decoded, its ages grown by gap_ms
  std::int64_t gap_ms = 0;      // wall-clock time since it was taken
  std::string why;              // kAbsent, kRefused: one line for the log
};

// Reads group `group`'s snapshot from `bucket` (creating the bucket when absent) and checks it
// against stream `stream`; each JetStream call waits at most `timeout`. Never throws.
[[nodiscard]] StoredFetch fetchStoredSnapshot(natsConnection* nc, const std::string& bucket,
                                              const std::string& group, const std::string& stream,
                                              std::chrono::milliseconds timeout);

}  // namespace wss::app
