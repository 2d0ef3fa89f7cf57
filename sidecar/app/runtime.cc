#include "sidecar/app/runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "sidecar/app/app.h"
#include "sidecar/app/boot_id.h"
#include "sidecar/app/peer_restore.h"
#include "sidecar/app/signals.h"
#include "sidecar/app/state_restore.h"
#include "sidecar/codec/codec.h"
#include "sidecar/common/redact.h"
#include "sidecar/config/file_mode.h"

namespace wss::app {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// SIGTERM must end the process within 5 s: the drain gets at most this much.
constexpr milliseconds kMaxShutdownBudget{3500};
constexpr milliseconds kSignalPoll{250};
// /healthz fails when the owner thread has not turned for this long (it turns every second).
constexpr core::TimeMs kMaxOwnerSilenceMs = 10'000;

// ha.name, else the pod's name ($HOSTNAME), else the boot id.
ha::Leadership makeLeadership(const config::HaConfig& ha, const std::string& boot_id) {
  if (!ha.enabled) return ha::Leadership::single();
  if (!ha.name.empty()) return ha::Leadership::replica(ha.name);
  const char* host = std::getenv("HOSTNAME");
  return ha::Leadership::replica(host != nullptr && *host != '\0' ? host : boot_id);
}

}  // namespace

Runtime::Runtime(const config::Config& config)
    : config_(config),
      budget_(std::clamp(milliseconds(config.nats.drain_timeout_ms), milliseconds(100),
                         kMaxShutdownBudget)),
      boot_id_(makeBootId()),
      throttle_(clock_),
      inbound_(queue_, counters_, throttle_, /*fingerprint=*/config.ha.enabled),
      heartbeat_(clock_.nowMs()),
      leadership_(makeLeadership(config.ha, boot_id_)) {}

std::optional<int> Runtime::start() {
  // Before any subscription exists, so before any cnats thread decodes (see codec.h).
  codec::silenceProtobufUtf8Logs();

  library_.emplace();
  if (!library_->ok()) {
    spdlog::critical("{}", library_->error());
    return kExitRuntimeError;
  }
  library_->setCloseTimeout(500);
  for (const std::string& warning : config::secretFileWarnings(config_)) {
    spdlog::warn("{}", warning);
  }

  // HTTP first: /healthz answers while NATS is still unreachable, /readyz says 503 until
  // the connection is up and subscribed.
  if (std::optional<int> failed = serveHttp()) return failed;
  return connect();
}

std::optional<int> Runtime::serveHttp() {
  if (!config_.http.enabled) return std::nullopt;
  observability::HttpCallbacks callbacks;
  callbacks.snapshot = [this] { return withStreamFigures(metrics_.latest()); };
  callbacks.live = [this] { return heartbeat_.alive(clock_.nowMs(), kMaxOwnerSilenceMs); };
  callbacks.ready = [this] {
    const transport::Connection* connection = ready_connection_.load(std::memory_order_acquire);
    // Atomics only: a hung server must not hold this answer (ready() never calls cnats).
    return connection != nullptr && connection->ready();
  };
  http_ = std::make_unique<observability::HttpServer>(config_.http.listen, std::move(callbacks));
  if (std::string error = http_->start(); !error.empty()) {
    spdlog::critical("http.listen: {}", error);
    return kExitRuntimeError;
  }
  spdlog::info("serving /healthz, /readyz and /metrics on {}", config_.http.listen);
  return std::nullopt;
}

std::optional<int> Runtime::connect() {
  transport::Connection::OpenResult opened = transport::Connection::open(config_.nats);
  if (!opened.error.empty()) {
    spdlog::critical("{}", opened.error);
    if (http_) http_->stop();
    library_->leaveOpenAtExit();  // see NatsLibrary
    return kExitConfigError;
  }
  connection_ = std::move(opened.connection);
  return std::nullopt;
}

void Runtime::startOwner() {
  ConfigLoader reload;
  if (!config_.source_file.empty()) {
    reload = [path = config_.source_file] {
      return config::loadFile(path, config::processEnvironment());
    };
  }
  if (!config_.state.stream.empty() && config_.state.snapshot_interval_ms > 0) {
    snapshot_writer_ = std::make_unique<StateSnapshotWriter>(
        connection_->native(), config_.state.snapshot_bucket, snapshotGroup(config_),
        config_.state.stream, milliseconds(std::max<std::int64_t>(config_.nats.connect_timeout_ms, 1000)),
        state_snapshot_counters_, clock_);
  }
  owner_.emplace(config_, OwnerLoopDeps{*connection_, queue_, counters_, clock_, std::move(reload),
                                        boot_id_, &metrics_, &heartbeat_, &steal_round_histogram_,
                                        &leadership_, restoresFromPeer(), snapshot_writer_.get(),
                                        &state_snapshot_counters_});
  // The first connection attempts in start() may have taken up to 2 x nats.connectTimeout per
  // server: that wait is not an owner-thread stall.
  heartbeat_.beat(clock_.nowMs());
  owner_thread_ = std::thread([this] {
    try {
      owner_->run();
    } catch (const std::exception& e) {
      spdlog::critical("owner thread failed: {}", e.what());
      owner_failed_ = true;
      queue_.close();
    }
  });
}

std::optional<int> Runtime::subscribe() {
  if (std::optional<int> failed = subscribeEvents()) return failed;
  if (std::optional<int> failed = subscribeSteals()) return failed;
  if (std::optional<int> failed = subscribeServices()) return failed;
  // When connected, make sure the server knows our interest before saying we are ready.
  // When not, cnats sends them as soon as it connects.
  if (connection_->connected()) {
    if (transport::Status flushed = connection_->flush(1000); !flushed.ok) {
      spdlog::warn("subscriptions not confirmed by the server yet: {}", flushed.error);
    }
  }
  restoreFromPeer();
  if (std::optional<int> failed = subscribeSnapshots()) return failed;
  ready_connection_.store(connection_.get(), std::memory_order_release);
  if (config_.ha.enabled) {
    elector_ = std::make_unique<ha::LeaderElector>(connection_->native(), config_.ha, leadership_,
                                                   [this] { return clock_.nowMs(); });
    elector_->start();
  }
  return std::nullopt;
}

std::optional<int> Runtime::subscribeEvents() {
  if (!config_.state.stream.empty()) {
    from_stream_ = consumeStateStream();
    if (from_stream_) return std::nullopt;
  }
  const config::SubjectsConfig& s = config_.subjects;
  for (const codec::EventKind kind : kEventKinds) {
    const std::string& subject = subjectOf(s, kind);
    transport::Status status =
        connection_->subscribe(subject, s.queue_group, inbound_.eventHandler(kind, subject));
    if (!status.ok) {
      spdlog::critical("{}", status.error);
      return kExitRuntimeError;
    }
  }
  return std::nullopt;
}

bool Runtime::restoresFromPeer() const {
  // With state.stream the replay from the stream is the state: a peer's on top would apply
  // every event twice.
  return config_.ha.enabled && config_.ha.peer_restore_timeout_ms > 0 &&
         config_.state.stream.empty();
}

void Runtime::restoreFromPeer() {
  if (!restoresFromPeer()) return;
  const std::chrono::milliseconds timeout(config_.ha.peer_restore_timeout_ms);
  spdlog::info("ha: asking the running replicas of group '{}' for their state (at most {} ms)",
               config_.ha.group, timeout.count());
  (void)queue_.push(fetchPeerSnapshot(connection_->native(), config_.ha.group, timeout));
}

std::optional<int> Runtime::subscribeSnapshots() {
  if (!config_.ha.enabled) return std::nullopt;
  // Joined once this replica has asked for its own state: it never answers itself.
  transport::Status status =
      connection_->subscribe(snapshotSubject(config_.ha.group),
                             snapshotQueueGroup(config_.ha.group), inbound_.snapshotHandler());
  if (!status.ok) {
    spdlog::critical("{}", status.error);
    return kExitRuntimeError;
  }
  return std::nullopt;
}

std::optional<int> Runtime::subscribeSteals() {
  if (!config_.ha.enabled) return std::nullopt;
  // Every replica hears the leader's orders, so whichever leads next knows them (adopt).
  const std::string& subject = config_.subjects.work_steal;
  transport::Status status = connection_->subscribe(subject, "", inbound_.stealHandler(subject));
  if (!status.ok) {
    spdlog::critical("{}", status.error);
    return kExitRuntimeError;
  }
  return std::nullopt;
}

bool Runtime::consumeStateStream() {
  // The JetStream API needs the connection up: give a server that is still coming up the
  // connect timeout. A real wait, so steady_clock (see clock.h).
  const auto give_up = steady_clock::now() + milliseconds(config_.nats.connect_timeout_ms);
  while (!connection_->connected() && steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  transport::StreamSpec spec;
  spec.stream = config_.state.stream;
  spec.create = config_.state.create_stream;
  spec.max_age_ms = config_.state.stream_max_age_ms;
  spec.timeout_ms = std::max<std::int64_t>(config_.nats.connect_timeout_ms, 1000);
  const std::uint64_t restored = restoreStoredSnapshot();
  if (restored > 0) spec.start_sequence = restored + 1;
  std::vector<transport::StreamRoute> routes;
  for (const codec::EventKind kind : kEventKinds) {
    const std::string& subject = subjectOf(config_.subjects, kind);
    routes.push_back({subject, inbound_.eventHandler(kind, subject)});
  }
  const transport::Connection::StreamResult result =
      connection_->consumeStream(spec, std::move(routes));
  if (result.problem == transport::StreamProblem::kNone) {
    spdlog::info(
        "state: consuming stream '{}' from {} (one ordered consumer); replayed events are "
        "applied at their age",
        spec.stream,
        restored > 0 ? "sequence " + std::to_string(spec.start_sequence) + ", after the snapshot"
                     : std::string("its first event"));
    return true;
  }
  spdlog::error(
      "state.stream ({}): {}; falling back to plain subscriptions: a cold start, events "
      "from before this start are not replayed (stateStreamUnavailable in work.stats)",
      transport::toString(result.problem), result.error);
  return false;
}

std::uint64_t Runtime::restoreStoredSnapshot() {
  if (!snapshot_writer_) return 0;  // snapshots off: the stream is the only record
  const config::StateConfig& state = config_.state;
  StoredFetch fetched = fetchStoredSnapshot(
      connection_->native(), state.snapshot_bucket, snapshotGroup(config_), state.stream,
      milliseconds(std::max<std::int64_t>(config_.nats.connect_timeout_ms, 1000)));
  if (fetched.outcome == StoredFetch::Outcome::kAbsent) {
    state_snapshot_counters_.restore_absent.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("state: {}; replaying stream '{}' from its first event", fetched.why,
                 state.stream);
    return 0;
  }
  if (fetched.outcome == StoredFetch::Outcome::kRefused) {
    refuseStoredSnapshot(fetched.why);
    return 0;
  }
  const std::uint64_t sequence = fetched.snapshot.stream_sequence;
  auto verdict = std::make_shared<std::promise<core::RestoreResult>>();
  std::future<core::RestoreResult> restored = verdict->get_future();
  if (queue_.push(StoredRestore{std::move(fetched.snapshot.image), sequence, verdict}) !=
      PushResult::kQueued) {
    refuseStoredSnapshot("the event queue did not take it");
    return 0;
  }
  // A real wait for the owner thread (steady_clock, see clock.h), which restores nothing else.
  while (restored.wait_for(milliseconds(100)) != std::future_status::ready) {
    if (owner_failed_) return 0;
  }
  const core::RestoreResult result = restored.get();
  if (!result.ok) {
    refuseStoredSnapshot("restore refused: " + result.error);
    return 0;
  }
  state_snapshot_counters_.restores.fetch_add(1, std::memory_order_relaxed);
  state_snapshot_counters_.restored_sequence.store(sequence, std::memory_order_relaxed);
  spdlog::info(
      "state: restored the snapshot of stream '{}' up to sequence {} from bucket '{}' ({} "
      "agents, {} tasks, {} steals; taken {} ms ago)",
      state.stream, sequence, state.snapshot_bucket, result.agents, result.tasks, result.steals,
      fetched.gap_ms);
  return sequence;
}

void Runtime::refuseStoredSnapshot(const std::string& why) {
  state_snapshot_counters_.restore_refusals.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn(
      "state: the stored snapshot in bucket '{}' is refused ({}); replaying stream '{}' from its "
      "first event instead (stateSnapshotRestoreRefusals in work.stats)",
      config_.state.snapshot_bucket, why, config_.state.stream);
}

std::optional<int> Runtime::subscribeServices() {
  const config::SubjectsConfig& s = config_.subjects;
  for (Service service :
       {Service::kStats, Service::kOperations, Service::kAgents, Service::kBestAgent}) {
    // Without ha a plain subscription; with ha one queue group per lease group, so each
    // request gets exactly one reply however many replicas run.
    const std::string& subject = subjectOf(s, service);
    const std::string group = config_.ha.enabled ? "wss-services." + config_.ha.group : "";
    transport::Status status =
        connection_->subscribe(subject, group, inbound_.serviceHandler(service, subject));
    if (!status.ok) {
      spdlog::critical("{}", status.error);
      return kExitRuntimeError;
    }
  }
  return std::nullopt;
}

void Runtime::announce() const {
  const config::SubjectsConfig& s = config_.subjects;
  spdlog::info(
      "running: NATS {}, inbound {} {} {} {}{}{}, steals on '{}' as {} every {} ms{} "
      "(stealing {}), operation ids '{}-N'",
      common::redactUrl(config_.nats.url), s.task_assigned, s.task_completed, s.task_failed,
      s.agent_metrics, s.queue_group.empty() ? "" : " (queue group " + s.queue_group + ")",
      from_stream_ ? " from stream '" + config_.state.stream + "'" : "", s.work_steal,
      codec::contentType(config_.encoding), config_.stealing.steal_interval_ms,
      config_.stealing.reactive
          ? fmt::format(" and within {} ms of a free slot", config_.stealing.reactive_delay_ms)
          : "",
      config_.stealing.enabled ? "enabled" : "disabled",
      operationIdPrefix(config_.stealing.operation_id_prefix, boot_id_));
}

int Runtime::waitForStop() {
  for (;;) {
    const SignalEvent signal = waitForSignal(kSignalPoll);
    if (signal == SignalEvent::kStop) {
      spdlog::info("stop signal: draining subscriptions and flushing");
      return kExitOk;
    }
    if (signal == SignalEvent::kReload) {
      spdlog::info("SIGHUP: reloading the stealing section of {}",
                   config_.source_file.empty() ? "(no file)" : config_.source_file);
      (void)queue_.push(ReloadRequest{});
    }
    reportHttpSaturation();
    if (owner_failed_) return kExitRuntimeError;
    if (connection_->lost()) {
      // cnats gave up and will not reconnect: exit so a supervisor starts a fresh sidecar.
      spdlog::error("NATS connection lost for good; exiting so a supervisor restarts the sidecar");
      return kExitRuntimeError;
    }
  }
}

observability::MetricsSnapshot Runtime::withStreamFigures(
    observability::MetricsSnapshot snapshot) const {
  const transport::Connection* connection = ready_connection_.load(std::memory_order_acquire);
  if (connection == nullptr) return snapshot;
  // Read at the scrape, from the transport's counters (never a cnats call), so the owner
  // loop's snapshot need not carry them.
  const transport::ConnectionStats stats = connection->stats();
  snapshot.state_stream_active = stats.stream_active;
  snapshot.state_stream_unavailable = stats.stream_unavailable;
  snapshot.state_stream_events = stats.stream_events;
  snapshot.state_stream_unrouted = stats.stream_unrouted;
  return snapshot;
}

void Runtime::reportHttpSaturation() {
  if (!http_) return;
  const observability::HttpServerStats stats = http_->stats();
  if (stats.queued_at_capacity <= http_queued_reported_) return;
  if (!throttle_.warn("http: saturated",
                      "HTTP: {} connections had to wait for a thread (all {} busy; {} "
                      "connections so far): slow or idle clients on {}",
                      stats.queued_at_capacity - http_queued_reported_, stats.threads,
                      stats.connections, config_.http.listen)) {
    return;
  }
  http_queued_reported_ = stats.queued_at_capacity;
}

int Runtime::stop(int exit_code) {
  // HTTP stops first, while the connection it may look at still exists.
  const auto start = steady_clock::now();
  // The lease goes first: a standby takes over while this one drains.
  if (elector_) elector_->stop();
  if (http_) http_->stop();
  connection_->drainSubscriptions(start + budget_ / 2);
  queue_.close();
  owner_thread_.join();
  // After the owner's last offer; a write under way ends within its JetStream timeout.
  if (snapshot_writer_) snapshot_writer_->stop();
  connection_->close(start + budget_);
  spdlog::info("stopped in {} ms",
               std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count());
  return exit_code;
}

}  // namespace wss::app
