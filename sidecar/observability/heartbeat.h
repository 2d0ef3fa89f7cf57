// Liveness of a thread that should keep turning: it beats, others ask whether it did lately.
//
// The owner thread calls beat() on every turn of its loop (it wakes at least once per steal
// interval); the HTTP thread answers /healthz with alive(). Lock-free. Times are milliseconds
// on the caller's monotonic clock (the app's injected Clock), passed in as arguments, so this
// module reads no clock and a test drives it with plain numbers or a manual clock.
#pragma once

#include <atomic>
#include <cstdint>

namespace wss::observability {

class Heartbeat {
 public:
  // Counts as a beat at `now_ms`, so the thread has `max_silence_ms` to start turning.
  explicit Heartbeat(std::int64_t now_ms) { beat(now_ms); }

  // The owning thread only.
  void beat(std::int64_t now_ms) { last_beat_ms_.store(now_ms, std::memory_order_relaxed); }

  // Any thread: whether the last beat is at most `max_silence_ms` before `now_ms`.
  [[nodiscard]] bool alive(std::int64_t now_ms, std::int64_t max_silence_ms) const {
    return now_ms - last_beat_ms_.load(std::memory_order_relaxed) <= max_silence_ms;
  }

 private:
  std::atomic<std::int64_t> last_beat_ms_{0};
};

}  // namespace wss::observability
