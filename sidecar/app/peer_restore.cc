#include "sidecar/app/peer_restore.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "sidecar/app/peer_snapshots.h"
#include "sidecar/snapshot/chunks.h"
#include "sidecar/transport/reply_stream.h"

namespace wss::app {
namespace {

// The largest snapshot a replica takes in: bounds memory against a peer gone wrong.
constexpr std::size_t kMaxSnapshotBytes = 1024UL * 1024 * 1024;
// Room for the piece's own fields and the message's headers under max_payload.
constexpr std::size_t kPieceOverhead = 4 * 1024;

PeerSnapshot failed(std::string why) { return PeerSnapshot{false, {}, std::move(why)}; }

std::string refusalOf(const transport::Reply& reply) {
  const nlohmann::json body = nlohmann::json::parse(reply.payload, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return "the peer refused: " + body["error"].get<std::string>();
  }
  return "an unexpected reply (" + reply.content_type.substr(0, 64) + ")";
}

}  // namespace

std::string snapshotSubject(const std::string& group) { return "wss.snapshot." + group; }
std::string snapshotQueueGroup(const std::string& group) { return "wss-snapshot." + group; }

std::string snapshotRequestPayload(std::size_t max_piece) {
  return nlohmann::json{{"maxPieceBytes", max_piece}}.dump();
}

std::size_t maxPieceOf(std::string_view payload) {
  const nlohmann::json body = nlohmann::json::parse(payload, nullptr, false);
  if (!body.is_object() || !body.contains("maxPieceBytes") ||
      !body["maxPieceBytes"].is_number_unsigned()) {
    return 0;
  }
  return body["maxPieceBytes"].get<std::size_t>();
}

PeerSnapshot fetchPeerSnapshot(natsConnection* nc, const std::string& group,
                               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::int64_t max_payload = natsConnection_GetMaxPayload(nc);
  const std::size_t piece =
      max_payload > static_cast<std::int64_t>(2 * kPieceOverhead)
          ? static_cast<std::size_t>(max_payload) - kPieceOverhead
          : kPieceOverhead;
  transport::ReplyStream stream(nc);
  if (transport::Status sent = stream.send(snapshotSubject(group), snapshotRequestPayload(piece));
      !sent.ok) {
    return failed(sent.error);
  }
  snapshot::Assembler assembler(kMaxSnapshotBytes);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return failed("no complete snapshot within " + std::to_string(timeout.count()) + " ms (" +
                    std::to_string(assembler.received()) + " pieces)");
    }
    const std::optional<transport::Reply> reply = stream.next(left);
    if (!reply) {
      if (stream.noResponders()) return failed("no other replica of the group is running");
      continue;  // the deadline check above ends it
    }
    if (reply->content_type != kSnapshotPieceType) return failed(refusalOf(*reply));
    switch (assembler.add(reply->payload)) {
      case snapshot::Assembler::Step::kMore:
        continue;
      case snapshot::Assembler::Step::kDone:
        return PeerSnapshot{true, assembler.bytes(), {}};
      case snapshot::Assembler::Step::kFailed:
        return failed(assembler.error());
    }
  }
}

}  // namespace wss::app
