// fleet-sim: a simulated agent fleet on a real NATS server, to measure what the sidecar's
// work stealing does to task latency against a naive fleet and an ideal scheduler.
//
//   fleet-sim --scenario hot-spots --seed 1 --encoding json --json-out out/run.json
//
// See docs/fleet-sim.md.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/nats_client.h"
#include "bench/fleet_sim/ideal_scheduler.h"
#include "bench/fleet_sim/report.h"
#include "bench/fleet_sim/scenario.h"
#include "bench/fleet_sim/simulation.h"

namespace {

constexpr const char* kUsage = R"(usage: fleet-sim [options]
  --scenario NAME        hot-spots | slow-agents | capabilities | churn | scale (default hot-spots)
  --seed N               random seed (default 1); same seed, same agents and tasks
  --duration-s S         arrival window in seconds (default: the scenario's, ~15)
  --agents N             fleet size (default: the scenario's)
  --load X               offered load, share of fleet capacity (default: the scenario's)
  --encoding json|protobuf   what the fleet publishes (default json)
  --nats-url URL         default $NATS_URL or nats://127.0.0.1:4222
  --sidecar-note TEXT    a label for the report, e.g. "with sidecar"
  --json-out FILE        the report as JSON
  --latencies-out FILE   one line per task: task_id latency_ms ideal_latency_ms (-1: lost)
  --steals-out FILE      one JSON line per work.steal received
  --grace-s S            wait this long after the last arrival for completions (default 30)
  --failure-rate X       share of task runs that fail and are re-dispatched (default 0)
  --metrics-interval-ms N    agent.metrics period per agent (default 200)
  --progress             a status line on stderr once a second
  --wait-for-sidecar S   first wait up to S seconds for a sidecar to answer work.stats;
                         exit 1 if none does
  --list                 print the scenarios and exit
  --compare FILE...      print reports (--json-out files of one scenario) side by side, exit
  --summary FILE...      print one line per report, exit
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
  std::string report_mode;  // "compare" or "summary": print these reports and exit
  std::vector<std::string> report_files;
};

bool parseArgs(int argc, char** argv, Args* out, std::string* error) {
  const char* env_url = std::getenv("NATS_URL");
  out->nats_url = env_url != nullptr ? env_url : "nats://127.0.0.1:4222";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return nullptr;
      }
      return argv[++i];
    };
    const char* v = nullptr;
    try {
      if (arg == "--help" || arg == "-h") {
        std::fputs(kUsage, stdout);
        std::exit(0);
      } else if (arg == "--list") {
        out->list = true;
      } else if (arg == "--progress") {
        out->sim.progress = true;
      } else if (arg == "--compare" || arg == "--summary") {
        out->report_mode = arg.substr(2);
        out->report_files.assign(argv + i + 1, argv + argc);
        return true;
      } else if ((v = value()) == nullptr) {
        return false;
      } else if (arg == "--scenario") {
        out->scenario.name = v;
      } else if (arg == "--seed") {
        out->scenario.seed = std::stoull(v);
      } else if (arg == "--duration-s") {
        out->scenario.duration_s = std::stod(v);
      } else if (arg == "--agents") {
        out->scenario.agents = std::stoi(v);
      } else if (arg == "--load") {
        out->scenario.load = std::stod(v);
      } else if (arg == "--encoding") {
        const std::string e = v;
        if (e != "json" && e != "protobuf") {
          *error = "--encoding must be json or protobuf";
          return false;
        }
        out->sim.encoding =
            e == "json" ? wss::codec::Encoding::kJson : wss::codec::Encoding::kProtobuf;
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
      } else if (arg == "--metrics-interval-ms") {
        out->sim.metrics_interval_us = std::stoll(v) * wss::sim::kUsPerMs;
      } else {
        *error = "unknown option " + arg;
        return false;
      }
    } catch (const std::exception&) {
      *error = "bad value for " + arg + ": " + (v != nullptr ? v : "");
      return false;
    }
  }
  if (out->sim.metrics_interval_us <= 0 || out->sim.grace_s < 0 || out->sim.failure_rate < 0 ||
      out->sim.failure_rate >= 1) {
    *error = "out-of-range --metrics-interval-ms, --grace-s or --failure-rate";
    return false;
  }
  return true;
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
  } else {
    wss::sim::printSummary(runs, stdout);
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
    for (const auto& name : wss::sim::scenarioNames()) {
      wss::sim::ScenarioParams p{.name = name, .seed = args.scenario.seed};
      const auto s = wss::sim::makeScenario(p, &error);
      std::printf("%-14s %5zu agents %6zu tasks  %s\n", name.c_str(), s->agents.size(),
                  s->tasks.size(), s->description.c_str());
    }
    return 0;
  }
  const auto scenario = wss::sim::makeScenario(args.scenario, &error);
  if (!scenario) {
    std::fprintf(stderr, "fleet-sim: %s\n", error.c_str());
    return 2;
  }
  const wss::sim::IdealResult ideal = wss::sim::scheduleIdeal(*scenario);

  const auto nats = wss::bench::NatsClient::connect(args.nats_url, "fleet-sim", &error);
  if (!nats) {
    std::fprintf(stderr, "fleet-sim: %s\n", error.c_str());
    return 1;
  }
  if (args.wait_for_sidecar_s > 0) {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<long>(args.wait_for_sidecar_s * 1000));
    while (!nats->request("work.stats", "", 500)) {
      if (std::chrono::steady_clock::now() >= until) {
        std::fprintf(stderr, "fleet-sim: no sidecar answered work.stats on %s\n",
                     args.nats_url.c_str());
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (args.sim.label.empty()) {
    args.sim.label = "[" + scenario->name + (args.note.empty() ? "" : ", " + args.note) + "]";
  }
  wss::sim::Simulation sim(*scenario, args.sim, *nats);
  if (!sim.start(&error)) {
    std::fprintf(stderr, "fleet-sim: %s\n", error.c_str());
    return 1;
  }
  wss::sim::RunReport report;
  std::vector<double> latency;
  sim.run(&report, &latency);

  report.sidecar_note = args.note;
  report.latency = wss::sim::summarize(latency);
  report.ideal = wss::sim::summarize(ideal.latency_ms);
  for (const double v : ideal.latency_ms) report.ideal_lost += v < 0 ? 1 : 0;
  if (const auto reply = nats->request("work.stats", "", 1000)) {
    const auto j = nlohmann::json::parse(*reply, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) report.sidecar_stats = j;
  }

  wss::sim::printTable(report, stdout);
  if (!args.json_out.empty()) {
    std::ofstream out(args.json_out, std::ios::trunc);
    out << wss::sim::toJson(report).dump(2) << '\n';
    if (!out) {
      std::fprintf(stderr, "fleet-sim: cannot write %s\n", args.json_out.c_str());
      return 1;
    }
  }
  if (!args.latencies_out.empty()) {
    std::ofstream out(args.latencies_out, std::ios::trunc);
    out << "# task_id latency_ms ideal_latency_ms (-1: lost)\n";
    char line[96];
    for (std::size_t i = 0; i < latency.size(); ++i) {
      std::snprintf(line, sizeof line, "%s %.3f %.3f\n", scenario->tasks[i].id.c_str(), latency[i],
                    ideal.latency_ms[i]);
      out << line;
    }
    if (!out) {
      std::fprintf(stderr, "fleet-sim: cannot write %s\n", args.latencies_out.c_str());
      return 1;
    }
  }
  return 0;
}
