// The coordinator's tunables: the reference design's knobs plus the thresholds it hard-coded.
#pragma once

#include <cstdint>
#include <string>

#include "sidecar/core/events.h"

namespace wss::core {

// Bounds on what the coordinator holds, so hostile or runaway input cannot exhaust memory.
// An event that would pass one is rejected whole (counted per reason); state stays exact.
struct Limits {
  std::uint32_t max_agents = 150000;
  std::uint32_t max_tasks = 1000000;  // in flight with ids
  std::uint32_t max_capability_names = 10000;
  std::uint32_t max_capability_sets = 10000;
  std::uint32_t max_id_length = 256;  // agent ids, task ids and capability names, in bytes
};

// The longest task duration recorded; longer ones (a 1e39 ms poison message) are clamped.
inline constexpr double kMaxTaskDurationMs = 30.0 * 24 * 3600 * 1000;
// The most tasks an agent is taken to run at once; larger concurrency values are clamped.
inline constexpr std::uint32_t kMaxConcurrency = 100000;

struct CoordinatorConfig {
  bool enabled = true;
  TimeMs steal_interval_ms = 1000;
  // React to events (a free slot, a task queued behind a busy agent) within reactive_delay_ms
  // instead of waiting for the next round; the round then sweeps what events missed.
  bool reactive = true;
  TimeMs reactive_delay_ms = 2;
  // Minimum load difference, in tasks of the target's mean duration, worth a steal.
  std::uint32_t steal_threshold = 2;
  std::uint32_t max_steal_batch = 5;     // tasks in one WorkSteal
  std::uint32_t min_tasks_to_steal = 2;  // a source must hold at least this many tasks

  // Classification (the reference design hard-coded 8 tasks, 80 % cpu, 2 tasks, 30 % cpu).
  std::uint32_t overloaded_task_count = 8;   // overloaded: more tasks than this
  double overloaded_cpu = 80.0;              // ... or cpu above this
  std::uint32_t underloaded_task_count = 2;  // underloaded: fewer tasks than this
  double underloaded_cpu = 30.0;             // ... and cpu below this

  TimeMs steal_timeout_ms = 5000;   // unconfirmed steals fail after this
  TimeMs agent_timeout_ms = 30000;  // a silent agent is never a target
  TimeMs operation_retention_ms = 24LL * 60 * 60 * 1000;
  std::uint32_t max_operations = 10000;  // recent operations kept for work.operations
  std::uint32_t duration_window = 50;    // durations in the rolling mean
  std::uint32_t default_concurrency = 1;
  double default_task_duration_ms = 1000;  // before any duration is known fleet-wide
  std::string operation_id_prefix = "steal";
  Limits limits;
};

}  // namespace wss::core
