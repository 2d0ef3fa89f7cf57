#include "sidecar/app/app.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <thread>

#include "sidecar/app/boot_id.h"
#include "sidecar/app/clock.h"
#include "sidecar/app/event_queue.h"
#include "sidecar/app/inbound.h"
#include "sidecar/app/log_throttle.h"
#include "sidecar/app/owner_loop.h"
#include "sidecar/app/signals.h"
#include "sidecar/codec/codec.h"
#include "sidecar/observability/heartbeat.h"
#include "sidecar/observability/histogram.h"
#include "sidecar/observability/http_server.h"
#include "sidecar/observability/snapshot_slot.h"
#include "sidecar/transport/connection.h"
#include "sidecar/transport/library.h"
#include "sidecar/transport/options.h"

namespace wss::app {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// SIGTERM must end the process within 5 s: the drain gets at most this much.
constexpr milliseconds kMaxShutdownBudget{3500};
constexpr milliseconds kSignalPoll{250};
// /healthz fails when the owner thread has not turned for this long (it turns every second).
constexpr auto kMaxOwnerSilence = std::chrono::seconds(10);

}  // namespace

App::App(config::Config config) : config_(std::move(config)) {}

std::string App::checkConnectionSettings(const config::Config& config) {
  transport::NatsLibrary library;
  if (!library.ok()) return library.error();
  transport::OptionsResult options = transport::buildOptions(config.nats);
  if (!options.error.empty()) library.leaveOpenAtExit();  // see NatsLibrary
  return options.error;
}

int App::run() {
  // Before any subscription exists, so before any cnats thread decodes (see codec.h).
  codec::silenceProtobufUtf8Logs();

  transport::NatsLibrary library;
  if (!library.ok()) {
    spdlog::critical("{}", library.error());
    return kExitRuntimeError;
  }
  library.setCloseTimeout(500);
  const milliseconds budget = std::clamp(milliseconds(config_.nats.drain_timeout_ms),
                                         milliseconds(100), kMaxShutdownBudget);
  const std::string boot_id = makeBootId();

  // Declared before the connection so they outlive every callback that uses them.
  EventQueue queue;
  InboundCounters counters;
  LogThrottle throttle;
  Inbound inbound(queue, counters, throttle);
  SteadyClock clock;
  observability::SnapshotSlot metrics;
  observability::Heartbeat heartbeat(steady_clock::now());
  observability::Histogram steal_round_histogram;

  // Declared before the HTTP server, so on every path out of run() the server (whose /readyz
  // may look at the connection) is stopped and destroyed before the connection is.
  std::unique_ptr<transport::Connection> connection_owner;
  // Set once the connection exists and every subscription is registered; null until then, so
  // /readyz never reaches a connection that does not exist yet.
  std::atomic<const transport::Connection*> ready_connection{nullptr};
  std::unique_ptr<observability::HttpServer> http;

  // HTTP first: /healthz answers while NATS is still unreachable, /readyz says 503 until
  // the connection is up and subscribed.
  if (config_.http.enabled) {
    observability::HttpCallbacks callbacks;
    callbacks.snapshot = [&metrics] { return metrics.latest(); };
    callbacks.live = [&heartbeat] {
      return heartbeat.alive(steady_clock::now(), kMaxOwnerSilence);
    };
    callbacks.ready = [&ready_connection] {
      const transport::Connection* connection = ready_connection.load(std::memory_order_acquire);
      return connection != nullptr && connection->connected();
    };
    http = std::make_unique<observability::HttpServer>(config_.http.listen, std::move(callbacks));
    if (std::string error = http->start(); !error.empty()) {
      spdlog::critical("http.listen: {}", error);
      return kExitRuntimeError;
    }
    spdlog::info("serving /healthz, /readyz and /metrics on {}", config_.http.listen);
  }

  transport::Connection::OpenResult opened = transport::Connection::open(config_.nats);
  if (!opened.error.empty()) {
    spdlog::critical("{}", opened.error);
    if (http) http->stop();
    library.leaveOpenAtExit();  // see NatsLibrary
    return kExitConfigError;
  }
  connection_owner = std::move(opened.connection);
  transport::Connection& connection = *connection_owner;

  ConfigLoader reload;
  if (!config_.source_file.empty()) {
    reload = [path = config_.source_file] {
      return config::loadFile(path, config::processEnvironment());
    };
  }
  OwnerLoop owner(config_, OwnerLoopDeps{connection, queue, counters, clock, std::move(reload),
                                         boot_id, &metrics, &heartbeat, &steal_round_histogram});
  // The first connection attempts above may have taken up to 2 x nats.connectTimeout per server:
  // that wait is not an owner-thread stall.
  heartbeat.beat(steady_clock::now());
  std::atomic<bool> owner_failed{false};
  std::thread owner_thread([&owner, &owner_failed, &queue] {
    try {
      owner.run();
    } catch (const std::exception& e) {
      spdlog::critical("owner thread failed: {}", e.what());
      owner_failed = true;
      queue.close();
    }
  });

  // Stop serving HTTP, stop accepting, finish the queue, flush, close: bounded by `budget`
  // overall. HTTP stops first, while the connection it may look at still exists.
  auto shutdown = [&](int exit_code) {
    const auto start = steady_clock::now();
    if (http) http->stop();
    connection.drainSubscriptions(start + budget / 2);
    queue.close();
    owner_thread.join();
    connection.close(start + budget);
    spdlog::info("stopped in {} ms",
                 std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count());
    return exit_code;
  };

  const auto& s = config_.subjects;
  for (const codec::EventKind kind : kEventKinds) {
    const std::string& subject = subjectOf(s, kind);
    transport::Status status =
        connection.subscribe(subject, s.queue_group, inbound.eventHandler(kind, subject));
    if (!status.ok) {
      spdlog::critical("{}", status.error);
      return shutdown(kExitRuntimeError);
    }
  }
  for (Service service :
       {Service::kStats, Service::kOperations, Service::kAgents, Service::kBestAgent}) {
    // Services are plain subscriptions: every replica answers, the requester takes the first.
    const std::string& subject = subjectOf(s, service);
    transport::Status status =
        connection.subscribe(subject, "", inbound.serviceHandler(service, subject));
    if (!status.ok) {
      spdlog::critical("{}", status.error);
      return shutdown(kExitRuntimeError);
    }
  }
  // When connected, make sure the server knows our interest before saying we are ready.
  // When not, cnats sends them as soon as it connects.
  if (connection.connected()) {
    if (transport::Status flushed = connection.flush(1000); !flushed.ok) {
      spdlog::warn("subscriptions not confirmed by the server yet: {}", flushed.error);
    }
  }
  ready_connection.store(&connection, std::memory_order_release);

  spdlog::info(
      "running: NATS {}, inbound {} {} {} {}{}, steals on '{}' as {} every {} ms{} (stealing {}), "
      "operation ids '{}-N'",
      config_.nats.url, s.task_assigned, s.task_completed, s.task_failed, s.agent_metrics,
      s.queue_group.empty() ? "" : " (queue group " + s.queue_group + ")", s.work_steal,
      codec::contentType(config_.encoding), config_.stealing.steal_interval_ms,
      config_.stealing.reactive
          ? fmt::format(" and within {} ms of a free slot", config_.stealing.reactive_delay_ms)
          : "",
      config_.stealing.enabled ? "enabled" : "disabled",
      operationIdPrefix(config_.stealing.operation_id_prefix, boot_id));

  int exit_code = kExitOk;
  for (;;) {
    const SignalEvent signal = waitForSignal(kSignalPoll);
    if (signal == SignalEvent::kStop) {
      spdlog::info("stop signal: draining subscriptions and flushing");
      break;
    }
    if (signal == SignalEvent::kReload) {
      spdlog::info("SIGHUP: reloading the stealing section of {}",
                   config_.source_file.empty() ? "(no file)" : config_.source_file);
      (void)queue.push(ReloadRequest{});
    }
    if (owner_failed) {
      exit_code = kExitRuntimeError;
      break;
    }
    if (connection.lost()) {
      // cnats gave up and will not reconnect: exit so a supervisor starts a fresh sidecar.
      spdlog::error("NATS connection lost for good; exiting so a supervisor restarts the sidecar");
      exit_code = kExitRuntimeError;
      break;
    }
  }
  return shutdown(exit_code);
}

}  // namespace wss::app
