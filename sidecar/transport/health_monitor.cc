#include "sidecar/transport/health_monitor.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace wss::transport {
namespace {

constexpr std::chrono::milliseconds kTickPeriod{250};
constexpr std::chrono::milliseconds kProbePeriod{1000};

}  // namespace

HealthMonitor::HealthMonitor(LinkHealth::Settings settings, HealthHooks hooks)
    : health_(settings, std::chrono::steady_clock::now()), hooks_(std::move(hooks)) {}

HealthMonitor::~HealthMonitor() {
  requestStop();
  join();
}

void HealthMonitor::start() {
  ticker_ = std::thread([this] { tickLoop(); });
  prober_ = std::thread([this] { probeLoop(); });
}

void HealthMonitor::requestStop() {
  std::lock_guard lock(mutex_);
  stop_ = true;
  wake_.notify_all();
}

void HealthMonitor::join() {
  if (ticker_.joinable()) ticker_.join();
  if (prober_.joinable()) prober_.join();
}

bool HealthMonitor::pause(std::chrono::milliseconds period) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, period, [this] { return stop_; });
}

void HealthMonitor::tickLoop() {
  while (pause(kTickPeriod)) {
    const LinkHealth::Tick tick = health_.tick(std::chrono::steady_clock::now());
    if (tick.stall.count() > 0) {
      spdlog::warn(
          "this process did not run for {} ms (stopped, or starved of CPU): NATS may cut the "
          "connection as a slow consumer",
          tick.stall.count());
    }
    if (tick.became_stale) {
      spdlog::warn(
          "NATS server has not answered a PING for {} ms: connection stale, /readyz says 503 "
          "until it answers; publishes wait in the outbound queue",
          tick.silent_for.count());
    }
  }
}

void HealthMonitor::probeLoop() {
  const auto timeout = health_.settings().stale_after;
  while (pause(kProbePeriod)) {
    if (hooks_.sample) hooks_.sample();
    if (!health_.isConnected() || !hooks_.round_trip) continue;
    if (!hooks_.round_trip(timeout)) continue;
    if (const auto ended = health_.answered(std::chrono::steady_clock::now())) {
      spdlog::info("NATS server answering again after {} ms without a PONG; ready", ended->count());
    }
  }
}

}  // namespace wss::transport
