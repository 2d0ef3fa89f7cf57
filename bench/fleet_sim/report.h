// What a fleet-sim run reports: task accounting, steal handling, the dispatcher's work.bestAgent
// requests and latency percentiles, beside the same figures for the steal floor and the ideal
// scheduler; as JSON and as a readable table. Tables over saved reports: report_tables.h.
#pragma once

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench/fleet_sim/ha_report.h"

namespace wss::sim {

struct LatencySummary {
  std::uint64_t count = 0;
  double p50 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;  // ms
};

// Nearest-rank percentiles of `values_ms` (ignores negative values: no latency).
[[nodiscard]] LatencySummary summarize(std::vector<double> values_ms);

// How the fleet handled the work.steal orders it received.
struct StealCounters {
  std::uint64_t orders = 0;             // work.steal messages decoded and not fenced
  std::uint64_t undecodable = 0;        // work.steal messages that did not decode
  std::uint64_t count_only_orders = 0;  // taskIds empty, tasksToSteal > 0
  std::uint64_t tasks_requested = 0;    // task ids named (or tasksToSteal in count-only mode)
  std::uint64_t tasks_moved = 0;        // queued tasks moved to the target and confirmed
  std::uint64_t orphans_rehomed = 0;    // tasks of a dead agent re-homed (part of moved)
  // Refused, by reason:
  std::uint64_t refused_not_queued = 0;          // started, finished or not on the source
  std::uint64_t refused_target_unavailable = 0;  // target unknown, not joined or dead
  std::uint64_t refused_target_incapable = 0;    // target lacks a required capability
  std::uint64_t refused_source_unknown = 0;
  std::uint64_t refused_same_agent = 0;
};

// The first order the fleet received under a new highest epoch (ha), at `at_us` of the run.
struct EpochStart {
  std::uint64_t epoch = 0;
  std::int64_t at_us = 0;
};

// The fleet's fencing (ha): every order below the highest epoch seen is dropped.
struct FencingCounters {
  std::uint64_t highest_epoch = 0;
  std::uint64_t orders_without_epoch = 0;     // epoch 0: a sidecar without ha
  std::uint64_t fenced_orders = 0;            // dropped: epoch below the highest seen
  std::uint64_t fenced_would_apply = 0;       // ... of which would have moved a task
  std::uint64_t fenced_tasks_would_move = 0;  // ... the tasks they would have moved
  std::vector<EpochStart> epoch_starts;       // in the order received
};

// How a best-agent dispatcher's work.bestAgent requests went (all zero in naive mode).
struct BestAgentCounters {
  std::uint64_t requests = 0;  // one per dispatch
  std::uint64_t placed = 0;    // the answer was used
  // Fell back to the naive choice, by reason:
  std::uint64_t no_reply = 0;  // timeout, no responders or an error reply
  std::uint64_t no_agent = 0;  // answered {"agentId": null}
  std::uint64_t unusable = 0;  // named an agent the fleet does not have live and capable
  [[nodiscard]] std::uint64_t fallbacks() const { return no_reply + no_agent + unusable; }
};

// The goal of issue 7: with the sidecar, latency close to the steal floor, nothing lost,
// duplicated or misplaced.
inline constexpr double kGoalP99VsFloor = 1.15;
inline constexpr double kGoalP50VsFloor = 1.3;

struct RunReport {
  std::string scenario;
  std::string description;
  std::string encoding;
  std::string sidecar_note;
  std::string dispatch = "naive";  // "naive" or "best-agent"
  std::uint64_t seed = 0;
  std::size_t agents = 0;
  double offered_load = 0;
  double arrivals_s = 0;  // length of the arrival window
  double wall_s = 0;      // whole run, grace period included

  std::uint64_t tasks = 0;
  std::uint64_t completed = 0;
  std::uint64_t lost = 0;                   // never completed by the end of the grace period
  std::uint64_t lost_orphaned = 0;          // ... of which held by a dead agent
  std::uint64_t duplicated = 0;             // completed more than once
  std::uint64_t capability_violations = 0;  // run by an agent lacking a capability
  std::uint64_t failures_injected = 0;
  std::uint64_t publish_errors = 0;   // publishes cnats refused (e.g. reconnect buffer full)
  std::uint64_t resyncs = 0;          // state re-published after NATS came back (--resync)
  std::uint32_t max_queue_depth = 0;  // deepest agent queue seen
  StealCounters steals;
  FencingCounters fencing;
  BestAgentCounters best_agent;
  LatencySummary latency;

  std::uint64_t steal_floor_lost = 0;
  LatencySummary steal_floor;  // steal_floor.h
  std::uint64_t ideal_lost = 0;
  LatencySummary ideal;

  std::optional<nlohmann::json> sidecar_stats;  // the work.stats reply at the end, if any
  std::optional<HaReport> ha;                   // with --ha-replicas only

  // The goal: p99 <= kGoalP99VsFloor x the floor's p99, p50 <= kGoalP50VsFloor x the floor's
  // p50, and nothing lost, duplicated, run without a capability or refused for lacking one.
  [[nodiscard]] bool goalMet() const;
  [[nodiscard]] double p99VsFloor() const;
  [[nodiscard]] double p50VsFloor() const;
  [[nodiscard]] double p99VsIdeal() const;  // information: the floor->ideal gap is placement
  // The ha goal (issue 9): at least one kill, steals resumed after every kill under a higher
  // epoch, no kill missed, no replica ended by itself, nothing lost, duplicated or misplaced.
  [[nodiscard]] bool haGoalMet() const;
};

[[nodiscard]] nlohmann::json toJson(const RunReport& report);
void printTable(const RunReport& report, std::FILE* out);

}  // namespace wss::sim
