#include "sidecar/app/peer_snapshots.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "sidecar/app/service_replies.h"
#include "sidecar/snapshot/chunks.h"
#include "sidecar/snapshot/snapshot_codec.h"

namespace wss::app {
namespace {

// How far back the fingerprints a snapshot carries reach: far more than the time between a
// replica subscribing and its request being served.
constexpr core::TimeMs kRecentWindowMs = 10'000;
constexpr std::size_t kMaxRecent = 1U << 19;  // 4 MiB of fingerprints at most
// What a restoring replica holds at most before it gives the restore up and starts cold.
constexpr std::size_t kMaxHeld = 1'000'000;
// Pieces: what the asker wants, within these bounds.
constexpr std::size_t kMinPiece = 4 * 1024;
constexpr std::size_t kMaxPiece = 8 * 1024 * 1024;
// A transfer the outbound queue has not taken in this long is given up on.
constexpr core::TimeMs kTransferTimeoutMs = 30'000;
constexpr core::TimeMs kDripRetryMs = 5;

// Events and steals wait for the state they apply to; requests too, so no reply shows a
// half-known fleet. A snapshot request is refused at once instead (it would wait for us).
bool holdable(const WorkItem& item) {
  return std::holds_alternative<InboundEvent>(item) || std::holds_alternative<PeerSteal>(item) ||
         std::holds_alternative<ServiceRequest>(item);
}

}  // namespace

PeerSnapshots::PeerSnapshots(bool restoring, transport::Bus& bus, LogThrottle& throttle)
    : restoring_(restoring), bus_(bus), throttle_(throttle), recent_(kRecentWindowMs, kMaxRecent) {}

bool PeerSnapshots::hold(WorkItem& item) {
  if (!restoring_ || !holdable(item)) return false;
  if (held_.size() < kMaxHeld) {
    held_.push_back(std::move(item));
    return true;
  }
  restoring_ = false;
  ++counts_.held_overflow;
  ++counts_.restore_failures;
  spdlog::warn("ha: {} events arrived before a peer's snapshot; starting cold with them",
               held_.size());
  released_ = std::move(held_);
  return false;
}

std::vector<WorkItem> PeerSnapshots::finishRestore(const PeerSnapshot& fetched,
                                                   core::Coordinator& coordinator,
                                                   core::TimeMs now) {
  if (!restoring_) return {};  // given up already
  restoring_ = false;
  std::string error = fetched.error;
  snapshot::DecodeResult decoded;
  if (fetched.ok) {
    decoded = snapshot::decode(fetched.bytes);
    if (!decoded.ok) error = "refused the snapshot: " + decoded.error;
  }
  core::RestoreResult restored;
  if (decoded.ok) {
    restored = coordinator.restore(decoded.snapshot.image, now);
    if (!restored.ok) error = "refused the snapshot: " + restored.error;
  }
  if (!restored.ok) {
    ++counts_.restore_failures;
    spdlog::warn("ha: starting cold (no peer state): {}", error);
    return std::move(held_);
  }
  ++counts_.restores;
  counts_.restored_tasks += restored.tasks;
  const std::size_t held = held_.size();
  std::vector<WorkItem> rest = dropCovered(decoded.snapshot.recent_events);
  spdlog::info(
      "ha: restored {} agents, {} tasks and {} unconfirmed steals from a peer ({} bytes); "
      "applying {} of the {} events heard meanwhile (the snapshot held the others)",
      restored.agents, restored.tasks, restored.steals, fetched.bytes.size(), rest.size(), held);
  return rest;
}

std::vector<WorkItem> PeerSnapshots::dropCovered(const std::vector<std::uint64_t>& covered) {
  std::unordered_map<std::uint64_t, std::uint32_t> left;
  for (const std::uint64_t hash : covered) ++left[hash];
  std::vector<WorkItem> rest;
  rest.reserve(held_.size());
  for (WorkItem& item : held_) {
    const auto* event = std::get_if<InboundEvent>(&item);
    if (event != nullptr && event->hash != 0) {
      auto it = left.find(event->hash);
      if (it != left.end() && it->second > 0) {
        --it->second;
        ++counts_.overlap_dropped;
        continue;
      }
    }
    rest.push_back(std::move(item));
  }
  held_.clear();
  return rest;
}

void PeerSnapshots::refuse(const std::string& reply, const std::string& why) {
  ++counts_.serve_failures;
  throttle_.warn("ha: snapshot refused", "ha: not serving a snapshot: {}", why);
  (void)bus_.publish(transport::Outbound::kReply, reply, errorReply(why).body, kReplyContentType);
}

void PeerSnapshots::serve(const SnapshotRequest& request, const core::Coordinator& coordinator,
                          core::TimeMs now) {
  if (request.reply.empty()) return;
  if (restoring_) return refuse(request.reply, "this replica is restoring itself");
  if (transfer_) return refuse(request.reply, "busy sending a snapshot to another replica");
  const snapshot::Snapshot state{coordinator.image(now), recent_.hashes(now), 0};
  const std::string bytes = snapshot::encode(state);
  const std::size_t piece = std::clamp(request.max_piece, kMinPiece, kMaxPiece);
  transfer_ = Transfer{request.reply, snapshot::split(bytes, ++transfers_, piece), 0,
                       now + kTransferTimeoutMs};
  spdlog::info("ha: sending a snapshot of {} agents ({} bytes, {} pieces) to a starting replica",
               state.image.agents.size(), bytes.size(), transfer_->pieces.size());
  (void)drip(now);
}

std::optional<core::TimeMs> PeerSnapshots::drip(core::TimeMs now) {
  if (!transfer_) return std::nullopt;
  Transfer& t = *transfer_;
  while (t.next < t.pieces.size()) {
    // A full outbound queue refuses: the rest goes out on a later turn.
    if (!bus_.publish(transport::Outbound::kReply, t.reply, t.pieces[t.next], kSnapshotPieceType)
             .ok) {
      break;
    }
    t.pieces[t.next].clear();
    t.pieces[t.next].shrink_to_fit();
    ++t.next;
  }
  if (t.next == t.pieces.size()) {
    ++counts_.served;
    transfer_.reset();
    return std::nullopt;
  }
  if (now >= t.give_up_at) {
    ++counts_.serve_failures;
    spdlog::warn("ha: gave up sending a snapshot: {} of {} pieces went out in {} ms", t.next,
                 t.pieces.size(), kTransferTimeoutMs);
    transfer_.reset();
    return std::nullopt;
  }
  return now + kDripRetryMs;
}

}  // namespace wss::app
