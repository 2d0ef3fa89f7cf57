// When a replica campaigns for the leader lease, renews it, and may publish: the decision
// part of leadership, pure, on the time it is given (the injected clock), so it is tested
// without NATS. leader_elector.h drives it against the KV bucket.
//
// The lease: a KV entry that expires `ttl` after it was last written. A replica holds it
// from a successful create (its revision is the term's epoch) and keeps it by updating the
// entry with the last revision it wrote. It counts its lease from when it *sent* the request
// that won or renewed it, minus a margin, so on its own monotonic clock its lease always ends
// before the server's entry can expire: a leader paused past its lease (SIGSTOP, a stall)
// finds leads() false when it resumes, whatever it believed before the pause, and publishes
// nothing until a renewal succeeds again, which it cannot once another replica holds the key.
//
// Invariants: epoch() only grows; leads(now) implies role() == kLeader and
// now < validUntil(); a replica that never won has epoch 0.
// Not thread-safe: one owner (the elector thread).
#pragma once

#include <cstdint>

#include "sidecar/core/coordinator_config.h"

namespace wss::ha {

using core::TimeMs;

enum class Role : std::uint8_t { kStandby, kLeader };

// What the elector should do next, and when.
enum class Step : std::uint8_t { kAcquire, kRenew };

// A change worth a log line, from the last result fed in.
enum class Change : std::uint8_t { kNone, kWon, kLost, kLapsed };

class LeaseMachine {
 public:
  explicit LeaseMachine(TimeMs ttl_ms);

  [[nodiscard]] Step step() const { return role_ == Role::kLeader ? Step::kRenew : Step::kAcquire; }
  // When the next step is due.
  [[nodiscard]] TimeMs dueAt() const { return due_at_; }

  // The acquire or renewal sent at `sent_at` succeeded with `revision`.
  Change onHeld(std::uint64_t revision, TimeMs sent_at);
  // Another replica holds the lease (or it moved on without us).
  Change onTaken(TimeMs now);
  // The bucket did not answer (no JetStream, a timeout): retry soon; a leader keeps its
  // role until its lease runs out on its own clock.
  Change onUnavailable(TimeMs now);
  // Whether the lease ran out unrenewed by `now` (a leader that could not renew): kLapsed once.
  Change checkLapse(TimeMs now);

  [[nodiscard]] bool leads(TimeMs now) const { return role_ == Role::kLeader && now < valid_until_; }
  [[nodiscard]] Role role() const { return role_; }
  [[nodiscard]] std::uint64_t epoch() const { return epoch_; }
  [[nodiscard]] std::uint64_t revision() const { return revision_; }
  [[nodiscard]] TimeMs validUntil() const { return valid_until_; }

  // The timing, derived from the ttl.
  [[nodiscard]] TimeMs renewEvery() const { return ttl_ / 3; }
  [[nodiscard]] TimeMs retryEvery() const { return ttl_ / 10; }
  // A standby tries this often: a released lease (SIGTERM) is taken within it.
  [[nodiscard]] TimeMs campaignEvery() const;
  [[nodiscard]] TimeMs margin() const { return ttl_ / 10; }

 private:
  TimeMs ttl_;
  Role role_ = Role::kStandby;
  std::uint64_t epoch_ = 0;
  std::uint64_t revision_ = 0;
  TimeMs valid_until_ = 0;
  TimeMs due_at_ = 0;
  bool lapse_reported_ = false;
};

}  // namespace wss::ha
