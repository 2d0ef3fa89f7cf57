#include "sidecar/app/state_restore.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "sidecar/snapshot/chunks.h"
#include "sidecar/snapshot/stored_snapshot.h"
#include "sidecar/transport/event_stream.h"
#include "sidecar/transport/kv_snapshot_store.h"

namespace wss::app {
namespace {

// The largest snapshot a replica takes in, as for peer restores.
constexpr std::size_t kMaxSnapshotBytes = 1024UL * 1024 * 1024;

StoredFetch refused(std::string why) {
  StoredFetch fetch;
  fetch.outcome = StoredFetch::Outcome::kRefused;
  fetch.why = std::move(why);
  return fetch;
}

std::int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Whether the stream is the one the snapshot covers and still holds every event after
// `sequence`; the refusal otherwise.
std::string checkStream(natsConnection* nc, const std::string& stream, std::uint64_t sequence,
                        std::int64_t covered_ns, std::chrono::milliseconds timeout) {
  const transport::StreamBounds bounds = transport::streamBounds(nc, stream, timeout.count());
  if (!bounds.found) return bounds.error;
  if (std::string why = snapshot::incarnationProblem(covered_ns, bounds.created_ns); !why.empty()) {
    return why;
  }
  return snapshot::coverageProblem(sequence, bounds.first, bounds.last);
}

// The pieces the head names, put back together; the refusal in `why` otherwise.
std::optional<std::string> assemble(transport::KvSnapshotStore& store, const std::string& group,
                                    const snapshot::StoredHead& head, std::string& why) {
  snapshot::Assembler assembler(kMaxSnapshotBytes);
  for (std::uint32_t i = 0; i < head.pieces; ++i) {
    const std::string key = snapshot::pieceKey(group, head.slot, i);
    transport::KvSnapshotStore::Value piece = store.get(key);
    if (!piece.found) {
      why = piece.error.empty() ? "piece '" + key + "' is missing" : piece.error;
      return std::nullopt;
    }
    const snapshot::Assembler::Step step = assembler.add(piece.bytes);
    if (step == snapshot::Assembler::Step::kFailed) {
      why = "piece '" + key + "': " + assembler.error();
      return std::nullopt;
    }
    if (step == snapshot::Assembler::Step::kDone) {
      if (i + 1 == head.pieces) return assembler.bytes();
      break;
    }
  }
  why = "its pieces do not make the " + std::to_string(head.pieces) +
        " the head names (a writer refilled the slot meanwhile?)";
  return std::nullopt;
}

}  // namespace

StoredFetch fetchStoredSnapshot(natsConnection* nc, const std::string& bucket,
                                const std::string& group, const std::string& stream,
                                std::chrono::milliseconds timeout) {
  std::string error;
  const std::unique_ptr<transport::KvSnapshotStore> store =
      transport::KvSnapshotStore::open(nc, bucket, timeout, &error);
  if (!store) return refused(error);
  const transport::KvSnapshotStore::Value stored = store->get(snapshot::headKey(group));
  if (!stored.found) {
    if (!stored.error.empty()) return refused(stored.error);
    StoredFetch absent;
    absent.outcome = StoredFetch::Outcome::kAbsent;
    absent.why = "no snapshot of group '" + group + "' in bucket '" + bucket + "' yet";
    return absent;
  }
  const std::optional<snapshot::StoredHead> head = snapshot::decodeHead(stored.bytes);
  if (!head) return refused("its head '" + snapshot::headKey(group) + "' is unreadable");
  if (head->format != snapshot::kFormat) {
    return refused("snapshot format " + std::to_string(head->format) + ", this build reads " +
                   std::to_string(snapshot::kFormat));
  }
  // Before the pieces: a snapshot the stream has outlived is not worth fetching.
  if (std::string why =
          checkStream(nc, stream, head->stream_sequence, head->stream_created_ns, timeout);
      !why.empty()) {
    return refused(why);
  }
  std::string why;
  const std::optional<std::string> bytes = assemble(*store, group, *head, why);
  if (!bytes) return refused(why);
  snapshot::DecodeResult decoded = snapshot::decode(*bytes);
  if (!decoded.ok) return refused(decoded.error);
  if (decoded.snapshot.taken_unix_ms <= 0) return refused("it says not when it was taken");
  // The pieces' own sequence rules: a refilled slot may hold a whole snapshot of another one.
  if (decoded.snapshot.stream_sequence != head->stream_sequence) {
    if (std::string later = checkStream(nc, stream, decoded.snapshot.stream_sequence,
                                        head->stream_created_ns, timeout);
        !later.empty()) {
      return refused(later);
    }
  }
  StoredFetch fetch;
  fetch.outcome = StoredFetch::Outcome::kRestorable;
  fetch.gap_ms = std::max<std::int64_t>(wallClockMs() - decoded.snapshot.taken_unix_ms, 0);
  fetch.snapshot = std::move(decoded.snapshot);
  snapshot::ageImage(fetch.snapshot.image, fetch.gap_ms);
  return fetch;
}

}  // namespace wss::app
