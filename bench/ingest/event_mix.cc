#include "bench/ingest/event_mix.h"

#include <deque>
#include <random>

namespace wss::bench {
namespace {

std::string agentId(std::size_t a) { return "agent-" + std::to_string(a); }

std::vector<std::string> capabilitiesOf(std::size_t a) {
  if (a % 5 == 0) return {"linux", "gpu"};
  return {"linux"};
}

std::vector<std::string> requiredFor(std::uint64_t task) {
  return task % 10 == 0 ? std::vector<std::string>{"gpu"} : std::vector<std::string>{};
}

// Encodes `event` and appends it to `mix`.
void append(EventMix& mix, std::uint8_t subject, const core::Event& event,
            codec::Encoding encoding) {
  EncodedEvent encoded{subject, codec::encodeEvent(event, encoding)};
  mix.bytes += encoded.payload.size();
  mix.events.push_back(std::move(encoded));
}

}  // namespace

EventMix makeEventMix(std::size_t count, std::size_t agents, std::uint64_t seed,
                      codec::Encoding encoding) {
  EventMix mix;
  mix.events.reserve(count);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick_agent(0, agents - 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::deque<std::uint64_t>> held(agents);
  std::uint64_t next_task = 0;
  const auto add = [&](std::uint8_t subject, const core::Event& e) {
    append(mix, subject, e, encoding);
  };
  const auto metrics = [&](std::size_t a) {
    core::AgentMetrics m;
    m.agent_id = agentId(a);
    m.cpu_usage = 100.0 * static_cast<double>(held[a].size()) / 6.0;
    m.memory_usage = 30 + 40 * u(rng);
    m.capabilities = capabilitiesOf(a);
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
      add(0, core::TaskAssigned{.agent_id = agentId(a),
                                .task_id = "t-" + std::to_string(t),
                                .required_capabilities = requiredFor(t),
                                .priority = 0});
      ++mix.assigned;
    } else {
      const std::uint64_t t = held[a].front();
      held[a].pop_front();
      if (u(rng) < 0.05) {
        add(2, core::TaskFailed{.agent_id = agentId(a),
                                .task_id = "t-" + std::to_string(t),
                                .error = "exit status 1"});
        ++mix.failed;
      } else {
        add(1, core::TaskCompleted{.agent_id = agentId(a),
                                   .task_id = "t-" + std::to_string(t),
                                   .duration_ms = 50 + 450 * u(rng)});
        ++mix.completed;
      }
    }
  }
  return mix;
}

EventMix makeBurstMix(std::size_t agents, std::size_t depth, codec::Encoding encoding) {
  EventMix mix;
  const std::size_t loaded = agents / 2;
  mix.events.reserve(agents + loaded * depth);
  for (std::size_t a = 0; a < agents; ++a) {
    core::AgentMetrics m;
    m.agent_id = agentId(a);
    m.cpu_usage = a < loaded ? 50 : 5;
    m.memory_usage = 30;
    m.capabilities = capabilitiesOf(a);
    m.status = a < loaded ? core::AgentStatus::kActive : core::AgentStatus::kIdle;
    m.concurrency = 2;
    append(mix, 3, m, encoding);
    ++mix.metrics;
  }
  std::uint64_t next_task = 0;
  for (std::size_t round = 0; round < depth; ++round) {
    for (std::size_t a = 0; a < loaded; ++a) {
      const std::uint64_t t = next_task++;
      append(mix, 0,
             core::TaskAssigned{.agent_id = agentId(a),
                                .task_id = "t-" + std::to_string(t),
                                .required_capabilities = requiredFor(t),
                                .priority = 0},
             encoding);
      ++mix.assigned;
    }
  }
  return mix;
}

}  // namespace wss::bench
