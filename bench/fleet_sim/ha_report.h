// The ha part of a fleet-sim report (--ha-replicas): how often the leader was killed, how long
// after each kill the first steal under a higher epoch came (the resume time), and what the
// fleet's fencing dropped. Pure data and arithmetic; the replicas are run by replica_set.h.
#pragma once

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace wss::sim {

struct FencingCounters;

// One kill -9 of the leader.
struct LeaderKill {
  std::int64_t at_us = 0;           // into the run
  std::string replica;              // its ha.name
  std::uint64_t epoch = 0;          // its wss_ha_epoch just before the kill
  std::optional<double> resume_ms;  // kill -> first order under a higher epoch; none: never
  std::uint64_t new_epoch = 0;      // that order's epoch
};

struct HaReport {
  int replicas = 0;
  double kill_every_s = 0;
  double restart_after_s = 0;
  std::vector<LeaderKill> kills;
  std::uint64_t kills_missed = 0;      // a kill was due but no replica led in time
  std::uint64_t restarts = 0;          // killed leaders started again
  std::uint64_t unexpected_exits = 0;  // replicas that ended without being killed

  [[nodiscard]] std::uint64_t notResumed() const;
  [[nodiscard]] std::optional<double> resumeMaxMs() const;
  [[nodiscard]] std::optional<double> resumeMedianMs() const;  // the lower median
};

// Fills each kill's resume time from the fleet's epoch starts: the first order received after
// the kill under an epoch above the killed leader's (and so above every epoch seen before).
void fillResumes(const FencingCounters& fencing, HaReport* ha);

[[nodiscard]] nlohmann::json haJson(const HaReport& ha, const FencingCounters& fencing);
void printHaTable(const HaReport& ha, const FencingCounters& fencing, std::FILE* out);

}  // namespace wss::sim
