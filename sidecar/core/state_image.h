// A coordinator's state as plain values: what a snapshot carries from one replica (or one run)
// to the next, so a restarted sidecar knows the tasks queued before it started.
//
// Times are ages ("how long ago", in ms) because each process's clock is its own monotonic
// one (clock.h): the taker writes now - t, the restorer reads its now - age. What an image
// leaves out on purpose: ended operations (history), arrival rates (they fade in a minute),
// the planner's indexes (re-keyed from the agents). Pure data; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sidecar/core/events.h"

namespace wss::core {

struct TaskImage {
  std::string id;
  std::vector<std::string> required;  // capability names
};

struct AgentImage {
  std::string id;
  std::vector<std::string> capabilities;
  float cpu = 0;
  float memory = 0;
  std::int32_t priority = 1;
  std::uint32_t concurrency = 0;  // 0: the configured default
  AgentStatus status = AgentStatus::kUnspecified;
  bool departed = false;
  TimeMs seen_ago = 0;
  TimeMs slot_started_ago = 0;
  std::vector<double> durations;  // its window, oldest first, in ms
  std::uint32_t count_tasks = 0;  // count-only tasks
  std::uint32_t timed_out_steals = 0;
  TimeMs benched_for = 0;        // how much longer it is no steal target; 0: not benched
  std::vector<TaskImage> tasks;  // its queue, oldest first
};

// An unconfirmed steal: its named tasks are still promised to the target.
struct StealImage {
  std::string operation_id;
  std::string source;
  std::string target;
  std::string reason;
  std::vector<std::string> task_ids;  // only those still pending
  TimeMs age = 0;
};

struct StateImage {
  std::vector<AgentImage> agents;
  std::vector<StealImage> steals;
};

// What a restore did, or why it refused the image (then nothing changed).
struct RestoreResult {
  bool ok = false;
  std::string error;
  std::size_t agents = 0;
  std::size_t tasks = 0;
  std::size_t steals = 0;
};

}  // namespace wss::core
