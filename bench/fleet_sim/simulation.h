// The live simulation: the scenario's agents and dispatcher on a real NATS server. The
// dispatcher is the naive one, or in best-agent mode asks the sidecar's work.bestAgent for each
// task and falls back to the naive choice when no usable answer comes in time.
//
// One thread (the caller of run()) owns every agent, queue and task: it releases tasks at
// their arrival times, runs them on the agents' slots in real time (a priority queue of
// completion times, not a thread per agent), publishes task.assigned / task.completed /
// task.failed / agent.metrics, and obeys the work.steal orders the cnats callback decodes and
// hands over through a small inbox.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bench/common/nats_client.h"
#include "bench/fleet_sim/report.h"
#include "bench/fleet_sim/scenario.h"
#include "sidecar/codec/codec.h"

namespace wss::sim {

struct SimOptions {
  codec::Encoding encoding = codec::Encoding::kJson;
  bool progress = false;   // a status line on stderr once a second
  std::string label;       // prefixes the progress line
  double grace_s = 30;     // after the last arrival, how long to wait for completions
  double idle_stop_s = 3;  // stop early when the live fleet is idle this long
  Us metrics_interval_us = 200 * kUsPerMs;
  double failure_rate = 0;  // share of task runs that fail and are re-dispatched
  std::string steals_log;   // JSON lines, one per work.steal received; empty: none
  bool best_agent = false;  // place tasks by asking work.bestAgent (else naive)
  int best_agent_timeout_ms = 50;
  std::string best_agent_subject = "work.bestAgent";
  // After NATS comes back (this client reconnected, or SIGUSR1 said so), re-publish what a
  // subscriber may have missed: task.assigned for every task held, offline for every dead
  // agent, task.completed for the recent completions (all idempotent for the sidecar). For
  // scripts/soak, which kills nats-server under the fleet.
  bool resync_on_reconnect = false;
  Us resync_window_us = 10 * kUsPerS;  // completions this far back (and the outage) re-sent
};

class Simulation {
 public:
  Simulation(const Scenario& scenario, SimOptions options, bench::NatsClient& nats);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Subscribes to work.steal; false and `error` set when it cannot.
  [[nodiscard]] bool start(std::string* error);

  // Runs the scenario to its end (blocking, real time) and fills the run's figures in
  // `report`; `latency_ms` gets each task's arrival -> first completion, -1 when lost.
  void run(RunReport* report, std::vector<double>* latency_ms);

  // The run's time zero, which the report's times count from; set when run() starts.
  [[nodiscard]] std::chrono::steady_clock::time_point startTime() const;

  // Asks for a resync at the next turn of the loop (resync_on_reconnect only). Any thread,
  // async-signal-safe.
  static void requestResync();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wss::sim
