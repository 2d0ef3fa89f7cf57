// The multi-producer, single-consumer queue in front of the owner thread.
//
// Producers (cnats delivery threads, the signal thread) push one item at a time under a
// mutex; the owner thread takes everything queued in one swap, so it pays for the lock once
// per batch, not per event.
//
// Bounded in items and in bytes, so an owner thread held up (a slow request, a stall) cannot
// make memory grow without end. What it sheds keeps state right where it can: agent.metrics
// are snapshots a newer one replaces, so they are shed first, once the queue is half full;
// task events and requests only at the full bound, and each one shed is counted by kind
// (work.stats, /metrics), since a lost task event leaves the picture of that agent off until
// its tasks finish. Reloads are never shed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "sidecar/app/work_item.h"

namespace wss::app {

struct QueueBounds {
  std::size_t max_items = 500'000;
  std::size_t max_bytes = std::size_t{64} << 20;  // estimated: strings plus the item itself
};

enum class PushResult : std::uint8_t { kQueued, kShed, kClosed };

// What the queue shed, by kind. Monotonic.
struct ShedCounts {
  std::uint64_t metrics = 0;
  std::uint64_t task_events = 0;
  std::uint64_t requests = 0;
};

class EventQueue {
 public:
  // Items of capacity a consumer's buffer keeps between pops; beyond, it is freed.
  static constexpr std::size_t kRetainedCapacity = 16384;

  using Deadline = std::chrono::steady_clock::time_point;

  explicit EventQueue(QueueBounds bounds = {}) : bounds_(bounds) {}

  // Queues `item`, or sheds it past the bounds (counted); kClosed once close() was called.
  // Any thread.
  PushResult push(WorkItem item);

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
  [[nodiscard]] ShedCounts shed() const;

 private:
  // Whether `item` of `bytes` fits; mutex held.
  [[nodiscard]] bool fits(const WorkItem& item, std::size_t bytes) const;
  void countShed(const WorkItem& item);

  QueueBounds bounds_;
  std::size_t bytes_ = 0;  // estimated bytes queued now; mutex held
  std::atomic<std::uint64_t> shed_metrics_{0};
  std::atomic<std::uint64_t> shed_task_events_{0};
  std::atomic<std::uint64_t> shed_requests_{0};
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<WorkItem> items_;
  bool closed_ = false;
  std::atomic<std::uint64_t> depth_{0};
  std::atomic<std::uint64_t> max_depth_{0};
};

}  // namespace wss::app
