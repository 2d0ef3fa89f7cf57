#include "sidecar/app/event_queue.h"

namespace wss::app {

bool EventQueue::push(WorkItem item) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    was_empty = items_.empty();
    items_.push_back(std::move(item));
    const std::uint64_t depth = items_.size();
    depth_.store(depth, std::memory_order_relaxed);
    if (depth > max_depth_.load(std::memory_order_relaxed)) {
      max_depth_.store(depth, std::memory_order_relaxed);
    }
  }
  // The consumer only sleeps on an empty queue; later pushes join the batch it will take.
  if (was_empty) ready_.notify_one();
  return true;
}

bool EventQueue::popAll(std::vector<WorkItem>& out, Deadline deadline) {
  out.clear();
  std::unique_lock lock(mutex_);
  ready_.wait_until(lock, deadline, [this] { return closed_ || !items_.empty(); });
  out.swap(items_);
  depth_.store(0, std::memory_order_relaxed);
  return !(closed_ && out.empty());
}

void EventQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

}  // namespace wss::app
