#include "bench/ingest/event_mix.h"

#include <deque>
#include <random>

namespace wss::bench {

EventMix makeEventMix(std::size_t count, std::size_t agents, std::uint64_t seed,
                      codec::Encoding encoding) {
  EventMix mix;
  mix.events.reserve(count);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick_agent(0, agents - 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::deque<std::uint64_t>> held(agents);
  std::uint64_t next_task = 0;
  const auto id = [](std::size_t a) { return "agent-" + std::to_string(a); };
  const auto caps = [](std::size_t a) -> std::vector<std::string> {
    if (a % 5 == 0) return {"linux", "gpu"};
    return {"linux"};
  };
  const auto add = [&](std::uint8_t subject, const core::Event& e) {
    EncodedEvent ev{subject, codec::encodeEvent(e, encoding)};
    mix.bytes += ev.payload.size();
    mix.events.push_back(std::move(ev));
  };
  const auto metrics = [&](std::size_t a) {
    core::AgentMetrics m;
    m.agent_id = id(a);
    m.cpu_usage = 100.0 * static_cast<double>(held[a].size()) / 6.0;
    m.memory_usage = 30 + 40 * u(rng);
    m.capabilities = caps(a);
    m.status = held[a].empty() ? core::AgentStatus::kIdle : core::AgentStatus::kActive;
    m.concurrency = 2;
    add(3, m);
    ++mix.metrics;
  };

  for (std::size_t a = 0; a < agents && mix.events.size() < count; ++a) metrics(a);
  while (mix.events.size() < count) {
    const std::size_t a = pick_agent(rng);
    const double r = u(rng);
    if (r < 0.2) {
      metrics(a);
    } else if ((r < 0.6 && held[a].size() < 6) || held[a].empty()) {
      const std::uint64_t t = next_task++;
      held[a].push_back(t);
      add(0,
          core::TaskAssigned{.agent_id = id(a),
                             .task_id = "t-" + std::to_string(t),
                             .required_capabilities = t % 10 == 0 ? std::vector<std::string>{"gpu"}
                                                                  : std::vector<std::string>{},
                             .priority = 0});
      ++mix.assigned;
    } else {
      const std::uint64_t t = held[a].front();
      held[a].pop_front();
      if (u(rng) < 0.05) {
        add(2,
            core::TaskFailed{
                .agent_id = id(a), .task_id = "t-" + std::to_string(t), .error = "exit status 1"});
        ++mix.failed;
      } else {
        add(1, core::TaskCompleted{.agent_id = id(a),
                                   .task_id = "t-" + std::to_string(t),
                                   .duration_ms = 50 + 450 * u(rng)});
        ++mix.completed;
      }
    }
  }
  return mix;
}

}  // namespace wss::bench
