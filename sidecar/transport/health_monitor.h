// The threads that keep LinkHealth current: a ticker that never calls into cnats, and a
// prober that does.
//
// The ticker (4 times a second) detects stalls of the process and stale links and logs each
// transition once. The prober (once a second) asks the server for a PONG, waiting at most
// stale_after, and samples the cnats counters that take cnats' locks; when the server hangs,
// only the prober waits. Nothing else needs to call into cnats to report health, so /readyz,
// /healthz and work.stats answer whatever the server does. Created and stopped by
// Connection (main thread); the hooks run on the prober thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "sidecar/transport/link_health.h"

namespace wss::transport {

struct HealthHooks {
  // One PING/PONG round trip, at most `timeout`; true when the server answered.
  std::function<bool(std::chrono::milliseconds timeout)> round_trip;
  // Reads counters that need cnats' locks (drops per subscription).
  std::function<void()> sample;
};

class HealthMonitor {
 public:
  HealthMonitor(LinkHealth::Settings settings, HealthHooks hooks);
  // requestStop() and join().
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Starts both threads. Once.
  void start();
  // Asks both threads to end; returns at once. The prober ends after its round trip in
  // progress (closing the connection ends that). Any thread.
  void requestStop();
  // Waits for both threads. After requestStop(); not from the monitor's threads.
  void join();

  [[nodiscard]] LinkHealth& health() { return health_; }
  [[nodiscard]] const LinkHealth& health() const { return health_; }

 private:
  void tickLoop();
  void probeLoop();
  // Sleeps `period` or until requestStop(); false when stopping.
  bool pause(std::chrono::milliseconds period);

  LinkHealth health_;
  HealthHooks hooks_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread ticker_;
  std::thread prober_;
};

}  // namespace wss::transport
