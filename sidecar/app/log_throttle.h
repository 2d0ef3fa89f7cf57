// Rate-limited logging for bad input: at most one line per reason per interval.
//
// A fleet that publishes garbage at 100k messages/s must not turn the log into a second
// firehose. For each reason (e.g. "task.assigned: missing agentId") LogThrottle lets one
// line through per interval and counts the ones it held back, so the next line can say
// "(N similar suppressed)". The number of distinct reasons is capped, so hostile input
// cannot grow it without bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace wss::app {

class LogThrottle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::seconds(1),
                       std::size_t max_reasons = 256);

  // Whether a line for `reason` may be logged at `now`. When it may, returns how many lines
  // for that reason were suppressed since the last one (usually 0); when not, nullopt (and
  // the suppression is counted). Any thread.
  [[nodiscard]] std::optional<std::uint64_t> admit(const std::string& reason, TimePoint now);

 private:
  struct Entry {
    TimePoint last{};
    std::uint64_t suppressed = 0;
  };
  std::chrono::milliseconds interval_;
  std::size_t max_reasons_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace wss::app
