#include "sidecar/transport/publisher.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace wss::transport {
namespace {

constexpr auto kFailureLogInterval = std::chrono::seconds(1);

std::string_view kindText(Outbound what) {
  return what == Outbound::kStealOrder ? "steal order" : "reply";
}

}  // namespace

Publisher::Publisher(PublishSink sink, OutboundLimits limits)
    : sink_(std::move(sink)), queue_(limits), thread_([this] { run(); }) {}

Publisher::~Publisher() { finish(std::chrono::steady_clock::now()); }

Status Publisher::enqueue(OutboundMessage&& message) {
  switch (queue_.push(std::move(message))) {
    case OutboundQueue::Push::kQueued:
      return {};
    case OutboundQueue::Push::kFull:
      noteFull();
      return Status::failure("outbound queue full: NATS is not taking messages");
    case OutboundQueue::Push::kClosed:
      break;
  }
  return Status::failure("connection closing");
}

void Publisher::finish(Deadline deadline) {
  const std::lock_guard lock(finish_mutex_);
  if (!thread_.joinable()) return;
  queue_.close();
  if (!queue_.waitIdle(deadline)) {
    const std::size_t left = queue_.depth();
    abandon_.store(true);
    if (left > 0) spdlog::warn("{} outbound message(s) not sent by the shutdown deadline", left);
  }
  thread_.join();
}

void Publisher::run() {
  OutboundMessage message;
  while (queue_.pop(message)) {
    if (abandon_.load()) {
      failures_.fetch_add(1, std::memory_order_relaxed);
    } else if (Status status = sink_(message); !status.ok) {
      noteFailure(message, status);
    }
    queue_.done();
    if (shedding_.load(std::memory_order_relaxed)) noteDrained();
  }
}

void Publisher::noteFull() {
  if (shedding_.exchange(true)) return;  // logged when the episode began
  spdlog::warn(
      "outbound queue full ({} messages, {} bytes waiting for NATS): the server is not taking "
      "messages; steal orders and replies are shed until it drains",
      queue_.depth(), queue_.bytes());
}

void Publisher::noteDrained() {
  const OutboundLimits& limits = queue_.limits();
  if (queue_.depth() > limits.max_messages / 2 || queue_.bytes() > limits.max_bytes / 2) return;
  if (!shedding_.exchange(false)) return;
  spdlog::info("outbound queue draining again; shed so far: {} steal orders, {} replies",
               queue_.shed(Outbound::kStealOrder), queue_.shed(Outbound::kReply));
}

void Publisher::noteFailure(const OutboundMessage& message, const Status& status) {
  failures_.fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_failure_log_ < kFailureLogInterval) {
    ++failures_not_logged_;
    return;
  }
  spdlog::warn("{} on '{}' not sent: {}{}", kindText(message.what), message.subject, status.error,
               failures_not_logged_ > 0
                   ? fmt::format(" ({} similar suppressed)", failures_not_logged_)
                   : "");
  last_failure_log_ = now;
  failures_not_logged_ = 0;
}

}  // namespace wss::transport
