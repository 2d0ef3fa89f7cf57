#include "sidecar/transport/outbound_queue.h"

#include <utility>

namespace wss::transport {

OutboundQueue::Push OutboundQueue::push(OutboundMessage&& message) {
  const std::size_t size = message.bytes();
  std::lock_guard lock(mutex_);
  if (closed_) return Push::kClosed;
  const bool room = messages_.size() < limits_.max_messages &&
                    (bytes_ + size <= limits_.max_bytes || messages_.empty());
  if (!room) {
    ++shed_[static_cast<std::size_t>(message.what)];
    return Push::kFull;
  }
  bytes_ += size;
  messages_.push_back(std::move(message));
  ready_.notify_one();
  return Push::kQueued;
}

bool OutboundQueue::pop(OutboundMessage& out) {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [this] { return closed_ || !messages_.empty(); });
  if (messages_.empty()) return false;
  out = std::move(messages_.front());
  messages_.pop_front();
  bytes_ -= out.bytes();
  in_hand_ = true;
  return true;
}

void OutboundQueue::done() {
  std::lock_guard lock(mutex_);
  in_hand_ = false;
  if (messages_.empty()) idle_.notify_all();
}

void OutboundQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  ready_.notify_all();
}

bool OutboundQueue::waitIdle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return idle_.wait_until(lock, deadline, [this] { return messages_.empty() && !in_hand_; });
}

std::size_t OutboundQueue::depth() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

std::size_t OutboundQueue::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::uint64_t OutboundQueue::shed(Outbound what) const {
  std::lock_guard lock(mutex_);
  return shed_[static_cast<std::size_t>(what)];
}

}  // namespace wss::transport
