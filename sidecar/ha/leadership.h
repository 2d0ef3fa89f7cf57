// Whether this replica may publish steals now, and under which epoch: the elector thread
// writes it, the owner thread reads it before every decision and every publish, and the
// service and metrics code reports it. Without ha (single()) it always leads, epoch 0.
//
// The lease end is on the same monotonic clock as the owner's (clock.h), so a leader that
// was paused past its lease reads leads() false the moment it resumes, before the elector
// thread has run at all. Any thread: atomics, and a mutex for the leader's name.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "sidecar/core/coordinator_config.h"

namespace wss::ha {

// What the elector counts, for work.stats and /metrics.
struct ElectorCounters {
  std::atomic<std::uint64_t> terms_won{0};
  std::atomic<std::uint64_t> terms_lost{0};    // taken over, or lapsed unrenewed
  std::atomic<std::uint64_t> lease_errors{0};  // the bucket did not answer
};

class Leadership {
 public:
  // One sidecar, no lease: leads always.
  static Leadership single() { return Leadership(false, ""); }
  // A replica named `self`, a standby until the elector says otherwise.
  static Leadership replica(std::string self) { return Leadership(true, std::move(self)); }

  [[nodiscard]] bool ha() const { return ha_; }
  [[nodiscard]] bool leads(core::TimeMs now) const {
    return !ha_ || now < valid_until_.load(std::memory_order_acquire);
  }
  // The epoch of the term this replica leads or last led; 0 without ha or before a win.
  [[nodiscard]] std::uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  // "single", "leader" or "standby" (work.stats' role).
  [[nodiscard]] std::string_view role(core::TimeMs now) const {
    return !ha_ ? "single" : leads(now) ? "leader" : "standby";
  }
  [[nodiscard]] const std::string& self() const { return self_; }
  // The leader as last learned from the bucket; empty when unknown (or without ha).
  [[nodiscard]] std::string leader() const;

  // Elector thread. Leads until `valid_until` (0: not leading) under `epoch`.
  void lead(core::TimeMs valid_until, std::uint64_t epoch);
  void stepDown() { valid_until_.store(0, std::memory_order_release); }
  void setLeader(std::string name);
  void count(std::atomic<std::uint64_t> ElectorCounters::*counter) {
    (counters_.*counter).fetch_add(1, std::memory_order_relaxed);
  }
  [[nodiscard]] const ElectorCounters& counters() const { return counters_; }

 private:
  Leadership(bool ha, std::string self) : ha_(ha), self_(std::move(self)) {}

  bool ha_;
  std::string self_;
  std::atomic<core::TimeMs> valid_until_{0};
  std::atomic<std::uint64_t> epoch_{0};
  ElectorCounters counters_;
  mutable std::mutex mutex_;
  std::string leader_;  // mutex_
};

}  // namespace wss::ha
