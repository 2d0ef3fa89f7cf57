// Streams of fleet events for the ingest benchmark, encoded once up front so the publisher
// measures NATS, not the encoder: a realistic mix (task.assigned, task.completed of tasks
// assigned earlier, with durations, and agent.metrics over a fleet of agents with real ids),
// and a burst that leaves half the fleet hundreds of tasks deep and the other half idle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sidecar/codec/codec.h"

namespace wss::bench {

struct EncodedEvent {
  std::uint8_t subject = 0;  // index into kIngestSubjects
  std::string payload;
};

inline constexpr const char* kIngestSubjects[] = {"task.assigned", "task.completed", "task.failed",
                                                  "agent.metrics"};

struct EventMix {
  std::vector<EncodedEvent> events;
  std::uint64_t assigned = 0, completed = 0, failed = 0, metrics = 0;
  std::uint64_t bytes = 0;
};

// `count` events over `agents` agents: roughly 40% assigned, 38% completed, 2% failed and 20%
// metrics; every agent announces itself with metrics first; each agent holds 0-6 tasks.
[[nodiscard]] EventMix makeEventMix(std::size_t count, std::size_t agents, std::uint64_t seed,
                                    codec::Encoding encoding);

// A burst: every agent announces itself with agent.metrics (agents 0..agents/2-1 active,
// the rest idle), then `depth` task.assigned for each agent of the first half, round-robin,
// so they end `depth` tasks deep while the second half gets nothing (every tenth task needs
// "gpu", which every fifth agent has). agents + (agents / 2) * depth events; agents >= 2.
[[nodiscard]] EventMix makeBurstMix(std::size_t agents, std::size_t depth,
                                    codec::Encoding encoding);

}  // namespace wss::bench
