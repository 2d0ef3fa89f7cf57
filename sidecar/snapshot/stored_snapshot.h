// A snapshot stored in a JetStream KV bucket (state.snapshotBucket): its keys, its head, and
// the checks a stored snapshot must pass before a replica restores it and resumes the state
// stream after it.
//
// Layout, per group (ha.group, "default" without ha): the pieces of a snapshot (chunks.h) under
// `<group>.s<slot>.<index>` and a head under `<group>.head` naming the slot, the transfer, the
// piece count and the stream sequence the snapshot covers. A writer fills the slot the head
// does not name, then rewrites the head: a reader only ever follows a complete head, and two
// slots bound what the bucket holds (history 1) whatever the number of snapshots written. A
// reader racing a writer that refills the slot it reads gets pieces of another transfer,
// which the assembler refuses: a refusal, never a mixed state. Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sidecar/core/state_image.h"

namespace wss::snapshot {

// What `<group>.head` holds (as JSON, so `nats kv get` shows it).
struct StoredHead {
  std::uint32_t format = 0;  // snapshot_codec.h kFormat of the pieces' snapshot
  std::uint32_t slot = 0;    // 0 or 1
  std::uint64_t transfer = 0;
  std::uint32_t pieces = 0;
  std::uint64_t stream_sequence = 0;  // the last stream sequence the snapshot covers
  std::uint64_t bytes = 0;            // the encoded snapshot's size
  std::int64_t taken_unix_ms = 0;
  std::int64_t stream_created_ns = 0;  // when the stream it covers was made
};

[[nodiscard]] std::string headKey(std::string_view group);
[[nodiscard]] std::string pieceKey(std::string_view group, std::uint32_t slot, std::uint32_t index);

[[nodiscard]] std::string encodeHead(const StoredHead& head);
// nullopt when `bytes` is not a head this build can follow (malformed, a slot other than 0 or
// 1, no pieces).
[[nodiscard]] std::optional<StoredHead> decodeHead(std::string_view bytes);

// Why a snapshot covering the stream up to `sequence` cannot seed a consumer of a stream that
// holds [first, last] (first = last + 1 when empty, 0 and 0 when never written); empty when it
// can. Refused: no sequence (not taken from a stream); events after it already dropped by the
// stream's limits (first > sequence + 1); a sequence beyond the stream's last (another stream
// under the same name, or one purged and refilled).
[[nodiscard]] std::string coverageProblem(std::uint64_t sequence, std::uint64_t first,
                                          std::uint64_t last);
// Why a snapshot of the stream made at `covered_ns` cannot seed a consumer of the one made at
// `created_ns` (deleted and made again since: its sequences number other events); empty when
// it can.
[[nodiscard]] std::string incarnationProblem(std::int64_t covered_ns, std::int64_t created_ns);

// Ages `image` by `gap_ms` (the wall-clock time between taking and restoring it; a negative
// gap, from clock skew, counts as 0): everything heard that much longer ago, every bench that
// much shorter.
void ageImage(core::StateImage& image, std::int64_t gap_ms);

}  // namespace wss::snapshot
