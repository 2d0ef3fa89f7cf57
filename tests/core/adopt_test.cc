// Adopting another replica's steals (ha): a standby fed the same events as the leader learns
// the leader's orders from work.steal, so once it leads it neither names their tasks again
// nor forgets to time them out.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/core/fleet.h"

namespace wss::core {
namespace {

using testing::Fleet;

// Two replicas that saw the same events: one hot agent with 10 queued tasks, one idle.
void feed(Fleet& f) {
  f.load("hot", 10, "t");
  f.metrics("idle", 0);
}

std::set<std::string> named(const std::vector<StealOrder>& orders) {
  std::set<std::string> ids;
  for (const auto& order : orders) ids.insert(order.task_ids.begin(), order.task_ids.end());
  return ids;
}

TEST_CASE("a standby that adopted the leader's steals names none of their tasks again") {
  Fleet leader;
  Fleet standby;
  feed(leader);
  feed(standby);
  const std::vector<StealOrder> orders = leader.round();
  REQUIRE_FALSE(orders.empty());
  const std::set<std::string> leaders = named(orders);

  SECTION("adopted") {
    for (const auto& order : orders) {
      CHECK(standby.coordinator.adopt(order, standby.now) == order.task_ids.size());
    }
    CHECK(standby.coordinator.stats(standby.now).pending_steals == orders.size());
    CHECK(standby.coordinator.agent("idle", standby.now)->incoming_steals == leaders.size());
    for (const auto& id : named(standby.round())) CHECK(leaders.count(id) == 0);
    CHECK(standby.coordinator.counters().tasks_adopted == leaders.size());
  }
  SECTION("not adopted: the standby would name the same tasks (what adopt prevents)") {
    std::size_t again = 0;
    for (const auto& id : named(standby.round())) again += leaders.count(id);
    CHECK(again > 0);
  }
}

TEST_CASE("an adopted steal is confirmed by the fleet's assignment to the target") {
  Fleet leader;
  Fleet standby;
  feed(leader);
  feed(standby);
  const std::vector<StealOrder> orders = leader.round();
  REQUIRE(orders.size() == 1);
  (void)standby.coordinator.adopt(orders[0], standby.now);
  for (const auto& id : orders[0].task_ids) {
    CHECK(standby.assign("idle", id) == Outcome::kStealConfirmed);
  }
  const Stats stats = standby.coordinator.stats(standby.now);
  CHECK(stats.pending_steals == 0);
  CHECK(stats.successful_steals == 1);
  CHECK(standby.coordinator.counters().tasks_moved == orders[0].task_ids.size());
}

TEST_CASE("an adopted steal left unconfirmed times out and its tasks can move again") {
  Fleet leader;
  Fleet standby;
  feed(leader);
  feed(standby);
  const std::vector<StealOrder> orders = leader.round();
  REQUIRE(orders.size() == 1);
  (void)standby.coordinator.adopt(orders[0], standby.now);
  standby.advance(standby.coordinator.config().steal_timeout_ms + 1);
  standby.metrics("idle", 0);
  standby.metrics("other", 0);  // a target that was never benched
  const std::vector<StealOrder> later = standby.round();
  CHECK(standby.coordinator.counters().tasks_returned == orders[0].task_ids.size());
  CHECK(standby.coordinator.stats(standby.now).failed_steals == 1);
  CHECK_FALSE(later.empty());
}

TEST_CASE("adopt leaves alone what this replica cannot name") {
  Fleet standby;
  feed(standby);
  StealOrder order;
  order.operation_id = "leader-1";
  order.source_agent_id = "hot";
  order.target_agent_id = "idle";
  order.epoch = 3;

  SECTION("a task unknown here, and one already moved to the target") {
    standby.assign("idle", "t-9");  // its confirmation came before the order
    order.task_ids = {"t-5", "nope", "t-9"};
    order.tasks_to_steal = 3;
    CHECK(standby.coordinator.adopt(order, standby.now) == 1);
    CHECK(standby.coordinator.counters().tasks_not_adopted == 2);
    CHECK(standby.coordinator.agent("idle", standby.now)->incoming_steals == 1);
  }
  SECTION("the same order twice: the second finds its tasks pending") {
    order.task_ids = {"t-5", "t-6"};
    order.tasks_to_steal = 2;
    CHECK(standby.coordinator.adopt(order, standby.now) == 2);
    CHECK(standby.coordinator.adopt(order, standby.now) == 0);
    CHECK(standby.coordinator.counters().steals_adopted == 1);
    CHECK(standby.coordinator.stats(standby.now).pending_steals == 1);
  }
  SECTION("an unknown target") {
    order.target_agent_id = "ghost";
    order.task_ids = {"t-5"};
    order.tasks_to_steal = 1;
    CHECK(standby.coordinator.adopt(order, standby.now) == 0);
    CHECK_FALSE(standby.coordinator.agent("ghost", standby.now).has_value());
    CHECK(standby.coordinator.stats(standby.now).pending_steals == 0);
  }
}

TEST_CASE("an adopted count-only order moves the count, as the issuer did") {
  Fleet leader;
  Fleet standby;
  for (Fleet* f : {&leader, &standby}) {
    for (int i = 0; i < 10; ++i) f->assign("hot", "");
    f->metrics("idle", 0);
  }
  const std::vector<StealOrder> orders = leader.round();
  REQUIRE(orders.size() == 1);
  const std::uint32_t moved = orders[0].tasks_to_steal;
  CHECK(standby.coordinator.adopt(orders[0], standby.now) == moved);
  CHECK(standby.tasks("idle") == leader.tasks("idle"));
  CHECK(standby.tasks("hot") == leader.tasks("hot"));
}

}  // namespace
}  // namespace wss::core
