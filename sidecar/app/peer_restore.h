// Peer snapshots (ha), the starting replica's half: ask the running replicas of the group for
// their state and collect the pieces of the one that answers (peer_snapshots.h serves them).
//
// The request goes to the queue group of the snapshot subject, so one replica answers; a
// replica joins that group only once it has its own state, so a starting one never asks
// itself. Blocking: the main thread, between subscribing and announcing.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstddef>
#include <string>

#include "sidecar/app/work_item.h"

namespace wss::app {

// The subject a group's replicas serve their state on, and their queue group.
[[nodiscard]] std::string snapshotSubject(const std::string& group);
[[nodiscard]] std::string snapshotQueueGroup(const std::string& group);

// The request's payload, {"maxPieceBytes": N}, and back (0 when unreadable). Pure.
[[nodiscard]] std::string snapshotRequestPayload(std::size_t max_piece);
[[nodiscard]] std::size_t maxPieceOf(std::string_view payload);

// Asks and collects, for at most `timeout`; never throws. The result says why it failed: no
// replica running, a refusal, silence, a piece that did not fit.
[[nodiscard]] PeerSnapshot fetchPeerSnapshot(natsConnection* nc, const std::string& group,
                                             std::chrono::milliseconds timeout);

}  // namespace wss::app
