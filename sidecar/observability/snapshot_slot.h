// Hands the latest MetricsSnapshot from the thread that builds it to the threads that serve it.
//
// The owner thread, the only one allowed to read the coordinator, publishes a fresh snapshot
// now and then (every second or so); HTTP threads read the latest one for each scrape. A
// mutex guards a shared pointer swap, so neither side waits for the other's copy.
#pragma once

#include <memory>
#include <mutex>

#include "sidecar/observability/metrics_snapshot.h"

namespace wss::observability {

class SnapshotSlot {
 public:
  // Any thread; replaces the previous snapshot.
  void publish(MetricsSnapshot snapshot) {
    auto next = std::make_shared<const MetricsSnapshot>(std::move(snapshot));
    const std::lock_guard lock(mutex_);
    latest_.swap(next);
  }

  // Any thread; a default snapshot (zeros, build info) until the first publish().
  [[nodiscard]] MetricsSnapshot latest() const {
    std::shared_ptr<const MetricsSnapshot> current;
    {
      const std::lock_guard lock(mutex_);
      current = latest_;
    }
    return current ? *current : MetricsSnapshot{};
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const MetricsSnapshot> latest_;
};

}  // namespace wss::observability
