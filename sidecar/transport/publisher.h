// The one thread that hands outbound messages to NATS, so that no other thread waits on it.
//
// A cnats publish takes the connection's lock, and may wait behind a write to a server that
// stopped reading (for cnats' write deadline). Publisher takes that wait off the owner
// thread: enqueue() only appends to a bounded OutboundQueue and returns; its own thread
// pops each message and calls the sink (Connection's cnats publish). When the queue is full,
// enqueue() refuses and counts by kind: steal orders that never leave fail unconfirmed
// through the coordinator's stealTimeout, and a requester whose reply is shed times out.
// Each episode of a full queue is logged once when it starts and once when it ends; sink
// failures are logged at most once a second with a count of the ones held back.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "sidecar/transport/bus.h"
#include "sidecar/transport/outbound_queue.h"

namespace wss::transport {

// Publishes one message; called on the publisher thread only.
using PublishSink = std::function<Status(const OutboundMessage&)>;

class Publisher {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // Starts the publisher thread. `sink` must stay callable until finish() returned.
  explicit Publisher(PublishSink sink, OutboundLimits limits = {});
  // finish() with no time left, if it was not called.
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Queues `message`; a failure (queue full or finished) says why. Any thread; never waits.
  [[nodiscard]] Status enqueue(OutboundMessage&& message);

  // Stops accepting, lets the thread hand over what is queued until `deadline`, drops the
  // rest (logged) and joins the thread. A sink call in progress is waited for. Idempotent.
  // Not from the publisher thread.
  void finish(Deadline deadline);

  // Any thread.
  [[nodiscard]] std::size_t depth() const { return queue_.depth(); }
  [[nodiscard]] std::uint64_t shed(Outbound what) const { return queue_.shed(what); }
  // Messages the sink failed, or dropped at finish().
  [[nodiscard]] std::uint64_t failures() const { return failures_.load(); }
  // Whether finish() ran out of time, so what is left is dropped.
  [[nodiscard]] bool abandoned() const { return abandon_.load(); }

 private:
  void run();
  void noteFull();
  void noteDrained();
  void noteFailure(const OutboundMessage& message, const Status& status);

  PublishSink sink_;
  OutboundQueue queue_;
  std::atomic<bool> abandon_{false};   // finish() ran out of time: drop the rest
  std::atomic<bool> shedding_{false};  // inside a full-queue episode
  std::atomic<std::uint64_t> failures_{0};
  std::mutex finish_mutex_;
  // Publisher thread only: the sink-failure log's rate limit.
  std::chrono::steady_clock::time_point last_failure_log_{};
  std::uint64_t failures_not_logged_ = 0;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace wss::transport
