// Liveness of a thread that should keep turning: it beats, others ask whether it did lately.
//
// The owner thread calls beat() on every turn of its loop (it wakes at least once per steal
// interval); the HTTP thread answers /healthz with alive(). Lock-free; the time comes in as an
// argument so tests need no clock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace wss::observability {

class Heartbeat {
 public:
  using Clock = std::chrono::steady_clock;

  // Counts as a beat at `now`, so the thread has `max_silence` to start turning.
  explicit Heartbeat(Clock::time_point now) { beat(now); }

  // The owning thread only.
  void beat(Clock::time_point now) {
    last_beat_ns_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
  }

  // Any thread: whether the last beat is at most `max_silence` before `now`.
  [[nodiscard]] bool alive(Clock::time_point now, Clock::duration max_silence) const {
    const Clock::time_point last{Clock::duration{last_beat_ns_.load(std::memory_order_relaxed)}};
    return now - last <= max_silence;
  }

 private:
  std::atomic<Clock::rep> last_beat_ns_{0};
};

}  // namespace wss::observability
