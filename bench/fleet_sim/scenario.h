// The fleet-sim scenarios: which agents exist (speed, concurrency, capabilities, when they
// join and die), which tasks arrive (when, how much work, which capabilities they need) and
// how the naive dispatcher spreads them.
//
// A scenario is fully generated up front from its seed, so the run without the sidecar, the
// run with it and the offline ideal scheduler all see exactly the same agents and tasks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wss::sim {

// Simulated time: microseconds since the start of a run (it is real wall time).
using Us = std::int64_t;
inline constexpr Us kUsPerMs = 1000;
inline constexpr Us kUsPerS = 1000 * 1000;

// How the naive dispatcher picks an agent among the live agents able to run a task.
enum class DispatchPolicy : std::uint8_t {
  kHotSpot,     // a share of the tasks goes to a few "hot" agents, the rest uniformly
  kRoundRobin,  // the next agent in turn
  kRandom,      // uniformly at random
};

struct AgentSpec {
  std::string id;
  double speed = 1.0;  // work-ms done per wall-ms per slot
  std::uint32_t concurrency = 2;
  std::vector<std::string> capabilities;
  Us join_us = 0;              // first agent.metrics
  std::optional<Us> death_us;  // goes offline with whatever it holds
  bool hot = false;            // favoured by a hot-spot dispatcher
};

struct TaskSpec {
  std::string id;
  Us arrival_us = 0;
  double work_ms = 0;  // wall ms on an agent of speed 1
  std::vector<std::string> required_capabilities;
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 0;
  DispatchPolicy policy = DispatchPolicy::kRandom;
  double hot_share = 0;  // kHotSpot: probability a task goes to a capable hot agent
  std::vector<AgentSpec> agents;
  std::vector<TaskSpec> tasks;  // sorted by arrival
  Us arrivals_end_us = 0;
  double offered_load = 0;  // arrival work / fleet capacity, for the report
};

struct ScenarioParams {
  std::string name;
  std::uint64_t seed = 1;
  double duration_s = 0;  // 0: the scenario's default
  int agents = 0;         // 0: the scenario's default
  double load = 0;        // target utilisation of the fleet; 0: the scenario's default
};

// The scenario names, in the order scripts run them.
[[nodiscard]] const std::vector<std::string>& scenarioNames();

// Builds a scenario; nullopt and `error` set for an unknown name or bad parameter.
[[nodiscard]] std::optional<Scenario> makeScenario(const ScenarioParams& params,
                                                   std::string* error);

// True when `have` contains every capability in `need`.
[[nodiscard]] bool covers(const std::vector<std::string>& have,
                          const std::vector<std::string>& need);

}  // namespace wss::sim
