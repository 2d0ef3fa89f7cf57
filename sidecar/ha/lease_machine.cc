#include "sidecar/ha/lease_machine.h"

#include <algorithm>

namespace wss::ha {
namespace {

constexpr TimeMs kMaxCampaignEveryMs = 1000;

}  // namespace

LeaseMachine::LeaseMachine(TimeMs ttl_ms) : ttl_(std::max<TimeMs>(ttl_ms, 10)) {}

TimeMs LeaseMachine::campaignEvery() const { return std::min(ttl_ / 4, kMaxCampaignEveryMs); }

Change LeaseMachine::onHeld(std::uint64_t revision, TimeMs sent_at) {
  const bool won = role_ != Role::kLeader;
  if (won) epoch_ = std::max(epoch_, revision);  // a new term: its first revision
  role_ = Role::kLeader;
  revision_ = revision;
  valid_until_ = sent_at + ttl_ - margin();
  due_at_ = sent_at + renewEvery();
  lapse_reported_ = false;
  return won ? Change::kWon : Change::kNone;
}

Change LeaseMachine::onTaken(TimeMs now) {
  const bool lost = role_ == Role::kLeader;
  role_ = Role::kStandby;
  valid_until_ = 0;
  due_at_ = now + campaignEvery();
  return lost ? Change::kLost : Change::kNone;
}

Change LeaseMachine::onUnavailable(TimeMs now) {
  due_at_ = now + (role_ == Role::kLeader ? retryEvery() : campaignEvery());
  return checkLapse(now);
}

Change LeaseMachine::checkLapse(TimeMs now) {
  if (role_ != Role::kLeader || now < valid_until_ || lapse_reported_) return Change::kNone;
  lapse_reported_ = true;
  return Change::kLapsed;
}

}  // namespace wss::ha
