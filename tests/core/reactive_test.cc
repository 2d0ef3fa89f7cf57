// Reactive stealing: decisions the moment a move could help, bounded by what targets can start.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "sidecar/core/coordinator.h"
#include "tests/core/fleet.h"

namespace wss::core {
namespace {

using testing::Fleet;
using testing::totalTasks;

TEST_CASE("a completion that frees a slot asks for a decision, and react() fills it") {
  Fleet f;
  f.load("hot", 4, "t");
  f.load("worker", 1, "w");
  (void)f.react();
  CHECK_FALSE(f.coordinator.wantsDecision());
  CHECK(f.react().empty());  // worker is busy: nothing can start sooner elsewhere
  f.complete("worker", "w-0", 1000.0);
  CHECK(f.coordinator.wantsDecision());
  auto orders = f.react();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].source_agent_id == "hot");
  CHECK(orders[0].target_agent_id == "worker");
  CHECK(orders[0].task_ids == std::vector<std::string>{"t-1"});
  CHECK_FALSE(f.coordinator.wantsDecision());
  CHECK(f.coordinator.counters().reactive_decisions == 3);
}

TEST_CASE("a task queued behind a busy agent moves while another agent has a free slot") {
  Fleet f;
  f.metrics("free", 0);
  f.load("busy", 1, "t");
  CHECK(f.react().empty());  // one task, running: nothing queued
  f.assign("busy", "t-1");
  CHECK(f.coordinator.wantsDecision());
  auto orders = f.react();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].target_agent_id == "free");
  CHECK(orders[0].task_ids == std::vector<std::string>{"t-1"});
}

TEST_CASE("reactive: false never asks for a decision, and the round still steals") {
  CoordinatorConfig c;
  c.reactive = false;
  Fleet f(c);
  f.metrics("free", 0);
  f.load("busy", 3, "t");
  CHECK_FALSE(f.coordinator.wantsDecision());
  CHECK_FALSE(f.round().empty());
}

TEST_CASE("stealing disabled: no reactive decision either") {
  CoordinatorConfig c;
  c.enabled = false;
  Fleet f(c);
  f.metrics("free", 0);
  f.load("busy", 3, "t");
  CHECK_FALSE(f.coordinator.wantsDecision());
  CHECK(f.react().empty());
}

TEST_CASE("unconstrained tasks go to plain agents first, keeping scarce ones free") {
  Fleet f;
  f.metrics("gpu-box", 0, {"gpu", "linux"});
  f.metrics("plain", 0, {"linux"});
  f.load("hot", 2, "t");
  auto orders = f.react();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].target_agent_id == "plain");
  f.assign("hot", "g-0", {"gpu"});
  auto gpu = f.react();
  REQUIRE(gpu.size() == 1);
  CHECK(gpu[0].target_agent_id == "gpu-box");
  CHECK(gpu[0].task_ids == std::vector<std::string>{"g-0"});
}

TEST_CASE("a burst onto half the fleet: orders bounded by the free slots") {
  CoordinatorConfig c;
  c.max_steal_batch = 100;
  Fleet f(c);
  for (int a = 0; a < 100; ++a) f.metrics("idle-" + std::to_string(a), 0);
  for (int a = 0; a < 100; ++a) f.load("deep-" + std::to_string(a), 200, std::to_string(a));
  auto orders = f.react();
  CHECK(orders.size() == 100);
  CHECK(totalTasks(orders) == 100);
  std::map<std::string, int> per_target;
  for (const auto& o : orders) ++per_target[o.target_agent_id];
  CHECK(per_target.size() == 100);
  CHECK(f.react().empty());
  CHECK(f.round().empty());
}

TEST_CASE("an agent that reports idle or appears becomes a target at once") {
  Fleet f;
  f.load("hot", 3, "t");
  CHECK(f.react().empty());
  f.metrics("newcomer", 10, {}, AgentStatus::kIdle);
  CHECK(f.coordinator.wantsDecision());
  auto orders = f.react();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].target_agent_id == "newcomer");
}

TEST_CASE("reconfigure: turning reactive off stops decisions, turning it on resumes them") {
  Fleet f;
  f.metrics("free", 0);
  CoordinatorConfig off = f.coordinator.config();
  off.reactive = false;
  f.coordinator.reconfigure(off);
  f.load("busy", 3, "t");
  CHECK_FALSE(f.coordinator.wantsDecision());
  off.reactive = true;
  f.coordinator.reconfigure(off);
  CHECK(f.coordinator.wantsDecision());
  CHECK(f.react().size() == 1);
}

}  // namespace
}  // namespace wss::core

namespace wss::core {
namespace {

TEST_CASE("heavy tails: one long task does not make an agent look slow") {
  Fleet f;
  // Both agents ran nine 100 ms tasks; `unlucky` also ran one of 4 s.
  for (const char* a : {"lucky", "unlucky"}) {
    for (int i = 0; i < 9; ++i) {
      f.assign(a, std::string(a) + "-" + std::to_string(i));
      f.complete(a, std::string(a) + "-" + std::to_string(i), 100.0);
    }
  }
  f.assign("unlucky", "long");
  f.complete("unlucky", "long", 4000.0);
  f.load("hot", 2, "t");  // one running, one queued
  auto orders = f.react();
  REQUIRE(orders.size() == 1);
  // With means (100 vs 490 ms) unlucky would look 5x slower; typical durations are equal.
  CHECK(orders[0].target_agent_id == "lucky");
}

TEST_CASE("heavy tails: tasks queued behind a task running far past the typical one move") {
  CoordinatorConfig c;
  c.steal_threshold = 5;  // only a clearly late queue is worth a move
  Fleet f(c);
  for (int i = 0; i < 20; ++i) {
    f.assign("stuck", "warm-" + std::to_string(i));
    f.advance(100);
    f.complete("stuck", "warm-" + std::to_string(i), i % 10 == 0 ? 3000.0 : 100.0);
  }
  f.metrics("free", 0);
  f.load("stuck", 2, "t");  // t-0 runs, t-1 waits
  // Just started: it may well be a typical 100 ms task (expected rest 390 ms, the mean).
  CHECK(f.react().empty());
  f.advance(2000);  // t-0 has run 20x the typical task
  f.metrics("free", 0);
  auto orders = f.react();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].task_ids == std::vector<std::string>{"t-1"});
  CHECK(orders[0].target_agent_id == "free");
}

}  // namespace
}  // namespace wss::core

namespace wss::core {
namespace {

TEST_CASE("a completion supersedes an earlier 'busy': the freed slot is a target at once") {
  Fleet f;
  f.load("worker", 1, "w");
  f.metrics("worker", 100, {}, AgentStatus::kBusy);
  f.load("hot", 3, "t");
  CHECK(f.react().empty());
  f.complete("worker", "w-0", 1000.0);  // metrics every few seconds: no new status yet
  auto orders = f.react();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].target_agent_id == "worker");
  f.assign("worker", orders[0].task_ids[0]);
  f.complete("worker", orders[0].task_ids[0], 1000.0);  // free again, hot still has t-2
  f.metrics("worker", 100, {}, AgentStatus::kBusy);     // but a fresh 'busy' excludes it
  CHECK(f.react().empty());
  f.metrics("worker", 10, {}, AgentStatus::kActive);
  CHECK(f.react().size() == 1);
}

}  // namespace
}  // namespace wss::core

namespace wss::core {
namespace {

TEST_CASE("a burst onto busy agents asks for no decision while no slot is free anywhere") {
  Fleet f;
  f.load("a", 1, "a");
  f.load("b", 1, "b");
  (void)f.react();
  f.load("a", 50, "more");  // queued behind a, and nowhere to go
  CHECK_FALSE(f.coordinator.wantsDecision());
  f.complete("b", "b-0", 1000.0);  // now b has a free slot
  CHECK(f.coordinator.wantsDecision());
  CHECK(f.react().size() == 1);
}

}  // namespace
}  // namespace wss::core

namespace wss::core {
namespace {

TEST_CASE("a steal's reason gives both estimates") {
  Fleet f;
  f.metrics("idle", 0);
  f.load("hot", 3, "t");  // one running, two queued; 1 s per task (the default)
  auto orders = f.react();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].reason ==
        "rebalance hot (newest task done in ~3000 ms) -> idle (done in ~1000 ms)");
}

}  // namespace
}  // namespace wss::core
