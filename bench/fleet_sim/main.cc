// fleet-sim: a simulated agent fleet on a real NATS server, to measure what the sidecar's
// work stealing does to task latency against a naive fleet, the steal floor and an ideal
// scheduler.
//
//   fleet-sim --scenario hot-spots --seed 1 --encoding json --json-out out/run.json
//
// See docs/fleet-sim.md.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/nats_client.h"
#include "bench/fleet_sim/ideal_scheduler.h"
#include "bench/fleet_sim/replica_set.h"
#include "bench/fleet_sim/report.h"
#include "bench/fleet_sim/report_tables.h"
#include "bench/fleet_sim/scenario.h"
#include "bench/fleet_sim/simulation.h"
#include "bench/fleet_sim/steal_floor.h"

namespace {

constexpr const char* kUsage = R"(usage: fleet-sim [options]
  --scenario NAME        hot-spots | slow-agents | capabilities | churn | heavy-tails | scale
                         (default hot-spots)
  --seed N               random seed (default 1); same seed, same agents and tasks
  --duration-s S         arrival window in seconds (default: the scenario's, ~15)
  --agents N             fleet size (default: the scenario's)
  --load X               offered load, share of fleet capacity (default: the scenario's)
  --dispatch MODE        naive (default): the scenario's fixed policy; best-agent: ask
                         work.bestAgent for each task, naive choice when no usable answer
  --best-agent-timeout-ms N  how long a best-agent request may wait (default 50)
  --encoding json|protobuf   what the fleet publishes (default json)
  --nats-url URL         default $NATS_URL or nats://127.0.0.1:4222
  --sidecar-note TEXT    a label for the report, e.g. "with sidecar"
  --json-out FILE        the report as JSON
  --latencies-out FILE   one line per task: task_id latency_ms ideal_latency_ms
                         floor_latency_ms (-1: lost)
  --steals-out FILE      one JSON line per work.steal received
  --grace-s S            wait this long after the last arrival for completions (default 30)
  --failure-rate X       share of task runs that fail and are re-dispatched (default 0)
  --metrics-interval-ms N    agent.metrics period per agent (default 200)
  --progress             a status line on stderr once a second
  --resync               after NATS comes back (a reconnect, or SIGUSR1), re-publish every
                         held task's task.assigned, dead agents' offline and the last 10 s of
                         task.completed, so a subscriber that missed them catches up
  --resync-window-s S    how far back --resync re-sends completions when it cannot see the
                         outage (SIGUSR1, e.g. after a SIGSTOPped server; default 10)
  --wait-for-sidecar S   first wait up to S seconds for a sidecar to answer work.stats;
                         exit 1 if none does
  --ha-replicas N         ha mode: start N sidecar replicas (ha.enabled) on this NATS server
                         (it needs JetStream), kill -9 the leader every --kill-leader-every-s
                         and start it again after --restart-after-s; the report gains an ha
                         part (kills, resume times, fencing). Without it: no sidecar started
  --sidecar-bin PATH     the sidecar for --ha-replicas (default: work-stealing-sidecar beside
                         fleet-sim)
  --sidecar-config FILE  a base sidecar YAML copied for each replica, with nats.url, ha.enabled,
                         ha.name and http.listen (a free loopback port) set (default: defaults)
  --kill-leader-every-s K  kill the leader at K, 2K, ... while at least K of the arrival window
                         is left (default 10)
  --restart-after-s R    start a killed leader again R seconds later (default 1)
  --ha-log-dir DIR       the replicas' configs and logs (default: a temp dir, removed)
  --list                 print the scenarios and exit
  --compare FILE...      print reports (--json-out files of one scenario) side by side, exit
  --summary FILE...      print one line per report, exit
  --worst FILE...        print the worst of several seeds per scenario and run, exit
  --ha-summary FILE...   print one line per ha report (--ha-replicas runs), exit
)";

struct Args {
  wss::sim::ScenarioParams scenario{.name = "hot-spots"};
  wss::sim::SimOptions sim;
  std::string nats_url;
  std::string note;
  std::string json_out;
  std::string latencies_out;
  bool list = false;
  double wait_for_sidecar_s = 0;
  wss::sim::ReplicaSetOptions ha;  // replicas 0: no ha mode
  std::string report_mode;         // "compare", "summary", "worst" or "ha-summary": print, exit
  std::vector<std::string> report_files;
};

// The ha mode's options (replica_set.h); false when `arg` is not one of them.
bool applyHaOption(const std::string& arg, const std::string& v, wss::sim::ReplicaSetOptions* ha) {
  if (arg == "--ha-replicas") {
    ha->replicas = std::stoi(v);
  } else if (arg == "--sidecar-bin") {
    ha->sidecar_bin = v;
  } else if (arg == "--sidecar-config") {
    ha->base_config = v;
  } else if (arg == "--kill-leader-every-s") {
    ha->kill_every_s = std::stod(v);
  } else if (arg == "--restart-after-s") {
    ha->restart_after_s = std::stod(v);
  } else if (arg == "--ha-log-dir") {
    ha->log_dir = v;
  } else {
    return false;
  }
  return true;
}

// Applies one option that takes a value; false and `error` set when it is unknown or bad.
bool applyValueOption(const std::string& arg, const std::string& v, Args* out, std::string* error) {
  if (arg == "--scenario") {
    out->scenario.name = v;
  } else if (arg == "--seed") {
    out->scenario.seed = std::stoull(v);
  } else if (arg == "--duration-s") {
    out->scenario.duration_s = std::stod(v);
  } else if (arg == "--agents") {
    out->scenario.agents = std::stoi(v);
  } else if (arg == "--load") {
    out->scenario.load = std::stod(v);
  } else if (arg == "--dispatch") {
    if (v != "naive" && v != "best-agent") {
      *error = "--dispatch must be naive or best-agent";
      return false;
    }
    out->sim.best_agent = v == "best-agent";
  } else if (arg == "--best-agent-timeout-ms") {
    out->sim.best_agent_timeout_ms = std::stoi(v);
  } else if (arg == "--encoding") {
    if (v != "json" && v != "protobuf") {
      *error = "--encoding must be json or protobuf";
      return false;
    }
    out->sim.encoding = v == "json" ? wss::codec::Encoding::kJson : wss::codec::Encoding::kProtobuf;
  } else if (arg == "--nats-url") {
    out->nats_url = v;
  } else if (arg == "--sidecar-note") {
    out->note = v;
  } else if (arg == "--json-out") {
    out->json_out = v;
  } else if (arg == "--latencies-out") {
    out->latencies_out = v;
  } else if (arg == "--steals-out") {
    out->sim.steals_log = v;
  } else if (arg == "--grace-s") {
    out->sim.grace_s = std::stod(v);
  } else if (arg == "--wait-for-sidecar") {
    out->wait_for_sidecar_s = std::stod(v);
  } else if (arg == "--failure-rate") {
    out->sim.failure_rate = std::stod(v);
  } else if (arg == "--resync-window-s") {
    out->sim.resync_window_us = static_cast<wss::sim::Us>(std::stod(v) * wss::sim::kUsPerS);
  } else if (arg == "--metrics-interval-ms") {
    out->sim.metrics_interval_us = std::stoll(v) * wss::sim::kUsPerMs;
  } else if (!applyHaOption(arg, v, &out->ha)) {
    *error = "unknown option " + arg;
    return false;
  }
  return true;
}

bool validArgs(const Args& args, std::string* error) {
  const auto& s = args.sim;
  if (s.metrics_interval_us <= 0 || s.grace_s < 0 || s.failure_rate < 0 || s.failure_rate >= 1 ||
      s.best_agent_timeout_ms <= 0 || s.resync_window_us < 0) {
    *error =
        "out-of-range --metrics-interval-ms, --grace-s, --failure-rate, "
        "--best-agent-timeout-ms or --resync-window-s";
    return false;
  }
  const auto& ha = args.ha;
  if (ha.replicas < 0 || ha.replicas > 16 || ha.kill_every_s <= 0 || ha.restart_after_s < 0) {
    *error = "out-of-range --ha-replicas (0..16), --kill-leader-every-s or --restart-after-s";
    return false;
  }
  return true;
}

bool parseArgs(int argc, char** argv, Args* out, std::string* error) {
  const char* env_url = std::getenv("NATS_URL");
  out->nats_url = env_url != nullptr ? env_url : "nats://127.0.0.1:4222";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--list") {
      out->list = true;
    } else if (arg == "--progress") {
      out->sim.progress = true;
    } else if (arg == "--resync") {
      out->sim.resync_on_reconnect = true;
    } else if (arg == "--compare" || arg == "--summary" || arg == "--worst" ||
               arg == "--ha-summary") {
      out->report_mode = arg.substr(2);
      out->report_files.assign(argv + i + 1, argv + argc);
      return true;
    } else if (i + 1 >= argc) {
      *error = arg + " needs a value";
      return false;
    } else {
      const std::string v = argv[++i];
      try {
        if (!applyValueOption(arg, v, out, error)) return false;
      } catch (const std::exception&) {
        *error = "bad value for " + arg + ": " + v;
        return false;
      }
    }
  }
  return validArgs(*out, error);
}

int printReports(const Args& args) {
  std::vector<nlohmann::json> runs;
  for (const auto& file : args.report_files) {
    std::ifstream in(file);
    auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!in || j.is_discarded()) {
      std::fprintf(stderr, "fleet-sim: %s: not a fleet-sim report\n", file.c_str());
      return 1;
    }
    runs.push_back(std::move(j));
  }
  if (args.report_mode == "compare") {
    wss::sim::printComparison(runs, stdout);
  } else if (args.report_mode == "worst") {
    wss::sim::printWorst(runs, stdout);
  } else if (args.report_mode == "ha-summary") {
    wss::sim::printHaSummary(runs, stdout);
  } else {
    wss::sim::printSummary(runs, stdout);
  }
  return 0;
}

void listScenarios(std::uint64_t seed) {
  std::string error;
  for (const auto& name : wss::sim::scenarioNames()) {
    wss::sim::ScenarioParams p{.name = name, .seed = seed};
    const auto s = wss::sim::makeScenario(p, &error);
    std::printf("%-14s %5zu agents %6zu tasks  %s\n", name.c_str(), s->agents.size(),
                s->tasks.size(), s->description.c_str());
  }
}

bool waitForSidecar(wss::bench::NatsClient& nats, const Args& args) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<long>(args.wait_for_sidecar_s * 1000));
  while (!nats.request("work.stats", "", 500)) {
    if (std::chrono::steady_clock::now() >= until) {
      std::fprintf(stderr, "fleet-sim: no sidecar answered work.stats on %s\n",
                   args.nats_url.c_str());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// The offline schedules beside the run: the steal floor and the ideal.
struct Bars {
  wss::sim::OfflineSchedule steal_floor;
  wss::sim::OfflineSchedule ideal;
};

std::uint64_t lostCount(const wss::sim::OfflineSchedule& s) {
  std::uint64_t lost = 0;
  for (const double v : s.latency_ms) lost += v < 0 ? 1 : 0;
  return lost;
}

void fillReport(const std::vector<double>& latency, const Bars& bars, const Args& args,
                wss::bench::NatsClient& nats, wss::sim::RunReport* report) {
  report->sidecar_note = args.note;
  report->latency = wss::sim::summarize(latency);
  report->steal_floor = wss::sim::summarize(bars.steal_floor.latency_ms);
  report->steal_floor_lost = lostCount(bars.steal_floor);
  report->ideal = wss::sim::summarize(bars.ideal.latency_ms);
  report->ideal_lost = lostCount(bars.ideal);
  if (const auto reply = nats.request("work.stats", "", 1000)) {
    const auto j = nlohmann::json::parse(*reply, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) report->sidecar_stats = j;
  }
}

bool writeJson(const std::string& file, const wss::sim::RunReport& report) {
  std::ofstream out(file, std::ios::trunc);
  out << wss::sim::toJson(report).dump(2) << '\n';
  return static_cast<bool>(out);
}

bool writeLatencies(const std::string& file, const wss::sim::Scenario& scenario,
                    const std::vector<double>& latency, const Bars& bars) {
  std::ofstream out(file, std::ios::trunc);
  out << "# task_id latency_ms ideal_latency_ms floor_latency_ms (-1: lost)\n";
  char line[128];
  for (std::size_t i = 0; i < latency.size(); ++i) {
    std::snprintf(line, sizeof line, "%s %.3f %.3f %.3f\n", scenario.tasks[i].id.c_str(),
                  latency[i], bars.ideal.latency_ms[i], bars.steal_floor.latency_ms[i]);
    out << line;
  }
  return static_cast<bool>(out);
}

int failed(const std::string& error) {
  std::fprintf(stderr, "fleet-sim: %s\n", error.c_str());
  return 1;
}

int cannotWrite(const std::string& file) {
  std::fprintf(stderr, "fleet-sim: cannot write %s\n", file.c_str());
  return 1;
}

// The ha mode's replicas, started on `url` before the fleet, with a leader elected; null and
// `error` set when they do not come up (the ReplicaSet has stopped them).
std::unique_ptr<wss::sim::ReplicaSet> startReplicas(wss::sim::ReplicaSetOptions options,
                                                    const std::string& url, std::string* error) {
  options.nats_url = url;
  auto replicas = std::make_unique<wss::sim::ReplicaSet>(std::move(options));
  if (!replicas->start(std::chrono::seconds(30), error)) return nullptr;
  return replicas;
}

// Kills at K, 2K, ... from now while at least K of the arrival window is left after the kill,
// so that every kill is followed by work to steal.
void scheduleKills(wss::sim::ReplicaSet& replicas, double every_s,
                   const wss::sim::Scenario& scenario) {
  using std::chrono::steady_clock;
  const auto every =
      std::chrono::duration_cast<steady_clock::duration>(std::chrono::duration<double>(every_s));
  const auto now = steady_clock::now();
  replicas.startKilling(now + every,
                        now + std::chrono::microseconds(scenario.arrivals_end_us) - every);
}

// Connects, runs the scenario (in ha mode beside its replicas), prints and writes the report.
// The process exit code.
int runScenario(Args& args, const wss::sim::Scenario& scenario) {
  const Bars bars{wss::sim::scheduleStealFloor(scenario), wss::sim::scheduleIdeal(scenario)};
  std::string error;
  const auto nats = wss::bench::NatsClient::connect(args.nats_url, "fleet-sim", &error);
  if (!nats) return failed(error);
  std::unique_ptr<wss::sim::ReplicaSet> replicas;
  if (args.ha.replicas > 0) {
    replicas = startReplicas(args.ha, args.nats_url, &error);
    if (!replicas) return failed(error);
  }
  if (args.wait_for_sidecar_s > 0 && !waitForSidecar(*nats, args)) return 1;
  if (args.sim.label.empty()) {
    args.sim.label = "[" + scenario.name + (args.note.empty() ? "" : ", " + args.note) + "]";
  }
  wss::sim::Simulation sim(scenario, args.sim, *nats);
  if (args.sim.resync_on_reconnect) {
    std::signal(SIGUSR1, [](int) { wss::sim::Simulation::requestResync(); });
  }
  if (!sim.start(&error)) return failed(error);
  wss::sim::RunReport report;
  std::vector<double> latency;
  if (replicas) scheduleKills(*replicas, args.ha.kill_every_s, scenario);
  sim.run(&report, &latency);
  fillReport(latency, bars, args, *nats, &report);
  if (replicas) {
    report.ha = replicas->finish(sim.startTime());
    wss::sim::fillResumes(report.fencing, &*report.ha);
  }

  wss::sim::printTable(report, stdout);
  if (!args.json_out.empty() && !writeJson(args.json_out, report)) {
    return cannotWrite(args.json_out);
  }
  if (!args.latencies_out.empty() && !writeLatencies(args.latencies_out, scenario, latency, bars)) {
    return cannotWrite(args.latencies_out);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, &args, &error)) {
    std::fprintf(stderr, "fleet-sim: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  if (!args.report_mode.empty()) return printReports(args);
  if (args.list) {
    listScenarios(args.scenario.seed);
    return 0;
  }
  const auto scenario = wss::sim::makeScenario(args.scenario, &error);
  if (!scenario) {
    std::fprintf(stderr, "fleet-sim: %s\n", error.c_str());
    return 2;
  }
  return runScenario(args, *scenario);
}
