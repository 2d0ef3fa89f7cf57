// One run of the daemon, as named steps over objects whose lifetimes are its members.
//
// App::run calls the steps in order: start() (the cnats library, HTTP, the first connect),
// startOwner() (the owner thread), subscribe() (every subscription, then /readyz may say
// ready), announce() (the `running: ...` line), waitForStop() (signals on the main thread)
// and stop() (drain, finish the queue, flush, close). The lifetimes are in the order of the
// members: C++ destroys them from the last declared to the first, so each member outlives
// every member declared below it, and the objects that callbacks use (queue, counters,
// metrics) outlive the connection and the HTTP server that call them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "sidecar/app/clock.h"
#include "sidecar/app/event_queue.h"
#include "sidecar/app/inbound.h"
#include "sidecar/app/log_throttle.h"
#include "sidecar/app/owner_loop.h"
#include "sidecar/app/state_snapshots.h"
#include "sidecar/config/config.h"
#include "sidecar/ha/leader_elector.h"
#include "sidecar/observability/heartbeat.h"
#include "sidecar/observability/histogram.h"
#include "sidecar/observability/http_server.h"
#include "sidecar/observability/snapshot_slot.h"
#include "sidecar/transport/connection.h"
#include "sidecar/transport/library.h"

namespace wss::app {

// Every function: the main thread (after blockHandledSignals() and setupLogging()), each
// step once, in the order above. A step that returns an exit code ends the run: return it
// (after start()) or pass it to stop() (after startOwner()). Once startOwner() has run, every
// path must end in stop(), which joins the owner thread.
class Runtime {
 public:
  // Draws the boot id and the shutdown budget; starts nothing. `config` must outlive this.
  explicit Runtime(const config::Config& config);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Warns about files holding secrets that other users may read (config/file_mode.h).
  // Opens the cnats library, serves HTTP if configured (so /healthz answers while NATS is
  // unreachable, /readyz says 503) and opens the connection (which keeps retrying in the
  // background when no server answers). nullopt when all is up; else the exit code:
  // kExitRuntimeError (library, http.listen), kExitConfigError (bad settings, or a server
  // refused the first connect).
  [[nodiscard]] std::optional<int> start();

  // Starts the owner thread on the queue. After start() succeeded.
  void startOwner();

  // Subscribes to every event subject (in the queue group), or consumes state.stream (falling
  // back to the subscriptions when it cannot), work.steal (ha: the leader's orders, to
  // adopt) and every service subject; confirms the
  // interest with the server when connected, then lets /readyz report the connection.
  // nullopt on success, else kExitRuntimeError (pass it to stop()). After startOwner().
  [[nodiscard]] std::optional<int> subscribe();

  // Logs the `running: ...` line: subjects, encoding, stealing, the operation id prefix.
  void announce() const;

  // Waits for signals: SIGHUP queues a reload; SIGTERM/SIGINT returns kExitOk; a failed owner
  // thread, or a connection cnats gave up on for good, returns kExitRuntimeError.
  [[nodiscard]] int waitForStop();

  // Stops HTTP, drains the subscriptions, lets the owner thread finish the queue, flushes and
  // closes the connection, all within the budget (nats.drainTimeout, at most 3.5 s); logs
  // `stopped in N ms`. Returns `exit_code`. After startOwner(), once.
  [[nodiscard]] int stop(int exit_code);

 private:
  [[nodiscard]] std::optional<int> serveHttp();
  [[nodiscard]] std::optional<int> connect();
  // state.stream set: consume it instead of the plain event subscriptions (never both, or
  // each event would be applied twice); false (logged, counted) when it cannot be consumed.
  [[nodiscard]] bool consumeStateStream();
  // state.snapshotInterval: restores the group's snapshot from the state bucket through the
  // owner thread; the stream sequence it covers, or 0 (absent or refused: logged, counted) for
  // a replay from the stream's first event.
  [[nodiscard]] std::uint64_t restoreStoredSnapshot();
  void refuseStoredSnapshot(const std::string& why);
  [[nodiscard]] std::optional<int> subscribeEvents();
  [[nodiscard]] std::optional<int> subscribeServices();
  // With ha: work.steal, to learn the leader's orders.
  [[nodiscard]] std::optional<int> subscribeSteals();
  // With ha: whether this replica starts by asking a peer for its state; then asks and hands
  // what came (or why nothing did) to the owner thread; then serves its own to later ones.
  [[nodiscard]] bool restoresFromPeer() const;
  void restoreFromPeer();
  [[nodiscard]] std::optional<int> subscribeSnapshots();
  // `snapshot` with the state stream's figures, read from the connection (zeros before it is
  // subscribed). Any thread (the HTTP handlers).
  [[nodiscard]] observability::MetricsSnapshot withStreamFigures(
      observability::MetricsSnapshot snapshot) const;
  // Warns (rate-limited) when HTTP connections had to wait because every thread was busy.
  void reportHttpSaturation();

  // Members in order of creation; destroyed bottom up (see the file comment).
  const config::Config& config_;
  const std::chrono::milliseconds budget_;
  const std::string boot_id_;
  // Opened by start(); closed last, when no cnats object is left.
  std::optional<transport::NatsLibrary> library_;
  // Used by the subscriptions' callbacks, the HTTP handlers and the owner thread: declared
  // before the connection and the HTTP server, so they outlive every callback.
  SteadyClock clock_;  // the one time source of this run (clock.h)
  EventQueue queue_;
  InboundCounters counters_;
  LogThrottle throttle_;
  Inbound inbound_;
  observability::SnapshotSlot metrics_;
  observability::Heartbeat heartbeat_;
  observability::Histogram steal_round_histogram_;
  // Whether this replica may publish steals: always without ha; the elector decides with it.
  ha::Leadership leadership_;
  // Declared before the HTTP server, so the server (whose /readyz may look at the connection)
  // is stopped and destroyed before the connection is, on every path.
  std::unique_ptr<transport::Connection> connection_;
  // Set once the connection exists and every subscription is registered; null until then, so
  // /readyz never reaches a connection that does not exist yet.
  std::atomic<const transport::Connection*> ready_connection_{nullptr};
  std::unique_ptr<observability::HttpServer> http_;
  // With ha: campaigns on the connection's JetStream; stopped (lease handed over) first.
  std::unique_ptr<ha::LeaderElector> elector_;
  // state.stream with snapshots: writes the owner's snapshots on its own thread; stopped in
  // stop() before the connection closes, destroyed (after the owner's last offer) before it.
  StateSnapshotCounters state_snapshot_counters_;
  std::unique_ptr<StateSnapshotWriter> snapshot_writer_;
  std::uint64_t http_queued_reported_ = 0;  // main thread
  bool from_stream_ = false;                // main thread: the events come from state.stream
  // Holds a reference to the connection, so it is destroyed before it.
  std::optional<OwnerLoop> owner_;
  std::atomic<bool> owner_failed_{false};
  // Joined by stop() before anything above it is destroyed.
  std::thread owner_thread_;
};

}  // namespace wss::app
