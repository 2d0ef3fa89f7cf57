// The bounded FIFO between the threads that publish (the owner thread) and the one thread
// that talks to NATS (Publisher).
//
// Bounded in messages and in bytes, so a server that stops reading costs at most a known
// amount of memory: past either bound push() refuses, without waiting, and counts what it
// refused by kind. Order is kept: messages leave in the order they were pushed. Any thread
// may push; one consumer thread pops.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "sidecar/transport/bus.h"

namespace wss::transport {

struct OutboundMessage {
  Outbound what = Outbound::kStealOrder;
  std::string subject;
  std::string payload;
  std::string content_type;

  [[nodiscard]] std::size_t bytes() const {
    return subject.size() + payload.size() + content_type.size();
  }
};

// Room for a steal round of 30,000 orders at 100k agents, or a few seconds of replies, while
// the publisher waits on the server; far more only when the server stopped reading.
struct OutboundLimits {
  std::size_t max_messages = 65'536;
  std::size_t max_bytes = 32U * 1024 * 1024;
};

class OutboundQueue {
 public:
  enum class Push : std::uint8_t { kQueued, kFull, kClosed };

  explicit OutboundQueue(OutboundLimits limits = {}) : limits_(limits) {}

  // Appends `message` unless a bound would be passed (kFull, counted per kind) or close()
  // was called (kClosed). A message larger than max_bytes is queued only into an empty
  // queue. Never waits. Any thread.
  [[nodiscard]] Push push(OutboundMessage&& message);

  // Takes the oldest message, waiting until there is one; false once closed and empty. The
  // consumer thread; call done() after handling what it took.
  [[nodiscard]] bool pop(OutboundMessage& out);
  // The message taken by the last pop() has been handled. The consumer thread.
  void done();

  // No push succeeds after this; pop() still returns what is queued. Any thread.
  void close();
  // Waits until everything pushed has been popped and done(), at most until `deadline`;
  // false on timeout. Any thread but the consumer.
  [[nodiscard]] bool waitIdle(std::chrono::steady_clock::time_point deadline);

  // Any thread.
  [[nodiscard]] std::size_t depth() const;
  [[nodiscard]] std::size_t bytes() const;
  [[nodiscard]] std::uint64_t shed(Outbound what) const;
  [[nodiscard]] const OutboundLimits& limits() const { return limits_; }

 private:
  const OutboundLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;  // a message or close
  std::condition_variable idle_;   // nothing queued or in hand
  std::deque<OutboundMessage> messages_;
  std::size_t bytes_ = 0;
  bool in_hand_ = false;  // popped, not done yet
  bool closed_ = false;
  std::array<std::uint64_t, 2> shed_{};
};

}  // namespace wss::transport
