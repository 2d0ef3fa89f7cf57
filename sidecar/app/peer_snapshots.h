// Peer snapshots (ha), the owner thread's half: a replica that starts holds the events it
// hears until the snapshot it asked a peer for arrives (peer_restore.h fetches it), restores
// it, and applies what it held minus the events the snapshot already covers; a running
// replica serves its state to one that starts, in pieces the outbound queue takes as it can.
//
// Why the held events are matched by fingerprint: core NATS numbers nothing, and two
// replicas hear the fleet's publishers interleaved differently, so there is no cut to resume
// from. The taker lists the fingerprints of what it applied in the last seconds; each held
// event found there is dropped once. Replaying those instead would not be harmless: a
// completion would count its duration twice, and the assignment of a task done since would
// bring it back. Owner thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/app/log_throttle.h"
#include "sidecar/app/recent_events.h"
#include "sidecar/app/work_item.h"
#include "sidecar/core/coordinator.h"
#include "sidecar/transport/bus.h"

namespace wss::app {

// Served in this content type; anything else on the reply subject is an error text (JSON).
inline constexpr std::string_view kSnapshotPieceType = "application/x-wss-snapshot-piece";

struct PeerSnapshotCounts {
  std::uint64_t restores = 0;           // started from a peer's snapshot
  std::uint64_t restore_failures = 0;   // started cold instead: none came, or it was refused
  std::uint64_t restored_tasks = 0;
  std::uint64_t overlap_dropped = 0;    // held events the snapshot already covered
  std::uint64_t held_overflow = 0;      // restores given up: too much to hold meanwhile
  std::uint64_t served = 0;             // snapshots sent to a starting replica
  std::uint64_t serve_failures = 0;     // refused (restoring, busy) or given up on
};

class PeerSnapshots {
 public:
  // `restoring`: this replica starts by holding events until handle(PeerSnapshot).
  PeerSnapshots(bool restoring, transport::Bus& bus, LogThrottle& throttle);

  [[nodiscard]] bool restoring() const { return restoring_; }
  // While restoring, keeps an event, a peer steal or a request for after the restore: true
  // when kept.
  // Past the bound it gives the restore up (cold start) and returns false: the caller then
  // applies takeReleased(), in order, before `item`.
  bool hold(WorkItem& item);
  [[nodiscard]] std::vector<WorkItem> takeReleased() { return std::move(released_); }
  // The owner applied an event.
  void applied(const InboundEvent& event, core::TimeMs now) {
    if (event.hash != 0) recent_.record(event.hash, now);
  }
  // Restores `coordinator` from the fetched snapshot when it is good, and returns what was
  // held meanwhile, minus what the snapshot covered, for the owner to apply in order.
  [[nodiscard]] std::vector<WorkItem> finishRestore(const PeerSnapshot& fetched,
                                                    core::Coordinator& coordinator,
                                                    core::TimeMs now);
  // Starts sending this replica's state to `request.reply`.
  void serve(const SnapshotRequest& request, const core::Coordinator& coordinator,
             core::TimeMs now);
  // Publishes the pieces the outbound queue takes now; when pieces are left, the time to try
  // again.
  [[nodiscard]] std::optional<core::TimeMs> drip(core::TimeMs now);
  [[nodiscard]] const PeerSnapshotCounts& counts() const { return counts_; }

 private:
  struct Transfer {
    std::string reply;
    std::vector<std::string> pieces;
    std::size_t next = 0;
    core::TimeMs give_up_at = 0;
  };
  std::vector<WorkItem> dropCovered(const std::vector<std::uint64_t>& covered);
  void refuse(const std::string& reply, const std::string& why);

  bool restoring_;
  transport::Bus& bus_;
  LogThrottle& throttle_;
  RecentEvents recent_;
  std::vector<WorkItem> held_;
  std::vector<WorkItem> released_;  // held_, after the bound made it give up
  std::optional<Transfer> transfer_;
  std::uint64_t transfers_ = 0;
  PeerSnapshotCounts counts_;
};

}  // namespace wss::app
