// A realistic stream of fleet events for the ingest benchmark: task.assigned, task.completed
// (of tasks assigned earlier, with durations) and agent.metrics over a fleet of agents with
// real ids, encoded once up front so the publisher measures NATS, not the encoder.
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

}  // namespace wss::bench
