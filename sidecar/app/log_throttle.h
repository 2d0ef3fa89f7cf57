// Rate-limited logging for bad input and degraded modes: at most one line per reason per
// interval.
//
// A fleet that publishes garbage at 100k messages/s must not turn the log into a second
// firehose. For each reason (e.g. "task.assigned: missing agentId") LogThrottle lets one
// line through per interval and counts the ones it held back, so the next line can say
// "(N similar suppressed)". warn() is the one way the daemon writes such a line. The number
// of distinct reasons is capped, so hostile input cannot grow it without bound. The time
// comes from the injected Clock, so tests drive the interval with a manual clock.
#pragma once

#include <spdlog/fmt/fmt.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "sidecar/app/clock.h"

namespace wss::app {

// " (N similar suppressed)" for N > 0, else "": what a throttled line ends with. Pure.
[[nodiscard]] std::string suppressedSuffix(std::uint64_t suppressed);

class LogThrottle {
 public:
  // `clock` must outlive the throttle.
  explicit LogThrottle(const Clock& clock,
                       std::chrono::milliseconds interval = std::chrono::seconds(1),
                       std::size_t max_reasons = 256);

  // Whether a line for `reason` may be logged now. When it may, returns how many lines for
  // that reason were suppressed since the last one (usually 0); when not, nullopt (and the
  // suppression is counted). Any thread.
  [[nodiscard]] std::optional<std::uint64_t> admit(const std::string& reason);

  // Logs `format` with `args` at warn level, followed by suppressedSuffix(), when admit(reason)
  // lets it through; formats nothing otherwise. Returns whether it logged. Any thread.
  template <typename... Args>
  bool warn(const std::string& reason, fmt::format_string<Args...> format, Args&&... args) {
    const std::optional<std::uint64_t> suppressed = admit(reason);
    if (!suppressed) return false;
    logWarn(fmt::format(format, std::forward<Args>(args)...), *suppressed);
    return true;
  }

 private:
  struct Entry {
    std::optional<core::TimeMs> last;  // when its last line was let through
    std::uint64_t suppressed = 0;
  };
  static void logWarn(const std::string& line, std::uint64_t suppressed);

  const Clock& clock_;
  std::chrono::milliseconds interval_;
  std::size_t max_reasons_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace wss::app
