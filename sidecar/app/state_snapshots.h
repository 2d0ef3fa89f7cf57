// State snapshots into the KV bucket (state.snapshotBucket), the writing half: the owner thread
// takes an image of its state every state.snapshotInterval and offers it here; a writer thread
// of its own encodes it, splits it under the server's max_payload and stores it
// (snapshot/stored_snapshot.h gives the layout), so the owner thread never waits on NATS.
//
// One slot: a snapshot offered while the previous one is still being written replaces any
// other one waiting, so a slow bucket costs memory for at most two images. state_restore.h
// reads them back at start.
#pragma once

#include <nats/nats.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "sidecar/app/clock.h"
#include "sidecar/app/log_throttle.h"
#include "sidecar/config/config.h"
#include "sidecar/observability/metrics_snapshot.h"
#include "sidecar/snapshot/snapshot_codec.h"

namespace wss::transport {
class KvSnapshotStore;
}

namespace wss::app {

// Written by the writer thread (writes) and the main thread (the restore at start); read by
// the owner thread for work.stats and /metrics. Any thread.
struct StateSnapshotCounters {
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> write_failures{0};
  std::atomic<std::uint64_t> last_sequence{0};  // of the last snapshot written
  std::atomic<std::uint64_t> last_bytes{0};     // its encoded size
  std::atomic<std::uint64_t> bytes_written{0};  // pieces, in all
  std::atomic<std::uint64_t> restores{0};       // starts from a stored snapshot
  std::atomic<std::uint64_t> restore_refusals{0};
  std::atomic<std::uint64_t> restore_absent{0};  // no snapshot stored yet
  std::atomic<std::uint64_t> restored_sequence{0};

  [[nodiscard]] observability::StateSnapshotCounts load() const;
};

// Where the owner thread hands its snapshots. Owner thread.
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  // Takes `snapshot` (its image taken just now) to store; never blocks on NATS.
  virtual void offer(snapshot::Snapshot snapshot) = 0;
};

// The group's key prefix in the bucket: ha.group, or "default" without ha.
[[nodiscard]] std::string snapshotGroup(const config::Config& config);

class StateSnapshotWriter final : public SnapshotSink {
 public:
  // Binds the bucket lazily, on its thread, and again after a failure. `nc` and `counters`
  // outlive the writer. Starts the thread.
  // `stream`: the state stream, whose creation time each head records (stored_snapshot.h).
  StateSnapshotWriter(natsConnection* nc, std::string bucket, std::string group,
                      std::string stream, std::chrono::milliseconds timeout,
                      StateSnapshotCounters& counters, const Clock& clock);
  // Stops: a write under way ends before its next call (each within `timeout`), leaving the
  // head as it was; one waiting is dropped.
  ~StateSnapshotWriter() override;
  StateSnapshotWriter(const StateSnapshotWriter&) = delete;
  StateSnapshotWriter& operator=(const StateSnapshotWriter&) = delete;

  // SnapshotSink. Stamps it with the wall-clock time. Owner thread.
  void offer(snapshot::Snapshot snapshot) override;
  // Stops the thread (idempotent). Main thread, before the connection closes.
  void stop();

 private:
  void run();
  void write(snapshot::Snapshot& snapshot);
  [[nodiscard]] bool bind();
  void failed(const std::string& why);

  natsConnection* nc_;
  std::string bucket_;
  std::string group_;
  std::string stream_;
  std::int64_t stream_created_ns_ = 0;  // the writer thread: found when binding
  std::chrono::milliseconds timeout_;
  StateSnapshotCounters& counters_;
  LogThrottle throttle_;
  std::unique_ptr<transport::KvSnapshotStore> store_;  // writer thread
  std::uint32_t next_slot_ = 0;                        // writer thread
  std::array<std::uint32_t, 2> slot_pieces_{};         // what each slot held, when known
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<snapshot::Snapshot> slot_;  // guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_
  std::atomic<bool> quit_{false};           // stop(): a write under way ends between pieces
  std::thread thread_;
};

}  // namespace wss::app
