#include "sidecar/app/log_throttle.h"

namespace wss::app {
namespace {
// Reasons beyond the cap share this one.
constexpr const char* kOtherReasons = "(other reasons)";
}  // namespace

LogThrottle::LogThrottle(std::chrono::milliseconds interval, std::size_t max_reasons)
    : interval_(interval), max_reasons_(max_reasons) {}

std::optional<std::uint64_t> LogThrottle::admit(const std::string& reason, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(reason);
  if (it == entries_.end()) {
    if (entries_.size() >= max_reasons_) {
      it = entries_.try_emplace(kOtherReasons).first;
    } else {
      it = entries_.try_emplace(reason).first;
      it->second.last = now;
      return 0;
    }
  }
  Entry& entry = it->second;
  if (entry.last != TimePoint{} && now - entry.last < interval_) {
    ++entry.suppressed;
    return std::nullopt;
  }
  entry.last = now;
  const std::uint64_t suppressed = entry.suppressed;
  entry.suppressed = 0;
  return suppressed;
}

}  // namespace wss::app
