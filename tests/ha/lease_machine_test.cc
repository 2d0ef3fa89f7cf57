// LeaseMachine: campaign, renew, lose, lapse, on a clock the test moves by hand.
#include "sidecar/ha/lease_machine.h"

#include <catch2/catch.hpp>

namespace wss::ha {
namespace {

constexpr TimeMs kTtl = 10'000;

TEST_CASE("lease: a standby campaigns, wins an epoch and renews well inside its ttl") {
  LeaseMachine m(kTtl);
  CHECK(m.step() == Step::kAcquire);
  CHECK_FALSE(m.leads(0));
  CHECK(m.epoch() == 0);
  CHECK(m.onHeld(41, 1000) == Change::kWon);
  CHECK(m.epoch() == 41);
  CHECK(m.step() == Step::kRenew);
  CHECK(m.dueAt() == 1000 + m.renewEvery());
  // The lease counts from when the request was sent, less a margin.
  CHECK(m.leads(1000 + kTtl - m.margin() - 1));
  CHECK_FALSE(m.leads(1000 + kTtl - m.margin()));
  // A renewal moves the revision on, not the epoch: the term is the same.
  CHECK(m.onHeld(44, 4000) == Change::kNone);
  CHECK(m.epoch() == 41);
  CHECK(m.revision() == 44);
  CHECK(m.leads(4000 + kTtl - m.margin() - 1));
}

TEST_CASE("lease: a leader that cannot renew stops leading when its lease runs out") {
  LeaseMachine m(kTtl);
  (void)m.onHeld(7, 0);
  CHECK(m.onUnavailable(m.renewEvery()) == Change::kNone);
  CHECK(m.dueAt() == m.renewEvery() + m.retryEvery());  // tries again soon
  const TimeMs end = kTtl - m.margin();
  CHECK(m.leads(end - 1));
  CHECK(m.checkLapse(end) == Change::kLapsed);
  CHECK(m.checkLapse(end + 1) == Change::kNone);  // said once
  CHECK_FALSE(m.leads(end));
  CHECK(m.step() == Step::kRenew);  // its entry may still be there: renewing is safe
  // Paused past the lease and resumed: another replica took the key meanwhile.
  CHECK(m.onTaken(end + 5000) == Change::kLost);
  CHECK(m.role() == Role::kStandby);
  CHECK_FALSE(m.leads(end + 5000));
  CHECK(m.step() == Step::kAcquire);
  CHECK(m.dueAt() == end + 5000 + m.campaignEvery());
}

TEST_CASE("lease: a renewal after a lapse resumes the same term") {
  LeaseMachine m(kTtl);
  (void)m.onHeld(7, 0);
  CHECK(m.checkLapse(kTtl) == Change::kLapsed);
  CHECK(m.onHeld(9, kTtl) == Change::kNone);
  CHECK(m.epoch() == 7);
  CHECK(m.leads(kTtl + 1));
}

TEST_CASE("lease: epochs only grow from term to term") {
  LeaseMachine m(kTtl);
  (void)m.onHeld(30, 0);
  (void)m.onTaken(100);
  CHECK(m.onHeld(12, 200) == Change::kWon);  // a revision below the last epoch never lowers it
  CHECK(m.epoch() == 30);
  (void)m.onTaken(300);
  (void)m.onHeld(55, 400);
  CHECK(m.epoch() == 55);
}

TEST_CASE("lease: a standby retries at its campaign pace, at most a second apart") {
  LeaseMachine m(kTtl);
  CHECK(m.onUnavailable(0) == Change::kNone);
  CHECK(m.dueAt() == m.campaignEvery());
  CHECK(m.campaignEvery() == 1000);
  CHECK(LeaseMachine(2000).campaignEvery() == 500);
}

}  // namespace
}  // namespace wss::ha
