// Snapshots of the core: image() then restore() on another coordinator, with another clock,
// gives the same fleet and the same decisions; a bad image changes nothing.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/core/fleet.h"

namespace wss::core {
namespace {

using testing::Fleet;

// A fleet with a bit of everything an image must carry.
void populate(Fleet& f) {
  f.metrics("gpu-1", 30, {"python", "gpu"}, AgentStatus::kActive);
  f.slots("gpu-1", 2);
  f.load("gpu-1", 6, "g", {"gpu"});
  f.complete("gpu-1", "g-0", 800.0);
  f.complete("gpu-1", "g-1", 1200.0);
  f.metrics("cpu-1", 10, {"python"});
  f.load("cpu-1", 9, "c");
  f.complete("cpu-1", "c-0", 300.0);
  for (int i = 0; i < 3; ++i) f.assign("counter", "");  // count-only
  f.load("leaving", 2, "l");
  f.metrics("leaving", 0, {}, AgentStatus::kOffline);  // departed, tasks to re-home
  f.metrics("idle-1", 0, {"python", "gpu"}, AgentStatus::kIdle);
  f.metrics("idle-2", 0, {"python"}, AgentStatus::kIdle);
}

// What work.agents would show, minus the clock-dependent last-seen time.
void checkSameAgents(const Fleet& a, const Fleet& b) {
  const auto left = a.coordinator.agents(a.now, 1000);
  const auto right = b.coordinator.agents(b.now, 1000);
  REQUIRE(left.size() == right.size());
  for (std::size_t i = 0; i < left.size(); ++i) {
    INFO(left[i].agent_id);
    CHECK(left[i].agent_id == right[i].agent_id);
    CHECK(left[i].task_count == right[i].task_count);
    CHECK(left[i].incoming_steals == right[i].incoming_steals);
    CHECK(left[i].outgoing_steals == right[i].outgoing_steals);
    CHECK(left[i].avg_task_duration_ms.has_value() == right[i].avg_task_duration_ms.has_value());
    if (left[i].avg_task_duration_ms) {
      CHECK(*right[i].avg_task_duration_ms == Approx(*left[i].avg_task_duration_ms).epsilon(0.01));
    }
    CHECK(left[i].cpu_usage == right[i].cpu_usage);
    CHECK(left[i].concurrency == right[i].concurrency);
    CHECK(left[i].capabilities == right[i].capabilities);
    CHECK(left[i].status == right[i].status);
    CHECK(left[i].stale == right[i].stale);
    CHECK(a.now - left[i].last_seen_ms == b.now - right[i].last_seen_ms);
  }
  CHECK(a.coordinator.stats(a.now).in_flight_tasks == b.coordinator.stats(b.now).in_flight_tasks);
  CHECK(a.coordinator.stats(a.now).pending_steals == b.coordinator.stats(b.now).pending_steals);
}

// Orders without the operation ids (each process mints its own).
std::vector<std::string> shape(const std::vector<StealOrder>& orders) {
  std::vector<std::string> out;
  for (const auto& o : orders) {
    std::string line = o.source_agent_id + ">" + o.target_agent_id + ":";
    for (const auto& id : o.task_ids) line += id + ",";
    out.push_back(line + std::to_string(o.tasks_to_steal));
  }
  return out;
}

TEST_CASE("a restored coordinator holds the same fleet and decides the same steals") {
  Fleet original;
  populate(original);
  original.advance(250);
  Fleet restored;
  restored.now = 77'000'000;  // another process: another monotonic clock
  const RestoreResult result =
      restored.coordinator.restore(original.coordinator.image(original.now), restored.now);
  REQUIRE(result.ok);
  CHECK(result.agents == 6);
  CHECK(result.tasks == 6 + 9 + 2 - 3);  // named tasks still held (three completed)
  checkSameAgents(original, restored);
  CHECK(shape(restored.round()) == shape(original.round()));
  checkSameAgents(original, restored);
}

TEST_CASE("an unconfirmed steal survives the image: confirmed or timed out after restore") {
  Fleet original;
  populate(original);
  const std::vector<StealOrder> orders = original.round();
  REQUIRE_FALSE(orders.empty());
  const StealOrder& order = orders.front();
  REQUIRE_FALSE(order.task_ids.empty());
  original.advance(1000);
  Fleet restored;
  restored.now = 5'000'000;
  REQUIRE(restored.coordinator.restore(original.coordinator.image(original.now), restored.now).ok);
  CHECK(restored.coordinator.stats(restored.now).pending_steals ==
        original.coordinator.stats(original.now).pending_steals);
  // Nothing it promised is named again.
  for (const auto& again : restored.react()) {
    for (const auto& id : again.task_ids) {
      CHECK(std::find(order.task_ids.begin(), order.task_ids.end(), id) == order.task_ids.end());
    }
  }
  SECTION("confirmed") {
    CHECK(restored.assign(order.target_agent_id, order.task_ids[0]) == Outcome::kStealConfirmed);
  }
  SECTION("timed out: its age counts, so it ends stealTimeout after it was issued") {
    restored.advance(restored.coordinator.config().steal_timeout_ms - 1000);
    (void)restored.round();
    CHECK(restored.coordinator.counters().tasks_returned >= order.task_ids.size());
  }
}

TEST_CASE("a bad image is refused and changes nothing") {
  Fleet original;
  populate(original);
  StateImage image = original.coordinator.image(original.now);
  Fleet target;

  SECTION("a task named by two agents") {
    image.agents[1].tasks.push_back(image.agents[0].tasks.front());
  }
  SECTION("an agent named twice") { image.agents.push_back(image.agents.front()); }
  SECTION("an id beyond limits.maxIdLength") { image.agents[0].id = std::string(300, 'x'); }
  SECTION("more agents than limits.maxAgents") {
    CoordinatorConfig small;
    small.limits.max_agents = 2;
    target.coordinator.reconfigure(small);
  }
  const RestoreResult result = target.coordinator.restore(image, target.now);
  CHECK_FALSE(result.ok);
  CHECK_FALSE(result.error.empty());
  CHECK(target.coordinator.stats(target.now).total_agents == 0);
  CHECK(target.coordinator.stats(target.now).in_flight_tasks == 0);
}

TEST_CASE("restore refuses a coordinator that already tracks agents") {
  Fleet original;
  populate(original);
  Fleet busy;
  busy.assign("someone", "x-1");
  const RestoreResult result = busy.coordinator.restore(original.coordinator.image(original.now),
                                                        busy.now);
  CHECK_FALSE(result.ok);
  CHECK(busy.coordinator.stats(busy.now).total_agents == 1);
}

TEST_CASE("replaying assignments and metrics the image already holds changes nothing") {
  Fleet original;
  populate(original);
  Fleet restored;
  REQUIRE(restored.coordinator.restore(original.coordinator.image(original.now), restored.now).ok);
  // Tasks still held, and metrics: idempotent. (A replayed completion would record its
  // duration twice, and a replayed assignment of a task done since would bring it back: the
  // app drops the overlap an image covers instead of replaying it.)
  for (int i = 2; i < 6; ++i) restored.assign("gpu-1", "g-" + std::to_string(i), {"gpu"});
  for (int i = 1; i < 9; ++i) restored.assign("cpu-1", "c-" + std::to_string(i));
  restored.metrics("idle-1", 0, {"python", "gpu"}, AgentStatus::kIdle);
  checkSameAgents(original, restored);
  CHECK(restored.coordinator.counters().duplicate_assignments == 12);
}

}  // namespace
}  // namespace wss::core
