// Where the owner thread gets the time: a monotonic clock in milliseconds.
//
// The core never reads a clock; the owner thread reads this one and passes the time in, so
// a test can drive the loop with a manual clock.
#pragma once

#include "sidecar/core/events.h"

namespace wss::app {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds on a monotonic clock (never goes back). Any thread.
  [[nodiscard]] virtual core::TimeMs nowMs() const = 0;
};

// std::chrono::steady_clock, in milliseconds.
class SteadyClock final : public Clock {
 public:
  [[nodiscard]] core::TimeMs nowMs() const override;
};

}  // namespace wss::app
