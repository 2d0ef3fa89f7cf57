#include "sidecar/app/event_queue.h"

#include <type_traits>

namespace wss::app {
namespace {

std::size_t namesBytes(const std::vector<std::string>& names) {
  std::size_t n = names.capacity() * sizeof(std::string);
  for (const auto& name : names) n += name.capacity();
  return n;
}

// What an item costs in memory, roughly: the item plus the strings it owns.
std::size_t estimateBytes(const WorkItem& item) {
  std::size_t n = sizeof(WorkItem);
  if (const auto* event = std::get_if<InboundEvent>(&item)) {
    std::visit(
        [&n](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          n += e.agent_id.capacity();
          if constexpr (std::is_same_v<T, core::TaskAssigned>) {
            n += e.task_id.capacity() + namesBytes(e.required_capabilities);
          } else if constexpr (std::is_same_v<T, core::AgentMetrics>) {
            n += namesBytes(e.capabilities);
          } else if constexpr (std::is_same_v<T, core::TaskFailed>) {
            n += e.task_id.capacity() + e.error.capacity();
          } else {
            n += e.task_id.capacity();
          }
        },
        event->event);
  } else if (const auto* request = std::get_if<ServiceRequest>(&item)) {
    n += request->reply.capacity() + request->payload.capacity() + request->content_type.capacity();
  } else if (const auto* fetched = std::get_if<PeerSnapshot>(&item)) {
    n += fetched->bytes.capacity();
  } else if (const auto* steal = std::get_if<PeerSteal>(&item)) {
    const core::StealOrder& o = steal->order;
    n += o.operation_id.capacity() + o.source_agent_id.capacity() +
         o.target_agent_id.capacity() + o.reason.capacity() + namesBytes(o.task_ids);
  }
  return n;
}

bool isMetrics(const WorkItem& item) {
  const auto* event = std::get_if<InboundEvent>(&item);
  return event != nullptr && std::holds_alternative<core::AgentMetrics>(event->event);
}

}  // namespace

bool EventQueue::fits(const WorkItem& item, std::size_t bytes) const {
  // Never shed: a reload, and the end of a restore (the owner holds events until it comes).
  if (std::holds_alternative<ReloadRequest>(item) || std::holds_alternative<PeerSnapshot>(item)) {
    return true;
  }
  // Metrics yield the second half of the room to what cannot be replaced.
  const std::size_t share = isMetrics(item) ? 2 : 1;
  return items_.size() < bounds_.max_items / share && bytes_ + bytes <= bounds_.max_bytes / share;
}

void EventQueue::countShed(const WorkItem& item) {
  if (isMetrics(item)) {
    shed_metrics_.fetch_add(1, std::memory_order_relaxed);
  } else if (std::holds_alternative<InboundEvent>(item) || std::holds_alternative<PeerSteal>(item)) {
    shed_task_events_.fetch_add(1, std::memory_order_relaxed);
  } else {
    shed_requests_.fetch_add(1, std::memory_order_relaxed);
  }
}

ShedCounts EventQueue::shed() const {
  return {shed_metrics_.load(std::memory_order_relaxed),
          shed_task_events_.load(std::memory_order_relaxed),
          shed_requests_.load(std::memory_order_relaxed)};
}

PushResult EventQueue::push(WorkItem item) {
  const std::size_t bytes = estimateBytes(item);
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return PushResult::kClosed;
    if (!fits(item, bytes)) {
      countShed(item);
      return PushResult::kShed;
    }
    was_empty = items_.empty();
    bytes_ += bytes;
    items_.push_back(std::move(item));
    const std::uint64_t depth = items_.size();
    depth_.store(depth, std::memory_order_relaxed);
    if (depth > max_depth_.load(std::memory_order_relaxed)) {
      max_depth_.store(depth, std::memory_order_relaxed);
    }
  }
  // The consumer only sleeps on an empty queue; later pushes join the batch it will take.
  if (was_empty) ready_.notify_one();
  return PushResult::kQueued;
}

bool EventQueue::popAll(std::vector<WorkItem>& out, Deadline deadline) {
  // The two buffers trade places each pop and a burst grows both to its peak: let go of a big
  // one, so memory returns once the burst has drained.
  if (out.capacity() > kRetainedCapacity) {
    std::vector<WorkItem>().swap(out);
  } else {
    out.clear();
  }
  std::unique_lock lock(mutex_);
  ready_.wait_until(lock, deadline, [this] { return closed_ || !items_.empty(); });
  out.swap(items_);
  bytes_ = 0;
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
