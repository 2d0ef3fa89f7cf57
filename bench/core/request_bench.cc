// request_bench: what the owner thread spends on one work.agents page and one work.bestAgent
// answer, at fleet sizes up to 1M agents, with the fleet changing between requests as it
// does in production (a dispatcher asks, assigns, and an agent completes).
//
//   build/bin/request_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/core/synthetic_fleet.h"

namespace {

using wss::core::Coordinator;
using wss::core::TimeMs;

struct Bench {
  explicit Bench(std::uint32_t agents) : coordinator(config()) {
    wss::bench::populate(coordinator, {agents, 42}, now);
  }
  static wss::core::CoordinatorConfig config() {
    wss::core::CoordinatorConfig c;
    c.agent_timeout_ms = 1LL << 40;
    c.limits.max_agents = 2'000'000;  // the defaults are sized for 100k
    c.limits.max_tasks = 20'000'000;
    return c;
  }
  // `changes` agents come and go: each request sees a fleet that moved since the last.
  void churn(std::int64_t changes) {
    for (std::int64_t i = 0; i < changes; ++i, ++serial) {
      const std::string agent = "churn-" + std::to_string(serial % 64);
      const std::string task = agent + "/" + std::to_string(serial);
      (void)coordinator.apply(wss::core::TaskAssigned{agent, task, {}, 0}, now);
      (void)coordinator.apply(wss::core::TaskCompleted{agent, task, 400.0}, now);
    }
  }
  Coordinator coordinator;
  TimeMs now = 1'000'000;
  std::uint64_t serial = 0;
};

// One page of 1,000 agents from a cursor in the middle of the id order; range(1) agents
// changed since the previous page.
void BM_AgentsPage(benchmark::State& state) {
  Bench b(static_cast<std::uint32_t>(state.range(0)));
  const std::string after = "agent-5";  // synthetic ids are agent-<n>: mid-order
  for (auto _ : state) {
    state.PauseTiming();
    b.churn(state.range(1));
    ++b.now;
    state.ResumeTiming();
    auto page = b.coordinator.agents(b.now, 1001, after);
    benchmark::DoNotOptimize(page);
  }
  state.counters["agents"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_AgentsPage)
    ->Args({100'000, 0})
    ->Args({100'000, 10})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 10})
    ->Unit(benchmark::kMicrosecond);

// One work.bestAgent answer, without and with a capability requirement; range(1) agents
// changed since the previous answer.
void BM_BestAgent(benchmark::State& state) {
  Bench b(static_cast<std::uint32_t>(state.range(0)));
  const std::vector<std::string> none;
  const std::vector<std::string> gpu = {"gpu"};
  bool with_need = false;
  for (auto _ : state) {
    state.PauseTiming();
    b.churn(state.range(1));
    ++b.now;
    with_need = !with_need;
    state.ResumeTiming();
    auto best = b.coordinator.bestAgent(with_need ? gpu : none, b.now);
    benchmark::DoNotOptimize(best);
  }
  state.counters["agents"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_BestAgent)
    ->Args({100'000, 0})
    ->Args({100'000, 10})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 10})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
