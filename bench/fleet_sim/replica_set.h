// fleet-sim's ha mode: N sidecar replicas (ha.enabled) started by fleet-sim itself, and their
// leader killed with SIGKILL every K seconds and started again R seconds later.
//
// Each replica gets a copy of a base config with ha.enabled, ha.name (r0, r1, ...), nats.url
// and http.listen on a free loopback port set; the leader is the replica whose /metrics says
// wss_ha_leader 1. One thread of its own (the manager) starts, kills, restarts and at the end
// stops every replica, so a replica never outlives the thread that forked it: each child has
// PR_SET_PDEATHSIG SIGKILL, and the manager signals only the PIDs it started.
//
// The calls below are for one thread (fleet-sim's main thread); the manager runs beside it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bench/fleet_sim/ha_report.h"

namespace wss::sim {

struct ReplicaSetOptions {
  int replicas = 0;         // 0: no ha mode
  std::string sidecar_bin;  // empty: work-stealing-sidecar beside fleet-sim
  std::string base_config;  // a sidecar YAML file copied for each replica; empty: defaults
  std::string nats_url;
  std::string log_dir;  // each replica's config and log; empty: a temp dir, removed at the end
  double kill_every_s = 10;
  double restart_after_s = 1;
};

class ReplicaSet {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit ReplicaSet(ReplicaSetOptions options);
  // Stops every replica still running (SIGTERM, then SIGKILL after 5 s) and reaps them.
  ~ReplicaSet();
  ReplicaSet(const ReplicaSet&) = delete;
  ReplicaSet& operator=(const ReplicaSet&) = delete;

  // Writes the configs, starts the replicas and waits up to `timeout` until one leads. False
  // and `error` set when a config cannot be written, a replica cannot start or none leads.
  [[nodiscard]] bool start(std::chrono::milliseconds timeout, std::string* error);

  // Kills the leader at `first`, then every kill_every_s while the kill time is <= `last`.
  // A kill finds the leader within kill_every_s or counts as missed.
  void startKilling(TimePoint first, TimePoint last);

  // Ends the kills, stops every replica and returns what happened, kill times counted from
  // `run_start` (resume times are filled later, from the fleet's epochs: fillResumes()).
  [[nodiscard]] HaReport finish(TimePoint run_start);

 private:
  struct Manager;
  std::unique_ptr<Manager> manager_;
};

}  // namespace wss::sim
