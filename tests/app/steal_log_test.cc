// Steal info lines: one per round, at most one per interval for reactive decisions.
#include "sidecar/app/steal_log.h"

#include <catch2/catch.hpp>

#include "tests/app/captured_log.h"

namespace wss::app {
namespace {

using testing::CapturedLog;

std::vector<core::StealOrder> orders(std::uint32_t tasks, const std::string& id) {
  core::StealOrder o;
  o.operation_id = id;
  o.source_agent_id = "hot";
  o.target_agent_id = "idle";
  o.tasks_to_steal = tasks;
  return {o};
}

TEST_CASE("reactive decisions share one line per interval, with counts and the biggest order") {
  CapturedLog log;
  StealLog steal_log(1000);
  steal_log.reactive(orders(1, "steal-1"), 1, 5000);  // the first goes out at once
  for (int i = 0; i < 100; ++i) {
    steal_log.reactive(orders(i == 50 ? 3 : 1, "steal-" + std::to_string(i + 2)), 1, 5001 + i);
  }
  CHECK(log.lines() == 1);
  steal_log.flushIfDue(5999);
  CHECK(log.lines() == 1);
  steal_log.flushIfDue(6000);
  REQUIRE(log.lines() == 2);
  CHECK(log.text().find("100 decision(s), 100 order(s) (100 published), 102 task(s)") !=
        std::string::npos);
  CHECK(log.text().find("biggest steal-52: 3 from 'hot' to 'idle'") != std::string::npos);
  steal_log.flushIfDue(9000);  // nothing pending: no line
  CHECK(log.lines() == 2);
}

TEST_CASE("a round that steals logs one line at once, a round that does not logs none") {
  CapturedLog log;
  StealLog steal_log(1000);
  steal_log.round({}, 0, 100);
  CHECK(log.lines() == 0);
  steal_log.round(orders(2, "steal-9"), 0, 100);
  CHECK(log.lines() == 1);
  CHECK(log.text().find("steal round: 1 decision(s), 1 order(s) (0 published), 2 task(s)") !=
        std::string::npos);
}

}  // namespace
}  // namespace wss::app
