#include "sidecar/app/log_throttle.h"

#include <spdlog/spdlog.h>

namespace wss::app {
namespace {
// Reasons beyond the cap share this one.
constexpr const char* kOtherReasons = "(other reasons)";
}  // namespace

std::string suppressedSuffix(std::uint64_t suppressed) {
  return suppressed > 0 ? fmt::format(" ({} similar suppressed)", suppressed) : std::string();
}

LogThrottle::LogThrottle(const Clock& clock, std::chrono::milliseconds interval,
                         std::size_t max_reasons)
    : clock_(clock), interval_(interval), max_reasons_(max_reasons) {}

std::optional<std::uint64_t> LogThrottle::admit(const std::string& reason) {
  const core::TimeMs now = clock_.nowMs();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(reason);
  if (it == entries_.end()) {
    const bool full = entries_.size() >= max_reasons_;
    it = entries_.try_emplace(full ? std::string(kOtherReasons) : reason).first;
  }
  Entry& entry = it->second;
  if (entry.last && now - *entry.last < interval_.count()) {
    ++entry.suppressed;
    return std::nullopt;
  }
  entry.last = now;
  const std::uint64_t suppressed = entry.suppressed;
  entry.suppressed = 0;
  return suppressed;
}

void LogThrottle::logWarn(const std::string& line, std::uint64_t suppressed) {
  spdlog::warn("{}{}", line, suppressedSuffix(suppressed));
}

}  // namespace wss::app
