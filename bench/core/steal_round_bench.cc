// Steal-decision cost at 1,000, 10,000 and 100,000 agents: a skewed round (each iteration
// withdraws the previous round's steals, then plans anew, so every iteration plans the same
// work), a balanced round where nothing moves, and one reactive decision after a
// completion frees a slot. Issue 7's bounds at 100k: a round moving nothing <= 1 ms, <= 1 us
// per task moved in a skewed round, a reactive decision <= 5 us median.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "bench/core/synthetic_fleet.h"

namespace {

// The skewed synthetic fleet of state.range(0) agents, populated at `now`. Each iteration
// withdraws the previous one's steals (their tasks back with their sources) and plans them
// anew. Withdrawn, not timed out: a timeout benches the target, so every round would find
// fewer targets than the last and plan less and less.
wss::core::Coordinator skewedFleet(const benchmark::State& state, wss::core::TimeMs now) {
  wss::core::CoordinatorConfig config;
  config.agent_timeout_ms = 1LL << 40;
  wss::core::Coordinator coordinator(config);
  wss::bench::populate(coordinator, {static_cast<std::uint32_t>(state.range(0)), 42}, now);
  return coordinator;
}

// This thread's CPU time in seconds: beside wall time, it shows what a decision costs when
// other processes share the cores (this machine's noise).
double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The counters of a benchmark that moves tasks: per round, and time per task moved.
void reportMoves(benchmark::State& state, std::size_t moved, double seconds, double cpu) {
  state.counters["agents"] = static_cast<double>(state.range(0));
  state.counters["tasks_moved_per_round"] =
      static_cast<double>(moved) / static_cast<double>(state.iterations());
  const double per_task = moved > 0 ? 1e6 / static_cast<double>(moved) : 0;
  state.counters["us_per_task_moved"] = seconds * per_task;
  state.counters["cpu_us_per_task_moved"] = cpu * per_task;
}

// Returns every order's tasks to its source.
void withdrawAll(wss::core::Coordinator& coordinator,
                 const std::vector<wss::core::StealOrder>& orders, wss::core::TimeMs now) {
  for (const auto& order : orders) coordinator.withdraw(order, now);
}

// A whole round, timed with the return of the previous round's tasks it starts from.
void BM_StealRound(benchmark::State& state) {
  wss::core::TimeMs now = 1'000'000;
  wss::core::Coordinator coordinator = skewedFleet(state, now);
  std::vector<wss::core::StealOrder> orders;
  std::size_t moved = 0;
  double seconds = 0;
  double cpu = 0;
  for (auto _ : state) {
    now += 2;
    state.PauseTiming();
    coordinator.performMaintenance(now);  // trims the operation history, as the daemon does
    state.ResumeTiming();
    const auto started = std::chrono::steady_clock::now();
    const double cpu_started = cpuSeconds();
    withdrawAll(coordinator, orders, now);
    orders = coordinator.stealRound(now);
    cpu += cpuSeconds() - cpu_started;
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (const auto& order : orders) moved += order.tasks_to_steal;
    benchmark::DoNotOptimize(orders);
  }
  reportMoves(state, moved, seconds, cpu);
}
// MinTime: several rounds even at 100k agents; the first round also pays for first-touch growth.
BENCHMARK(BM_StealRound)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->MinTime(3)
    ->Unit(benchmark::kMillisecond);

// The planning part of a skewed round alone: the previous round's steals are withdrawn first,
// untimed, so the timed part is the decision over the same skewed fleet.
void BM_SkewedDecision(benchmark::State& state) {
  wss::core::TimeMs now = 1'000'000;
  wss::core::Coordinator coordinator = skewedFleet(state, now);
  std::vector<wss::core::StealOrder> orders;
  std::size_t moved = 0;
  double seconds = 0;
  double cpu = 0;
  for (auto _ : state) {
    now += 2;
    withdrawAll(coordinator, orders, now);
    coordinator.performMaintenance(now);  // trims the operation history, as the daemon does
    const auto started = std::chrono::steady_clock::now();
    const double cpu_started = cpuSeconds();
    orders = coordinator.react(now);
    cpu += cpuSeconds() - cpu_started;
    const double taken =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    state.SetIterationTime(taken);
    seconds += taken;
    for (const auto& order : orders) moved += order.tasks_to_steal;
    benchmark::DoNotOptimize(orders);
  }
  reportMoves(state, moved, seconds, cpu);
}
BENCHMARK(BM_SkewedDecision)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->UseManualTime()
    ->MinTime(3)
    ->Unit(benchmark::kMillisecond);

// The common case: a balanced fleet (two tasks per agent), where a round finds nothing to
// move. This is the fixed cost every round pays.
void BM_StealRoundBalanced(benchmark::State& state) {
  wss::core::CoordinatorConfig config;
  config.agent_timeout_ms = 1LL << 40;
  wss::core::Coordinator coordinator(config);
  wss::core::TimeMs now = 1'000'000;
  const auto agents = static_cast<std::uint32_t>(state.range(0));
  for (std::uint32_t i = 0; i < agents; ++i) {
    const std::string agent = "agent-" + std::to_string(i);
    for (int t = 0; t < 2; ++t) {
      (void)coordinator.apply(
          wss::core::TaskAssigned{agent, agent + "/t" + std::to_string(t), {}, 0}, now);
    }
  }
  now += 60'000;  // arrival rates have faded
  std::size_t orders = 0;
  for (auto _ : state) {
    now += 2;
    auto round = coordinator.stealRound(now);
    orders += round.size();
    benchmark::DoNotOptimize(round);
  }
  state.counters["agents"] = static_cast<double>(agents);
  state.counters["orders_per_round"] =
      static_cast<double>(orders) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_StealRoundBalanced)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond);

// One reactive decision: an agent completes its task, so its slot is free, and react() moves
// one queued task there from the fleet's most loaded source. The fleet confirms every move,
// so each iteration starts from the same kind of state. Timed: react() alone.
void BM_ReactiveDecision(benchmark::State& state) {
  wss::core::CoordinatorConfig config;
  config.agent_timeout_ms = 1LL << 40;
  config.max_steal_batch = 1000;
  wss::core::Coordinator coordinator(config);
  wss::core::TimeMs now = 1'000'000;
  wss::bench::populate(coordinator, {static_cast<std::uint32_t>(state.range(0)), 42}, now);
  std::deque<std::pair<std::string, std::string>> running;  // (agent, task) moved there
  auto confirm = [&](const std::vector<wss::core::StealOrder>& orders) {
    for (const auto& order : orders) {
      for (const auto& id : order.task_ids) {
        (void)coordinator.apply(wss::core::TaskAssigned{order.target_agent_id, id, {}, 0}, now);
        running.emplace_back(order.target_agent_id, id);
      }
    }
  };
  confirm(coordinator.react(now));  // fills every free slot once
  std::vector<double> micros;
  micros.reserve(state.max_iterations);
  for (auto _ : state) {
    if (running.empty()) {
      state.SkipWithError("no task left to complete");
      break;
    }
    auto [agent, task] = std::move(running.front());
    running.pop_front();
    ++now;
    (void)coordinator.apply(wss::core::TaskCompleted{agent, task, 500.0}, now);
    const auto started = std::chrono::steady_clock::now();
    auto orders = coordinator.react(now);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    state.SetIterationTime(seconds);
    micros.push_back(seconds * 1e6);
    confirm(orders);
    benchmark::DoNotOptimize(orders);
  }
  state.counters["agents"] = static_cast<double>(state.range(0));
  if (!micros.empty()) {
    std::sort(micros.begin(), micros.end());
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["p99_us"] = micros[micros.size() * 99 / 100];
  }
}
BENCHMARK(BM_ReactiveDecision)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->UseManualTime()
    ->Iterations(2'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
