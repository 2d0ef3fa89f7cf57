// Steal rounds: what moves where, confirmation and expiry, and the defects fixed.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>

#include "sidecar/core/coordinator.h"
#include "tests/core/fleet.h"

namespace wss::core {
namespace {

using testing::Fleet;
using testing::totalTasks;

TEST_CASE("an overloaded agent's queued tasks move to an idle agent") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("idle", 5);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  const StealOrder& o = orders[0];
  CHECK(o.source_agent_id == "hot");
  CHECK(o.target_agent_id == "idle");
  CHECK(o.tasks_to_steal == o.task_ids.size());
  CHECK(o.tasks_to_steal <= f.coordinator.config().max_steal_batch);
  CHECK_FALSE(o.operation_id.empty());
  CHECK_FALSE(o.reason.empty());
}

TEST_CASE("defect 1: a steal names real queued task ids, the longest-waiting first") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("idle", 5);
  f.slots("idle", 2);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  // t-0 runs on hot; the next two in its queue are what idle can start now.
  CHECK(orders[0].task_ids == std::vector<std::string>{"t-1", "t-2"});
}

TEST_CASE("the oldest `concurrency` tasks are probably running and never named") {
  CoordinatorConfig c;
  c.max_steal_batch = 100;
  Fleet f(c);
  AgentMetrics m;
  m.agent_id = "hot";
  m.concurrency = 3;
  f.coordinator.apply(m, f.now);
  f.load("hot", 5, "t");
  for (int i = 0; i < 10; ++i) f.metrics("idle-" + std::to_string(i), 0);
  auto orders = f.round();
  std::set<std::string> named;
  for (const auto& o : orders) named.insert(o.task_ids.begin(), o.task_ids.end());
  CHECK(named.count("t-0") == 0);
  CHECK(named.count("t-1") == 0);
  CHECK(named.count("t-2") == 0);
  CHECK(named.count("t-4") == 1);
}

TEST_CASE("defect 2: a steal counts only once the fleet confirms it") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("idle", 5);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  const auto& o = orders[0];
  // Not moved yet: the source still holds its tasks, the target has them promised.
  CHECK(f.tasks("hot") == 10);
  CHECK(f.coordinator.agent("idle", f.now)->incoming_steals == o.tasks_to_steal);
  CHECK(f.coordinator.stats(f.now).pending_steals == 1);
  for (const auto& id : o.task_ids) CHECK(f.assign("idle", id) == Outcome::kStealConfirmed);
  CHECK(f.tasks("hot") == 10 - o.tasks_to_steal);
  CHECK(f.tasks("idle") == o.tasks_to_steal);
  Stats s = f.coordinator.stats(f.now);
  CHECK(s.successful_steals == 1);
  CHECK(s.pending_steals == 0);
  CHECK(f.coordinator.operations(1)[0].status == OperationStatus::kCompleted);
  CHECK(f.coordinator.counters().tasks_moved == o.tasks_to_steal);
}

TEST_CASE("defect 2: an unconfirmed steal fails after stealTimeout and its tasks stay home") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("idle", 5);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  f.advance(f.coordinator.config().steal_timeout_ms - 1);
  f.metrics("idle", 5);
  (void)f.round();
  CHECK(f.coordinator.stats(f.now).pending_steals >= 1);
  f.advance(2);
  f.metrics("idle", 5);
  auto later = f.round();
  Stats s = f.coordinator.stats(f.now);
  CHECK(s.failed_steals == 1);
  CHECK(f.coordinator.counters().tasks_returned == orders[0].tasks_to_steal);
  CHECK(f.tasks("hot") == 10);
  CHECK(f.coordinator.agent("idle", f.now)->incoming_steals ==
        (later.empty() ? 0 : later[0].tasks_to_steal));
}

TEST_CASE("a partly confirmed steal completes with what moved") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("idle", 5);
  f.slots("idle", 2);
  auto orders = f.round();
  REQUIRE(orders.at(0).task_ids.size() >= 2);
  f.assign("idle", orders[0].task_ids[0]);
  f.complete("hot", orders[0].task_ids[1], 100.0);  // it had started after all
  f.advance(f.coordinator.config().steal_timeout_ms);
  (void)f.round();
  auto op = f.coordinator.operations(10).back();
  CHECK(op.status == OperationStatus::kCompleted);
  CHECK(op.tasks_confirmed == 1);
}

TEST_CASE("a task moved by the fleet to a third agent resolves the steal without a move") {
  Fleet f;
  f.load("hot", 4, "t");
  f.metrics("idle", 5);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  for (const auto& id : orders[0].task_ids) CHECK(f.assign("other", id) == Outcome::kApplied);
  CHECK(f.coordinator.operations(1)[0].status == OperationStatus::kFailed);
  CHECK(f.coordinator.agent("idle", f.now)->incoming_steals == 0);
  CHECK(f.tasks("other") == orders[0].tasks_to_steal);
}

TEST_CASE("defect 3: tasks only go to agents with every required capability") {
  Fleet f;
  f.load("hot", 10, "g", {"gpu"});
  f.metrics("cpu-only", 0, {"cpu"});
  CHECK(f.round().empty());
  f.metrics("gpu-box", 50, {"gpu", "cpu"});
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].target_agent_id == "gpu-box");
}

TEST_CASE("defect 3: mixed queues move only the tasks the target can run") {
  CoordinatorConfig c;
  c.max_steal_batch = 100;
  Fleet f(c);
  for (int i = 0; i < 12; ++i) {
    f.assign("hot", "t-" + std::to_string(i),
             i % 2 == 0 ? std::vector<std::string>{"gpu"} : std::vector<std::string>{});
  }
  f.metrics("plain", 0, {"cpu"});
  auto orders = f.round();
  REQUIRE_FALSE(orders.empty());
  for (const auto& o : orders) {
    for (const auto& id : o.task_ids) {
      int n = std::stoi(id.substr(2));
      CHECK(n % 2 == 1);
    }
  }
}

TEST_CASE("defect 5: capability match decides, whatever the load difference") {
  Fleet f;
  f.load("hot", 10, "g", {"gpu"});
  f.metrics("idle-cpu", 0, {"cpu"});
  f.metrics("gpu-box", 0, {"gpu"});
  f.load("gpu-box", 1, "x");
  CHECK(f.round().empty());  // gpu-box is busy: late binding waits for its free slot
  f.complete("gpu-box", "x-0", 1000.0);
  auto orders = f.round();
  REQUIRE_FALSE(orders.empty());
  for (const auto& o : orders) CHECK(o.target_agent_id == "gpu-box");
}

TEST_CASE("defect 4: one idle agent is never promised more than helps in one round") {
  CoordinatorConfig c;
  c.max_steal_batch = 100;
  c.steal_interval_ms = 1;  // no look-ahead: compare with what the sources hold now
  Fleet f(c);
  f.load("hot-1", 10, "a");
  f.load("hot-2", 10, "b");
  f.load("hot-3", 10, "c");
  f.metrics("idle", 0);
  auto orders = f.round();
  // With equal durations, idle should end no more loaded than the sources it relieves.
  std::uint32_t to_idle = totalTasks(orders);
  CHECK(to_idle > 0);
  std::uint32_t min_source = 10;
  for (const char* s : {"hot-1", "hot-2", "hot-3"}) {
    std::uint32_t left = 10;
    for (const auto& o : orders) {
      if (o.source_agent_id == s) left -= o.tasks_to_steal;
    }
    min_source = std::min(min_source, left);
  }
  CHECK(to_idle <= min_source + 1);
  // A second round right away adds nothing: the promises already count.
  CHECK(f.round().empty());
}

TEST_CASE("several idle agents share one hot agent's queue") {
  CoordinatorConfig c;
  c.max_steal_batch = 100;
  c.reactive = false;
  c.steal_interval_ms = 3000;  // a round-only sweep may fill three durations ahead
  Fleet f(c);
  f.load("hot", 20, "t");
  f.advance(60'000);  // the burst's arrival rate has faded: no look-ahead on arrivals
  for (int i = 0; i < 4; ++i) f.metrics("idle-" + std::to_string(i), 0);
  auto orders = f.round();
  std::set<std::string> targets;
  for (const auto& o : orders) targets.insert(o.target_agent_id);
  CHECK(targets.size() == 4);
  CHECK(totalTasks(orders) == 16);  // 20 tasks over 5 agents: 4 each, within the look-ahead
}

TEST_CASE("late binding: a target is promised only what it can start now") {
  CoordinatorConfig c;
  c.max_steal_batch = 100;
  Fleet f(c);
  f.load("hot", 20, "t");
  for (int i = 0; i < 4; ++i) f.metrics("idle-" + std::to_string(i), 0);
  f.slots("idle-0", 3);
  auto orders = f.round();
  std::map<std::string, std::uint32_t> to;
  for (const auto& o : orders) to[o.target_agent_id] += o.tasks_to_steal;
  CHECK(to["idle-0"] == 3);
  CHECK(to["idle-1"] == 1);
  CHECK(to["idle-3"] == 1);
  CHECK(totalTasks(orders) == 6);
  CHECK(f.round().empty());  // nothing more until a slot frees
  auto to_idle_1 = std::find_if(orders.begin(), orders.end(),
                                [](const StealOrder& o) { return o.target_agent_id == "idle-1"; });
  REQUIRE(to_idle_1 != orders.end());
  const std::string moved = to_idle_1->task_ids.front();
  f.assign("idle-1", moved);
  CHECK_FALSE(f.coordinator.wantsDecision());  // a confirmation frees no slot
  f.complete("idle-1", moved, 1000.0);
  CHECK(f.coordinator.wantsDecision());
  auto next = f.react();
  REQUIRE(next.size() == 1);
  CHECK(next[0].target_agent_id == "idle-1");
}

TEST_CASE("an agent the dispatcher keeps feeding gives up more than a quiet one") {
  // Two identical queues of 8; one built up over 4 s at 2 tasks/s, the other long ago.
  auto movedFrom = [](bool fed_recently) {
    CoordinatorConfig c;
    c.max_steal_batch = 100;
    c.reactive = false;  // the round-only look-ahead is one interval
    Fleet f(c);
    for (int i = 0; i < 8; ++i) {
      f.assign("hot", "t-" + std::to_string(i));
      f.advance(fed_recently ? 500 : 1);
    }
    if (!fed_recently) f.advance(60'000);
    for (int i = 0; i < 4; ++i) f.metrics("idle-" + std::to_string(i), 0);
    std::uint32_t moved = 0;
    for (const auto& o : f.round()) moved += o.tasks_to_steal;
    return moved;
  };
  const std::uint32_t quiet = movedFrom(false);
  const std::uint32_t fed = movedFrom(true);
  CHECK(quiet >= 4);
  CHECK(fed > quiet);  // it looks one interval ahead at the tasks still coming
}

TEST_CASE("maxStealBatch caps the tasks in one WorkSteal") {
  CoordinatorConfig c;
  c.max_steal_batch = 2;
  Fleet f(c);
  f.load("hot", 20, "t");
  f.metrics("idle", 0);
  f.slots("idle", 4);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].tasks_to_steal == 2);
}

TEST_CASE("stealThreshold and minTasksToSteal hold back small differences") {
  CoordinatorConfig c;
  c.steal_threshold = 4;
  c.steal_interval_ms = 1;  // no look-ahead
  Fleet f(c);
  f.load("a", 3, "t");
  f.metrics("idle", 0);
  CHECK(f.round().empty());  // 3 vs 0: below the threshold of 4
  f.assign("a", "t-3");
  CHECK_FALSE(f.round().empty());

  CoordinatorConfig m;
  m.min_tasks_to_steal = 5;
  Fleet g(m);
  g.load("a", 4, "t");
  g.metrics("idle", 0);
  CHECK(g.round().empty());
}

TEST_CASE("slow agents give work to fast ones even with short queues") {
  Fleet f;
  f.load("slow", 6, "s");
  for (int i = 0; i < 6; ++i) f.complete("slow", "s-" + std::to_string(i), 3000.0);
  f.load("slow", 2, "q");  // one running, one queued: 6 s until the queued one is done
  f.load("fast", 2, "f");
  for (int i = 0; i < 2; ++i) f.complete("fast", "f-" + std::to_string(i), 500.0);
  f.load("fast", 1, "r");    // busy for 0.5 s
  CHECK(f.round().empty());  // late binding: fast takes it once its slot is free
  f.complete("fast", "r-0", 500.0);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].source_agent_id == "slow");
  CHECK(orders[0].task_ids == std::vector<std::string>{"q-1"});
}

TEST_CASE("agents silent for agentTimeout or saying busy are never targets") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("silent", 0);
  f.advance(f.coordinator.config().agent_timeout_ms + 1);
  f.assign("hot", "t-late");
  CHECK(f.round().empty());
  f.metrics("busy", 0, {}, AgentStatus::kBusy);
  CHECK(f.round().empty());
  f.metrics("ready", 0, {}, AgentStatus::kIdle);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].target_agent_id == "ready");
}

TEST_CASE("high cpu breaks ties between targets but does not exclude one") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("cooking", 95);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].target_agent_id == "cooking");  // the only place that helps

  Fleet g;
  g.load("hot", 10, "t");
  g.metrics("cooking", 95);
  g.metrics("cool", 5);
  auto first = g.round();
  REQUIRE_FALSE(first.empty());
  CHECK(first[0].target_agent_id == "cool");  // equal estimates: the cooler agent first
}

TEST_CASE("an offline agent's tasks, running ones too, are re-homed and then it is gone") {
  CoordinatorConfig c;
  c.max_steal_batch = 100;
  Fleet f(c);
  f.load("dying", 3, "t");
  f.metrics("alive", 0);
  f.slots("alive", 3);
  f.metrics("dying", 0, {}, AgentStatus::kOffline);
  CHECK(f.coordinator.stats(f.now).total_agents == 1);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].source_agent_id == "dying");
  CHECK(orders[0].task_ids.size() == 3);
  for (const auto& id : orders[0].task_ids) f.assign("alive", id);
  CHECK(f.tasks("alive") == 3);
  CHECK_FALSE(f.coordinator.agent("dying", f.now).has_value());
}

TEST_CASE("count-only fleets get the reference design's optimistic steal") {
  Fleet f;
  for (int i = 0; i < 10; ++i) f.assign("hot", "");
  f.metrics("idle", 0);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].task_ids.empty());
  CHECK(orders[0].tasks_to_steal > 0);
  CHECK(f.tasks("idle") == orders[0].tasks_to_steal);
  CHECK(f.tasks("hot") == 10 - orders[0].tasks_to_steal);
  CHECK(f.coordinator.stats(f.now).successful_steals == 1);
}

TEST_CASE("stealing disabled: rounds decide nothing") {
  CoordinatorConfig c;
  c.enabled = false;
  Fleet f(c);
  f.load("hot", 10, "t");
  f.metrics("idle", 0);
  CHECK(f.round().empty());
}

TEST_CASE("reconfigure changes the policy and keeps the state") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("idle", 0);
  CoordinatorConfig off = f.coordinator.config();
  off.enabled = false;
  f.coordinator.reconfigure(off);
  CHECK(f.round().empty());
  CHECK(f.tasks("hot") == 10);
  off.enabled = true;
  f.coordinator.reconfigure(off);
  CHECK_FALSE(f.round().empty());
}

TEST_CASE("a target whose steals time out is benched, longer each time, until one confirms") {
  CoordinatorConfig c;
  c.steal_timeout_ms = 1000;
  Fleet f(c);
  f.load("hot", 20, "t");
  f.metrics("ghost", 0);  // says idle, never takes a task
  // The round at `at` steals for "ghost" or not; "ghost" reports just before each round.
  const auto stealsAt = [&](TimeMs at) {
    f.now = at;
    f.metrics("ghost", 0);
    return !f.round().empty();
  };
  const TimeMs t0 = f.now;
  REQUIRE(stealsAt(t0));
  // The steal times out at t0 + 1000: benched for 1000 ms.
  CHECK_FALSE(stealsAt(t0 + 1000));
  CHECK(f.coordinator.counters().targets_benched == 1);
  CHECK_FALSE(stealsAt(t0 + 1999));
  REQUIRE(stealsAt(t0 + 2000));
  // The second timeout in a row benches it for twice as long.
  CHECK_FALSE(stealsAt(t0 + 3000));
  CHECK_FALSE(stealsAt(t0 + 4999));
  auto orders = (f.now = t0 + 5000, f.metrics("ghost", 0), f.round());
  REQUIRE(orders.size() == 1);
  // This time it takes what it was sent: the streak ends, and the next timeout costs 1000 ms.
  for (const auto& id : orders[0].task_ids) f.assign("ghost", id);
  for (const auto& id : orders[0].task_ids) (void)f.coordinator.apply(TaskCompleted{"ghost", id, 100.0}, f.now);
  REQUIRE(stealsAt(t0 + 5001));
  CHECK_FALSE(stealsAt(t0 + 6001));
  CHECK(stealsAt(t0 + 7001));
  CHECK(f.coordinator.counters().targets_benched == 3);
}

TEST_CASE("a bench ends on time without the target reporting again") {
  CoordinatorConfig c;
  c.steal_timeout_ms = 1000;
  Fleet f(c);
  f.load("hot", 20, "t");
  f.metrics("ghost", 0);
  const TimeMs t0 = f.now;
  REQUIRE_FALSE(f.round().empty());
  f.now = t0 + 1000;
  CHECK(f.round().empty());  // timed out: benched until t0 + 2000
  f.now = t0 + 2000;
  CHECK_FALSE(f.round().empty());  // no event from "ghost" in between
}

TEST_CASE("a withdrawn order returns its tasks at once and benches no one") {
  Fleet f;
  f.load("hot", 20, "t");
  f.metrics("idle", 0);
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  f.coordinator.withdraw(orders[0], f.now);
  CHECK(f.coordinator.counters().steals_failed == 1);
  CHECK(f.coordinator.counters().tasks_returned == orders[0].task_ids.size());
  CHECK(f.coordinator.counters().targets_benched == 0);
  CHECK(f.coordinator.stats(f.now).pending_steals == 0);
  // Nothing holds the tasks or the target: the next decision names them again.
  f.advance(1);
  auto again = f.round();
  REQUIRE(again.size() == 1);
  CHECK(again[0].task_ids == orders[0].task_ids);
  f.coordinator.withdraw(again[0], f.now);
  f.coordinator.withdraw(again[0], f.now);  // twice is harmless
  CHECK(f.coordinator.counters().steals_failed == 2);
}

TEST_CASE("an agent back after saying offline is a target again without saying its status") {
  Fleet f;
  f.load("hot", 10, "t");
  f.metrics("back", 5, {}, AgentStatus::kOffline);
  CHECK(f.round().empty());
  f.advance(1);
  f.metrics("back", 5);  // no status: it is back, not still offline
  auto orders = f.round();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].target_agent_id == "back");
  CHECK(f.coordinator.agent("back", f.now)->status != AgentStatus::kOffline);
}

TEST_CASE("operation ids are unique across rounds") {
  CoordinatorConfig c;
  c.steal_timeout_ms = 1;
  Fleet f(c);
  std::set<std::string> ids;
  for (int r = 0; r < 5; ++r) {
    f.load("hot" + std::to_string(r), 10, "t" + std::to_string(r));
    f.metrics("idle", 0);
    for (const auto& o : f.round()) CHECK(ids.insert(o.operation_id).second);
    f.advance(5);
  }
  // Each round's steal times out before the next, and a target whose steal timed out sits the
  // next round out: rounds 0, 2 and 4 steal, each under a new id.
  CHECK(ids.size() == 3);
}

// Random events and rounds against a simple model: the counts never drift, promises balance,
// and no task is ever sent to an agent that lacks a capability it needs.
TEST_CASE("random fleets keep every invariant") {
  std::mt19937 rng(GENERATE(1u, 2u, 3u, 4u));
  CoordinatorConfig c;
  c.steal_timeout_ms = 300;
  Fleet f(c);
  const std::vector<std::vector<std::string>> caps{{}, {"gpu"}, {"gpu", "py"}, {"py"}};
  std::map<std::string, std::string> owner;                  // task -> agent (model)
  std::map<std::string, std::vector<std::string>> required;  // task -> caps
  std::map<std::string, std::vector<std::string>> agent_caps;
  int next_task = 0;
  auto agentName = [&](int i) { return "agent-" + std::to_string(i); };
  for (int i = 0; i < 12; ++i) {
    agent_caps[agentName(i)] = caps[static_cast<std::size_t>(i) % caps.size()];
    f.metrics(agentName(i), 10, agent_caps[agentName(i)]);
  }
  auto covers = [&](const std::string& agent, const std::vector<std::string>& need) {
    const auto& have = agent_caps[agent];
    return std::all_of(need.begin(), need.end(), [&](const std::string& cap) {
      return std::find(have.begin(), have.end(), cap) != have.end();
    });
  };
  for (int step = 0; step < 3000; ++step) {
    int dice = static_cast<int>(rng() % 100);
    std::string agent = agentName(static_cast<int>(rng() % 4));  // skewed: 4 hot agents
    if (dice < 45) {
      std::string task = "t-" + std::to_string(next_task++);
      auto need = caps[rng() % caps.size()];
      if (!covers(agent, need)) need = agent_caps[agent];
      f.assign(agent, task, need);
      owner[task] = agent;
      required[task] = need;
    } else if (dice < 75 && !owner.empty()) {
      auto it = std::next(owner.begin(), static_cast<long>(rng() % owner.size()));
      f.complete(it->second, it->first, 100.0 + static_cast<double>(rng() % 400));
      owner.erase(it);
    } else if (dice < 80) {
      f.complete(agent, "unknown-" + std::to_string(rng() % 100));
    } else if (dice < 90) {
      // Reactive decisions and rounds share the incremental indexes: mix them.
      for (const auto& o : (dice < 85 ? f.react() : f.round())) {
        for (const auto& id : o.task_ids) {
          REQUIRE(owner.count(id) == 1);
          CHECK(owner[id] == o.source_agent_id);
          CHECK(covers(o.target_agent_id, required[id]));
          if (rng() % 3 != 0) {  // the fleet confirms most moves
            f.assign(o.target_agent_id, id, required[id]);
            owner[id] = o.target_agent_id;
          }
        }
      }
    } else {
      f.advance(static_cast<TimeMs>(rng() % 200));
      for (int i = 0; i < 12; ++i) f.metrics(agentName(i), 10, agent_caps[agentName(i)]);
    }
    // The coordinator's counts equal the model's.
    if (step % 50 == 0) {
      std::map<std::string, std::uint32_t> held;
      for (const auto& [task, a] : owner) ++held[a];
      std::uint32_t incoming = 0;
      std::uint32_t outgoing = 0;
      for (const auto& view : f.coordinator.agents(f.now, 1000)) {
        CHECK(view.task_count == held[view.agent_id]);
        incoming += view.incoming_steals;
        outgoing += view.outgoing_steals;
      }
      CHECK(incoming == outgoing);
      CHECK(f.coordinator.stats(f.now).in_flight_tasks == owner.size());
    }
  }
}

}  // namespace
}  // namespace wss::core
