#include "sidecar/app/state_snapshots.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "sidecar/snapshot/chunks.h"
#include "sidecar/snapshot/stored_snapshot.h"
#include "sidecar/transport/event_stream.h"
#include "sidecar/transport/kv_snapshot_store.h"

namespace wss::app {
namespace {

// Room for the KV message's own headers under max_payload.
constexpr std::int64_t kPieceOverhead = 4 * 1024;

std::size_t pieceBytes(std::int64_t max_payload) {
  return max_payload > 2 * kPieceOverhead ? static_cast<std::size_t>(max_payload - kPieceOverhead)
                                          : static_cast<std::size_t>(kPieceOverhead);
}

std::uint64_t newTransfer() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return random();
}

std::int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

observability::StateSnapshotCounts StateSnapshotCounters::load() const {
  observability::StateSnapshotCounts out;
  out.written = written.load(std::memory_order_relaxed);
  out.write_failures = write_failures.load(std::memory_order_relaxed);
  out.last_sequence = last_sequence.load(std::memory_order_relaxed);
  out.last_bytes = last_bytes.load(std::memory_order_relaxed);
  out.bytes_written = bytes_written.load(std::memory_order_relaxed);
  out.restores = restores.load(std::memory_order_relaxed);
  out.restore_refusals = restore_refusals.load(std::memory_order_relaxed);
  out.restore_absent = restore_absent.load(std::memory_order_relaxed);
  out.restored_sequence = restored_sequence.load(std::memory_order_relaxed);
  return out;
}

std::string snapshotGroup(const config::Config& config) {
  return config.ha.enabled ? config.ha.group : "default";
}

StateSnapshotWriter::StateSnapshotWriter(natsConnection* nc, std::string bucket, std::string group,
                                         std::string stream, std::chrono::milliseconds timeout,
                                         StateSnapshotCounters& counters, const Clock& clock)
    : nc_(nc),
      bucket_(std::move(bucket)),
      group_(std::move(group)),
      stream_(std::move(stream)),
      timeout_(timeout),
      counters_(counters),
      throttle_(clock, std::chrono::seconds(60)),
      thread_([this] { run(); }) {}

StateSnapshotWriter::~StateSnapshotWriter() { stop(); }

void StateSnapshotWriter::offer(snapshot::Snapshot snapshot) {
  snapshot.taken_unix_ms = wallClockMs();
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    slot_ = std::move(snapshot);  // a newer one replaces one not written yet
  }
  wake_.notify_one();
}

void StateSnapshotWriter::stop() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  quit_ = true;
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void StateSnapshotWriter::run() {
  for (;;) {
    std::optional<snapshot::Snapshot> next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || slot_.has_value(); });
      if (stopping_) return;
      next.swap(slot_);
    }
    write(*next);
  }
}

bool StateSnapshotWriter::bind() {
  if (store_) return true;
  std::string error;
  // The stream's creation time goes into every head: a reader refuses a snapshot of a stream
  // deleted and made again since.
  const transport::StreamBounds bounds = transport::streamBounds(nc_, stream_, timeout_.count());
  if (!bounds.found) {
    failed("cannot look up stream '" + stream_ + "': " + bounds.error);
    return false;
  }
  store_ = transport::KvSnapshotStore::open(nc_, bucket_, timeout_, &error);
  if (!store_) {
    failed("cannot use bucket '" + bucket_ + "': " + error);
    return false;
  }
  stream_created_ns_ = bounds.created_ns;
  // Fill the slot the current head does not name, so its snapshot stays whole meanwhile.
  const transport::KvSnapshotStore::Value head = store_->get(snapshot::headKey(group_));
  if (const auto decoded = head.found ? snapshot::decodeHead(head.bytes) : std::nullopt) {
    next_slot_ = 1 - decoded->slot;
    slot_pieces_[decoded->slot] = decoded->pieces;
  }
  return true;
}

void StateSnapshotWriter::write(snapshot::Snapshot& snapshot) {
  if (!bind()) return;
  const auto started = std::chrono::steady_clock::now();
  const std::string bytes = snapshot::encode(snapshot);
  const std::uint64_t transfer = newTransfer();
  const std::vector<std::string> pieces =
      snapshot::split(bytes, transfer, pieceBytes(store_->maxValueBytes()));
  const std::uint32_t slot = next_slot_;
  // Written pieces may be left behind by a failure: remember the most the slot may hold.
  slot_pieces_[slot] = std::max<std::uint32_t>(slot_pieces_[slot], pieces.size());
  std::uint64_t sent = 0;
  for (std::uint32_t i = 0; i < pieces.size(); ++i) {
    if (quit_) return;  // shutting down: the head still names the previous, whole snapshot
    if (transport::Status put = store_->put(snapshot::pieceKey(group_, slot, i), pieces[i]);
        !put.ok) {
      failed(put.error);
      return;
    }
    sent += pieces[i].size();
  }
  snapshot::StoredHead head{snapshot::kFormat,
                            slot,
                            transfer,
                            static_cast<std::uint32_t>(pieces.size()),
                            snapshot.stream_sequence,
                            bytes.size(),
                            snapshot.taken_unix_ms,
                            stream_created_ns_};
  if (transport::Status put = store_->put(snapshot::headKey(group_), snapshot::encodeHead(head));
      !put.ok) {
    failed(put.error);
    return;
  }
  // Pieces of the slot's previous snapshot beyond this one's count: nobody reads them now.
  for (std::uint32_t i = pieces.size(); i < slot_pieces_[slot]; ++i) {
    (void)store_->remove(snapshot::pieceKey(group_, slot, i));
  }
  slot_pieces_[slot] = pieces.size();
  next_slot_ = 1 - slot;
  const std::uint64_t written = counters_.written.fetch_add(1, std::memory_order_relaxed) + 1;
  counters_.last_sequence.store(snapshot.stream_sequence, std::memory_order_relaxed);
  counters_.last_bytes.store(bytes.size(), std::memory_order_relaxed);
  counters_.bytes_written.fetch_add(sent, std::memory_order_relaxed);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (written == 1) {
    spdlog::info(
        "state: first snapshot written to bucket '{}' (sequence {}, {} bytes in {} "
        "pieces, {} ms); more every state.snapshotInterval",
        bucket_, snapshot.stream_sequence, bytes.size(), pieces.size(), ms);
  } else {
    spdlog::debug("state: snapshot of sequence {} written ({} bytes in {} pieces, {} ms)",
                  snapshot.stream_sequence, bytes.size(), pieces.size(), ms);
  }
}

void StateSnapshotWriter::failed(const std::string& why) {
  store_.reset();  // bind again next time: the bucket may be gone, the head's slot unknown
  counters_.write_failures.fetch_add(1, std::memory_order_relaxed);
  throttle_.warn("state: snapshot write",
                 "state: snapshot not written ({}); the previous one stays, a restart replays "
                 "more of the stream (snapshotWriteFailures in work.stats)",
                 why);
}

}  // namespace wss::app
