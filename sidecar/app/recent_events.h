// The fingerprints of the events the owner applied in the last few seconds (ha), so a peer
// snapshot can tell a restoring replica which of the events it buffered meanwhile the
// snapshot already holds. Bounded in time and in count. Owner thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "sidecar/core/events.h"

namespace wss::app {

class RecentEvents {
 public:
  RecentEvents(core::TimeMs window_ms, std::size_t max_entries)
      : window_ms_(window_ms), max_entries_(max_entries) {}

  void record(std::uint64_t hash, core::TimeMs now) {
    entries_.emplace_back(now, hash);
    while (entries_.size() > max_entries_ ||
           (!entries_.empty() && now - entries_.front().first > window_ms_)) {
      entries_.pop_front();
    }
  }
  // Oldest first, as of `now`.
  [[nodiscard]] std::vector<std::uint64_t> hashes(core::TimeMs now) const {
    std::vector<std::uint64_t> out;
    out.reserve(entries_.size());
    for (const auto& [at, hash] : entries_) {
      if (now - at <= window_ms_) out.push_back(hash);
    }
    return out;
  }

 private:
  core::TimeMs window_ms_;
  std::size_t max_entries_;
  std::deque<std::pair<core::TimeMs, std::uint64_t>> entries_;
};

}  // namespace wss::app
