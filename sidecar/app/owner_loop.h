// The owner thread: the only thread that reads or changes the coordinator.
//
// It takes batches of work from the EventQueue and, in order: applies fleet events with the
// time of a monotonic clock (less the age of an event replayed from the state stream),
// adopts the leader's steal orders heard on work.steal (ha), answers service requests from
// the state those events left, and reloads the `stealing` section on SIGHUP. Between batches
// it runs the timers: a reactive decision stealing.reactiveDelay after an event that may make
// a move worthwhile (events in between coalesce into it), a steal round every
// stealing.stealInterval (both publish each StealOrder on subjects.workSteal in the
// configured encoding), maintenance every maintenanceInterval, and a metrics snapshot for
// /metrics every second. It never blocks on anything but the queue.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/app/boot_id.h"
#include "sidecar/app/clock.h"
#include "sidecar/app/event_queue.h"
#include "sidecar/app/inbound.h"
#include "sidecar/app/log_throttle.h"
#include "sidecar/app/peer_snapshots.h"
#include "sidecar/app/service_replies.h"
#include "sidecar/app/state_snapshots.h"
#include "sidecar/app/steal_log.h"
#include "sidecar/config/config.h"
#include "sidecar/core/coordinator.h"
#include "sidecar/ha/leadership.h"
#include "sidecar/observability/heartbeat.h"
#include "sidecar/observability/histogram.h"
#include "sidecar/observability/snapshot_slot.h"
#include "sidecar/transport/bus.h"

namespace wss::app {

// Re-reads the configuration for a reload (normally config::loadFile of the same file).
using ConfigLoader = std::function<config::LoadResult()>;

struct OwnerLoopDeps {
  transport::Bus& bus;
  EventQueue& queue;
  const InboundCounters& inbound;
  const Clock& clock;
  ConfigLoader reload;  // empty: reloads are refused
  // Appended to stealing.operationIdPrefix, at start and on every reload (see boot_id.h);
  // empty: the configured prefix as it is.
  std::string boot_id;
  observability::SnapshotSlot* metrics = nullptr;             // optional
  observability::Heartbeat* heartbeat = nullptr;              // optional
  observability::Histogram* steal_round_histogram = nullptr;  // optional
  // Whether this replica may publish steals; null: one sidecar, always.
  const ha::Leadership* leadership = nullptr;
  // Hold events from the start until a PeerSnapshot item arrives (ha, peer_snapshots.h).
  bool restore_from_peer = false;
  // state.snapshotInterval: where the snapshots of a state taken from the stream go, and their
  // counters for work.stats and /metrics; null: none taken.
  SnapshotSink* state_snapshots = nullptr;
  const StateSnapshotCounters* state_snapshot_counters = nullptr;
};

class OwnerLoop {
 public:
  OwnerLoop(config::Config config, OwnerLoopDeps deps);

  // Runs until the queue is closed and empty, then returns. The owner thread.
  void run();

  // One turn, for tests driving a manual clock: handles `items` at the clock's time, then
  // runs the timers that are due. Returns the time of the next timer. Owner thread.
  core::TimeMs turn(std::vector<WorkItem>& items);

  // Owner thread (or after run() returned).
  [[nodiscard]] const core::Coordinator& coordinator() const { return coordinator_; }
  [[nodiscard]] SidecarFigures figures(core::TimeMs now) const;

 private:
  void handle(InboundEvent& event, core::TimeMs now);
  void handle(const ServiceRequest& request, core::TimeMs now);
  void handle(const ReloadRequest& request, core::TimeMs now);
  // A steal heard on work.steal (ha): adopted unless it is this replica's own or its epoch
  // is older than the newest seen.
  void handle(const PeerSteal& steal, core::TimeMs now);
  void handle(const SnapshotRequest& request, core::TimeMs now);
  void handle(const PeerSnapshot& fetched, core::TimeMs now);
  // The snapshot read from the state bucket at start: restored, and the verdict handed back.
  void handle(StoredRestore& stored, core::TimeMs now);
  // Handles one item, or holds it while a peer restore is under way.
  void dispatch(WorkItem& item, core::TimeMs now);
  void handleItem(WorkItem& item, core::TimeMs now);
  core::TimeMs runTimers(core::TimeMs now);
  void stealRound(core::TimeMs now);
  void react(core::TimeMs now);
  // Publishes one decision's orders, a debug line each; returns how many went out.
  std::size_t publishOrders(std::vector<core::StealOrder>& orders);
  // Whether this replica may publish steals now (always without ha).
  [[nodiscard]] bool leads(core::TimeMs now) const;
  void publishSnapshot(core::TimeMs now);
  // Every state.snapshotInterval, when this replica may steal and has applied stream events
  // since the last one: its image to deps_.state_snapshots.
  void offerStateSnapshot(core::TimeMs now);
  [[nodiscard]] observability::HaCounts haCounts() const;
  void reply(const ServiceRequest& request, const Reply& answer);
  // `stealing` with the boot id appended to its operation id prefix.
  [[nodiscard]] core::CoordinatorConfig withBootId(core::CoordinatorConfig stealing) const;

  config::Config config_;
  OwnerLoopDeps deps_;
  core::Coordinator coordinator_;
  LogThrottle throttle_;
  StealLog steal_log_;
  PeerSnapshots peers_;
  std::optional<core::TimeMs> next_drip_ms_;  // set while a snapshot is being sent

  core::TimeMs started_ms_ = 0;
  core::TimeMs next_steal_ms_ = 0;
  std::optional<core::TimeMs> next_react_ms_;  // set while a reactive decision is due
  core::TimeMs next_maintenance_ms_ = 0;
  bool burst_drained_ = true;  // false from a backlog's batch until the queue is short again
  core::TimeMs next_snapshot_ms_ = 0;
  std::optional<core::TimeMs> next_state_snapshot_ms_;  // set when state snapshots are taken
  std::uint64_t last_sequence_ = 0;      // the state stream sequence of the last event applied
  std::uint64_t offered_sequence_ = 0;   // ... that the last state snapshot offered covers
  std::uint64_t restored_sequence_ = 0;  // ... that the snapshot restored at start covered
  // The time the last inbound event was applied at (see handle(InboundEvent&)).
  core::TimeMs last_event_ms_ = std::numeric_limits<core::TimeMs>::min();

  std::uint64_t events_processed_ = 0;
  std::uint64_t requests_served_ = 0;
  std::uint64_t requests_rejected_ = 0;
  std::uint64_t steal_publish_failures_ = 0;
  std::uint64_t ha_withheld_ = 0;  // orders not published: the lease ran out (publishOrders)
  std::uint64_t newest_epoch_ = 0;  // the highest epoch heard on work.steal
  std::uint64_t stale_epoch_steals_ = 0;
};

}  // namespace wss::app
