// The multi-producer, single-consumer queue in front of the owner thread.
//
// Producers (cnats delivery threads, the signal thread) push one item at a time under a
// mutex; the owner thread takes everything queued in one swap, so it pays for the lock once
// per batch, not per event. Memory is not bounded here: cnats' pending limits bound what
// can pile up before the callbacks, and depth() is reported in work.stats and /metrics so a
// backlog is visible.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "sidecar/app/work_item.h"

namespace wss::app {

class EventQueue {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Queues `item`. Returns false, dropping it, once close() was called. Any thread.
  bool push(WorkItem item);

  // Waits until something is queued, the queue is closed, or `deadline`; then moves every
  // queued item into `out` (cleared first), oldest first. Returns false only when the queue
  // is closed and empty: the consumer is done. Owner thread only.
  bool popAll(std::vector<WorkItem>& out, Deadline deadline);

  // Refuses new items and wakes the consumer; items already queued are still popped.
  // Any thread; idempotent.
  void close();

  // Items queued now, and the most ever queued at once. Any thread.
  [[nodiscard]] std::uint64_t depth() const { return depth_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t maxDepth() const {
    return max_depth_.load(std::memory_order_relaxed);
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<WorkItem> items_;
  bool closed_ = false;
  std::atomic<std::uint64_t> depth_{0};
  std::atomic<std::uint64_t> max_depth_{0};
};

}  // namespace wss::app
