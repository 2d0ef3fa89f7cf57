// The daemon's one time source: a monotonic clock, injected into everything that reads time.
//
// The core never reads a clock; the owner loop, the log throttle and the heartbeat take the
// time from a Clock, so a test can drive every timer with a manual clock. Only the deadlines
// of real blocking waits (a condition variable, a cnats call) stay on std::chrono::steady_clock:
// a manual clock cannot wake a blocked thread.
#pragma once

#include <cstdint>

#include "sidecar/core/events.h"

namespace wss::app {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds on a monotonic clock (never goes back). Any thread.
  [[nodiscard]] virtual core::TimeMs nowMs() const = 0;
  // Nanoseconds on the same clock, to time what takes less than a millisecond (a steal round).
  // The default follows nowMs(), which is what a manual clock wants. Any thread.
  [[nodiscard]] virtual std::int64_t nowNs() const { return nowMs() * 1'000'000; }
};

// std::chrono::steady_clock.
class SteadyClock final : public Clock {
 public:
  // Clock
  [[nodiscard]] core::TimeMs nowMs() const override;
  [[nodiscard]] std::int64_t nowNs() const override;
};

}  // namespace wss::app
