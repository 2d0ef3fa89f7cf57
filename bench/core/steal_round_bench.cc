// Steal-round cost at 1,000, 10,000 and 100,000 agents. Each iteration is a full round:
// expiring the previous round's (unconfirmed) steals, then planning anew, so every iteration
// plans the same amount of work. The bound: a round at 100k < 20x one at 10k.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/core/synthetic_fleet.h"

namespace {

void BM_StealRound(benchmark::State& state) {
  wss::core::CoordinatorConfig config;
  config.steal_timeout_ms = 1;  // the next round returns this round's tasks first
  config.agent_timeout_ms = 1LL << 40;
  wss::core::Coordinator coordinator(config);
  wss::core::TimeMs now = 1'000'000;
  wss::bench::populate(coordinator, {static_cast<std::uint32_t>(state.range(0)), 42}, now);
  std::size_t moved = 0;
  for (auto _ : state) {
    now += 2;
    auto orders = coordinator.stealRound(now);
    for (const auto& order : orders) moved += order.tasks_to_steal;
    benchmark::DoNotOptimize(orders);
  }
  state.counters["agents"] = static_cast<double>(state.range(0));
  state.counters["tasks_moved_per_round"] =
      static_cast<double>(moved) / static_cast<double>(state.iterations());
}
// MinTime: several rounds even at 100k agents; the first round also pays for first-touch growth.
BENCHMARK(BM_StealRound)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
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

}  // namespace

BENCHMARK_MAIN();
