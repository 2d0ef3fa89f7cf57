#include "sidecar/core/fleet_tally.h"

namespace wss::core {

void FleetTally::add(Entry& entry, int sign) {
  // Unsigned counters: taking back is adding the two's complement.
  const auto step = [sign](std::uint64_t value) { return sign > 0 ? value : 0 - value; };
  count_only_ += step(entry.count_only);
  if (!entry.counted) return;
  agents_ += step(1);
  held_ += step(entry.held);
  overloaded_ += step(entry.overloaded ? 1 : 0);
  underloaded_ += step(entry.underloaded ? 1 : 0);
  idle_ += step(entry.held == 0 ? 1 : 0);
}

void FleetTally::recount(AgentIndex index, const Agent& agent, bool overloaded, bool underloaded) {
  if (index >= entries_.size()) entries_.resize(index + 1);
  Entry& entry = entries_[index];
  add(entry, -1);
  const bool counted = agent.in_use && !agent.departed;
  const bool moved = !entry.counted || entry.seen != agent.last_seen;
  if (entry.counted && (!counted || moved)) unlink(index);
  if (counted && moved) {
    entry.seen = agent.last_seen;
    link(index);
  }
  entry.counted = counted;
  entry.held = counted ? agent.held() : 0;
  entry.count_only = agent.in_use ? agent.count_tasks : 0;
  entry.overloaded = counted && overloaded;
  entry.underloaded = counted && underloaded;
  add(entry, +1);
}

void FleetTally::forget(AgentIndex index) {
  if (index >= entries_.size()) return;
  Entry& entry = entries_[index];
  add(entry, -1);
  if (entry.counted) unlink(index);
  entry = Entry{};
}

void FleetTally::link(AgentIndex index) {
  Entry& entry = entries_[index];
  entry.stale = false;
  entry.older = newest_;
  entry.newer = kNone;
  (newest_ != kNone ? entries_[newest_].newer : oldest_) = index;
  newest_ = index;
  if (boundary_ == kNone) boundary_ = index;  // every other agent is stale, or none is listed
}

void FleetTally::unlink(AgentIndex index) {
  Entry& entry = entries_[index];
  if (entry.stale) --stale_;
  if (boundary_ == index) boundary_ = entry.newer;
  (entry.older != kNone ? entries_[entry.older].newer : oldest_) = entry.newer;
  (entry.newer != kNone ? entries_[entry.newer].older : newest_) = entry.older;
  entry.older = entry.newer = kNone;
  entry.stale = false;
}

std::uint64_t FleetTally::stale(TimeMs now, TimeMs timeout) const {
  while (boundary_ != kNone && now - entries_[boundary_].seen > timeout) {
    entries_[boundary_].stale = true;
    ++stale_;
    boundary_ = entries_[boundary_].newer;
  }
  return stale_;
}

void FleetTally::resetStale() {
  for (std::uint32_t at = oldest_; at != boundary_; at = entries_[at].newer) {
    entries_[at].stale = false;
  }
  stale_ = 0;
  boundary_ = oldest_;
}

}  // namespace wss::core
