#include "sidecar/transport/link_health.h"

#include <algorithm>

namespace wss::transport {
namespace {

LinkHealth::Duration since(LinkHealth::Clock::time_point then, LinkHealth::Clock::time_point now) {
  return std::chrono::duration_cast<LinkHealth::Duration>(now - then);
}

}  // namespace

LinkHealth::LinkHealth(Settings settings, Clock::time_point now)
    : settings_(settings),
      last_answer_(now),
      last_tick_(now),
      last_stall_end_(now),
      grace_until_(now) {}

void LinkHealth::connected(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  connected_ = true;
  stale_ = false;
  last_answer_ = std::max(last_answer_, now);
}

void LinkHealth::disconnected() {
  std::lock_guard lock(mutex_);
  connected_ = false;
  stale_ = false;  // the disconnect is what gets reported now
}

std::optional<LinkHealth::Duration> LinkHealth::answered(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::optional<Duration> ended;
  if (stale_) ended = since(last_answer_, now);
  stale_ = false;
  last_answer_ = std::max(last_answer_, now);
  return ended;
}

void LinkHealth::writeTimedOut(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  last_write_timeout_ = now;
}

LinkHealth::Tick LinkHealth::tick(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Tick out;
  const Duration gap = since(last_tick_, now);
  if (gap > settings_.stall_threshold) {
    out.stall = gap;
    last_stall_ = gap;
    last_stall_end_ = now;
    silent_before_stall_ = since(last_answer_, last_tick_);
    // The server had no chance to answer while this process was not running.
    grace_until_ = now + settings_.stale_after;
  }
  last_tick_ = std::max(last_tick_, now);
  const Duration silent = since(last_answer_, now);
  if (connected_ && !stale_ && now >= grace_until_ && silent > settings_.stale_after) {
    stale_ = true;
    ++stale_episodes_;
    out.became_stale = true;
    out.silent_for = silent;
  }
  return out;
}

bool LinkHealth::isConnected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

bool LinkHealth::ready(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return connected_ && !stale_ &&
         (now < grace_until_ || since(last_answer_, now) <= settings_.stale_after);
}

bool LinkHealth::stale() const {
  std::lock_guard lock(mutex_);
  return stale_;
}

std::uint64_t LinkHealth::staleEpisodes() const {
  std::lock_guard lock(mutex_);
  return stale_episodes_;
}

LinkHealth::Duration LinkHealth::recentStall(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  Duration stall{0};
  if (const Duration overdue = since(last_tick_, now); overdue > settings_.stall_threshold) {
    stall = overdue;
  }
  if (last_stall_.count() > 0 && since(last_stall_end_, now) <= settings_.stall_memory) {
    stall = std::max(stall, last_stall_);
  }
  return stall;
}

LinkHealth::Duration LinkHealth::slowConsumerCut(Clock::time_point now) const {
  const Duration stall = recentStall(now);
  if (stall.count() == 0) return stall;
  std::lock_guard lock(mutex_);
  // A stall still in progress (the ticker has not run since) began at the last tick.
  const bool in_progress = since(last_tick_, now) > settings_.stall_threshold;
  const Duration silent_before =
      in_progress ? since(last_answer_, last_tick_) : silent_before_stall_;
  const bool write_timed_out =
      last_write_timeout_ && since(*last_write_timeout_, now) <= settings_.stall_memory;
  if (write_timed_out || silent_before > settings_.stale_after) return Duration{0};
  return stall;
}

}  // namespace wss::transport
