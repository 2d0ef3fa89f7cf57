#include "bench/fleet_sim/report_tables.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bench/fleet_sim/report.h"

namespace wss::sim {
namespace {

using Path = std::vector<const char*>;

// The number at `path` (below `under` when given), NaN when absent.
double num(const nlohmann::json& j, const Path& path, const char* under = nullptr) {
  const nlohmann::json* p = &j;
  if (under != nullptr) {
    if (!p->is_object() || !p->contains(under)) return std::nan("");
    p = &(*p)[under];
  }
  for (const char* key : path) {
    if (!p->is_object() || !p->contains(key)) return std::nan("");
    p = &(*p)[key];
  }
  return p->is_number() ? p->get<double>() : std::nan("");
}

std::string cell(double v, const char* fmt = "%.0f") {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string str(const nlohmann::json& j, const char* key, const char* fallback = "") {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// Tasks misplaced: run without a capability, plus steals the sidecar asked for that would have
// been (the fleet refused them).
double misplaced(const nlohmann::json& r) {
  return num(r, {"capabilityViolations"}) + num(r, {"steals", "refused", "targetIncapable"});
}

struct CompareRow {
  const char* name;
  Path path;
  Path offline;  // under "stealFloor" / "ideal"; empty: none
  const char* fmt;
};

constexpr const char* kIdeal = "ideal";
constexpr const char* kFloor = "stealFloor";

double offline(const nlohmann::json& r, const char* which, const CompareRow& row) {
  return row.offline.empty() ? std::nan("") : num(r, row.offline, which);
}

const std::vector<CompareRow>& compareRows() {
  static const std::vector<CompareRow> rows = {
      {"completed", {"completed"}, {"completed"}, "%.0f"},
      {"lost", {"lost"}, {"lost"}, "%.0f"},
      {"duplicated", {"duplicated"}, {"duplicated"}, "%.0f"},
      {"capability violations", {"capabilityViolations"}, {"capabilityViolations"}, "%.0f"},
      {"steal refused: incapable", {"steals", "refused", "targetIncapable"}, {}, "%.0f"},
      {"work.steal received", {"steals", "orders"}, {}, "%.0f"},
      {"tasks moved", {"steals", "tasksMoved"}, {}, "%.0f"},
      {"orphans re-homed", {"steals", "orphansRehomed"}, {}, "%.0f"},
      {"bestAgent fallbacks", {"bestAgent", "fallbacks"}, {}, "%.0f"},
      {"max queue depth", {"maxQueueDepth"}, {}, "%.0f"},
      {"latency p50 ms", {"latencyMs", "p50"}, {"latencyMs", "p50"}, "%.0f"},
      {"latency p95 ms", {"latencyMs", "p95"}, {"latencyMs", "p95"}, "%.0f"},
      {"latency p99 ms", {"latencyMs", "p99"}, {"latencyMs", "p99"}, "%.0f"},
      {"latency max ms", {"latencyMs", "max"}, {"latencyMs", "max"}, "%.0f"},
      {"p99 / floor p99", {"p99VsFloor"}, {}, "%.2f"},
      {"p50 / floor p50", {"p50VsFloor"}, {}, "%.2f"},
      {"p99 / ideal p99", {"p99VsIdeal"}, {}, "%.2f"},
  };
  return rows;
}

// The worst of several seeds of one scenario, run label and dispatch mode.
struct Worst {
  std::string scenario, run, dispatch, seeds;
  double r99 = 0, r50 = 0, r99_ideal = 0;
  double lost = 0, duplicated = 0, misplaced_total = 0, fallbacks = 0;
  bool all_met = true;

  void add(const nlohmann::json& r) {
    seeds += (seeds.empty() ? "" : ",") + cell(num(r, {"seed"}));
    r99 = std::max(r99, num(r, {"p99VsFloor"}));
    r50 = std::max(r50, num(r, {"p50VsFloor"}));
    r99_ideal = std::max(r99_ideal, num(r, {"p99VsIdeal"}));
    lost += num(r, {"lost"});
    duplicated += num(r, {"duplicated"});
    misplaced_total += misplaced(r);
    const double f = num(r, {"bestAgent", "fallbacks"});
    fallbacks += std::isnan(f) ? 0 : f;
    all_met = all_met && r.value("goalMet", false);
  }
};

std::vector<Worst> worstByGroup(const std::vector<nlohmann::json>& runs) {
  std::vector<Worst> groups;
  for (const auto& r : runs) {
    const std::string scenario = str(r, "scenario", "?");
    const std::string run = str(r, "sidecarNote");
    const std::string dispatch = str(r, "dispatch", "naive");
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Worst& w) {
      return w.scenario == scenario && w.run == run && w.dispatch == dispatch;
    });
    if (it == groups.end()) {
      Worst w;
      w.scenario = scenario;
      w.run = run;
      w.dispatch = dispatch;
      it = groups.insert(groups.end(), std::move(w));
    }
    it->add(r);
  }
  return groups;
}

}  // namespace

void printComparison(const std::vector<nlohmann::json>& runs, std::FILE* out) {
  if (runs.empty()) return;
  const auto& first = runs.front();
  std::fprintf(out, "\n%s: %s (seed %s, %s agents, %s tasks)\n",
               str(first, "scenario", "?").c_str(), str(first, "description").c_str(),
               cell(num(first, {"seed"})).c_str(), cell(num(first, {"agents"})).c_str(),
               cell(num(first, {"tasks"})).c_str());
  std::fprintf(out, "  %-26s", "");
  for (const auto& r : runs) {
    std::fprintf(out, " %16s", str(r, "sidecarNote", "run").substr(0, 16).c_str());
  }
  std::fprintf(out, " %16s %16s\n  %-26s", "steal floor", "ideal", "dispatch");
  for (const auto& r : runs) std::fprintf(out, " %16s", str(r, "dispatch", "naive").c_str());
  std::fprintf(out, " %16s %16s\n", "naive+steals", "earliest finish");
  for (const CompareRow& row : compareRows()) {
    std::fprintf(out, "  %-26s", row.name);
    for (const auto& r : runs) std::fprintf(out, " %16s", cell(num(r, row.path), row.fmt).c_str());
    std::fprintf(out, " %16s %16s\n", cell(offline(first, kFloor, row), row.fmt).c_str(),
                 cell(offline(first, kIdeal, row), row.fmt).c_str());
  }
  std::fprintf(out, "  %-26s", "goal met");
  for (const auto& r : runs) std::fprintf(out, " %16s", r.value("goalMet", false) ? "yes" : "no");
  std::fprintf(out, "\n");
  std::fflush(out);
}

void printSummary(const std::vector<nlohmann::json>& runs, std::FILE* out) {
  const char* fmt = "  %-12s %-16s %-10s %4s %6s %4s %3s %4s %6s %6s %6s %6s %6s %7s %5s %5s %4s\n";
  std::fprintf(out, fmt, "scenario", "run", "dispatch", "seed", "tasks", "lost", "dup", "viol",
               "moved", "p50", "p99", "floor50", "floor99", "ideal99", "r99", "r50", "goal");
  for (const auto& r : runs) {
    std::fprintf(
        out, fmt, str(r, "scenario", "?").c_str(), str(r, "sidecarNote").substr(0, 16).c_str(),
        str(r, "dispatch", "naive").c_str(), cell(num(r, {"seed"})).c_str(),
        cell(num(r, {"tasks"})).c_str(), cell(num(r, {"lost"})).c_str(),
        cell(num(r, {"duplicated"})).c_str(), cell(misplaced(r)).c_str(),
        cell(num(r, {"steals", "tasksMoved"})).c_str(), cell(num(r, {"latencyMs", "p50"})).c_str(),
        cell(num(r, {"latencyMs", "p99"})).c_str(),
        cell(num(r, {"latencyMs", "p50"}, kFloor)).c_str(),
        cell(num(r, {"latencyMs", "p99"}, kFloor)).c_str(),
        cell(num(r, {"latencyMs", "p99"}, kIdeal)).c_str(),
        cell(num(r, {"p99VsFloor"}), "%.2f").c_str(), cell(num(r, {"p50VsFloor"}), "%.2f").c_str(),
        r.value("goalMet", false) ? "yes" : "no");
  }
  std::fflush(out);
}

void printWorst(const std::vector<nlohmann::json>& runs, std::FILE* out) {
  const char* fmt = "  %-12s %-16s %-10s %-8s %9s %9s %9s %5s %4s %4s %5s %4s\n";
  std::fprintf(out, fmt, "scenario", "run", "dispatch", "seeds", "p99/floor", "p50/floor",
               "p99/ideal", "lost", "dup", "viol", "fallb", "goal");
  for (const Worst& w : worstByGroup(runs)) {
    std::fprintf(out, fmt, w.scenario.c_str(), w.run.substr(0, 16).c_str(), w.dispatch.c_str(),
                 w.seeds.c_str(), cell(w.r99, "%.2f").c_str(), cell(w.r50, "%.2f").c_str(),
                 cell(w.r99_ideal, "%.2f").c_str(), cell(w.lost).c_str(),
                 cell(w.duplicated).c_str(), cell(w.misplaced_total).c_str(),
                 cell(w.fallbacks).c_str(), w.all_met ? "all" : "no");
  }
  std::fprintf(out,
               "  worst = the highest ratio over the seeds; lost/dup/viol/fallb = totals; goal: "
               "p99 <= %.2fx and p50 <= %.2fx the floor, 0 lost/dup/viol, on every seed\n",
               kGoalP99VsFloor, kGoalP50VsFloor);
  std::fflush(out);
}

void printHaSummary(const std::vector<nlohmann::json>& runs, std::FILE* out) {
  const char* fmt = "  %-12s %4s %8s %5s %6s %7s %8s %8s %5s %4s %4s %6s %6s %4s\n";
  std::fprintf(out, fmt, "scenario", "seed", "replicas", "kills", "missed", "resumed", "median",
               "max", "lost", "dup", "viol", "fenced", "wouldA", "goal");
  for (const auto& r : runs) {
    if (!r.contains("ha") || !r["ha"].is_object()) continue;
    const double kills = num(r, {"killCount"}, "ha");
    std::fprintf(out, fmt, str(r, "scenario", "?").c_str(), cell(num(r, {"seed"})).c_str(),
                 cell(num(r, {"replicas"}, "ha")).c_str(), cell(kills).c_str(),
                 cell(num(r, {"killsMissed"}, "ha")).c_str(),
                 cell(kills - num(r, {"notResumed"}, "ha")).c_str(),
                 cell(num(r, {"resumeMsMedian"}, "ha"), "%.0fms").c_str(),
                 cell(num(r, {"resumeMsMax"}, "ha"), "%.0fms").c_str(),
                 cell(num(r, {"lost"})).c_str(), cell(num(r, {"duplicated"})).c_str(),
                 cell(misplaced(r)).c_str(), cell(num(r, {"fencedOrders"}, "ha")).c_str(),
                 cell(num(r, {"fencedWouldApply"}, "ha")).c_str(),
                 r.value("haGoalMet", false) ? "met" : "no");
  }
  std::fprintf(out,
               "  resumed: kills after which a steal came under a higher epoch; median/max: kill "
               "-> that steal; fenced: orders below the highest epoch (wouldA: of which would "
               "have moved a task); goal: every kill resumed, 0 lost/dup/viol\n");
  std::fflush(out);
}

}  // namespace wss::sim
