#include "bench/fleet_sim/report.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace wss::sim {

LatencySummary summarize(std::vector<double> values_ms) {
  values_ms.erase(std::remove_if(values_ms.begin(), values_ms.end(),
                                 [](double v) { return v < 0 || std::isnan(v); }),
                  values_ms.end());
  LatencySummary s;
  s.count = values_ms.size();
  if (values_ms.empty()) return s;
  std::sort(values_ms.begin(), values_ms.end());
  const auto rank = [&](double q) {
    const auto n = values_ms.size();
    auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
    k = std::clamp<std::size_t>(k, 1, n);
    return values_ms[k - 1];
  };
  s.p50 = rank(0.50);
  s.p95 = rank(0.95);
  s.p99 = rank(0.99);
  s.max = values_ms.back();
  s.mean = std::accumulate(values_ms.begin(), values_ms.end(), 0.0) /
           static_cast<double>(values_ms.size());
  return s;
}

double RunReport::p99Ratio() const { return ideal.p99 > 0 ? latency.p99 / ideal.p99 : 0; }

bool RunReport::goalMet() const {
  return lost == 0 && duplicated == 0 && capability_violations == 0 &&
         steals.refused_target_incapable == 0 && latency.count > 0 && p99Ratio() <= 1.5;
}

namespace {

nlohmann::json latencyJson(const LatencySummary& s) {
  return {{"count", s.count}, {"p50", s.p50}, {"p95", s.p95},
          {"p99", s.p99},     {"max", s.max}, {"mean", s.mean}};
}

}  // namespace

nlohmann::json toJson(const RunReport& r) {
  const auto& st = r.steals;
  nlohmann::json j = {
      {"scenario", r.scenario},
      {"description", r.description},
      {"encoding", r.encoding},
      {"sidecarNote", r.sidecar_note},
      {"seed", r.seed},
      {"agents", r.agents},
      {"offeredLoad", r.offered_load},
      {"arrivalsSeconds", r.arrivals_s},
      {"wallSeconds", r.wall_s},
      {"tasks", r.tasks},
      {"completed", r.completed},
      {"lost", r.lost},
      {"lostOrphaned", r.lost_orphaned},
      {"duplicated", r.duplicated},
      {"capabilityViolations", r.capability_violations},
      {"failuresInjected", r.failures_injected},
      {"maxQueueDepth", r.max_queue_depth},
      {"steals",
       {{"orders", st.orders},
        {"undecodable", st.undecodable},
        {"countOnlyOrders", st.count_only_orders},
        {"tasksRequested", st.tasks_requested},
        {"tasksMoved", st.tasks_moved},
        {"orphansRehomed", st.orphans_rehomed},
        {"refused",
         {{"notQueued", st.refused_not_queued},
          {"targetUnavailable", st.refused_target_unavailable},
          {"targetIncapable", st.refused_target_incapable},
          {"sourceUnknown", st.refused_source_unknown},
          {"sameAgent", st.refused_same_agent}}}}},
      {"latencyMs", latencyJson(r.latency)},
      {"ideal",
       {{"completed", r.tasks - r.ideal_lost},
        {"lost", r.ideal_lost},
        {"duplicated", 0},
        {"capabilityViolations", 0},
        {"latencyMs", latencyJson(r.ideal)}}},
      {"p99VsIdeal", r.p99Ratio()},
      {"goalMet", r.goalMet()},
  };
  j["sidecarStats"] = r.sidecar_stats ? *r.sidecar_stats : nlohmann::json(nullptr);
  return j;
}

void printTable(const RunReport& r, std::FILE* out) {
  const auto& st = r.steals;
  std::fprintf(out, "\nfleet-sim %s (%s), seed %llu, %zu agents, load %.2f, encoding %s%s%s\n",
               r.scenario.c_str(), r.description.c_str(), static_cast<unsigned long long>(r.seed),
               r.agents, r.offered_load, r.encoding.c_str(), r.sidecar_note.empty() ? "" : ", ",
               r.sidecar_note.c_str());
  std::fprintf(out, "  %-34s %14s %14s\n", "", "this run", "ideal");
  const auto row = [&](const char* name, double run, double ideal, const char* fmt) {
    char a[32];
    char b[32];
    std::snprintf(a, sizeof a, fmt, run);
    if (std::isnan(ideal)) {
      std::snprintf(b, sizeof b, "%s", "-");
    } else {
      std::snprintf(b, sizeof b, fmt, ideal);
    }
    std::fprintf(out, "  %-34s %14s %14s\n", name, a, b);
  };
  const double na = std::nan("");
  const auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  row("tasks", d(r.tasks), d(r.tasks), "%.0f");
  row("completed", d(r.completed), d(r.tasks - r.ideal_lost), "%.0f");
  row("lost", d(r.lost), d(r.ideal_lost), "%.0f");
  row("  of which on dead agents", d(r.lost_orphaned), na, "%.0f");
  row("duplicated", d(r.duplicated), 0, "%.0f");
  row("capability violations", d(r.capability_violations), 0, "%.0f");
  row("work.steal received", d(st.orders), na, "%.0f");
  row("tasks requested", d(st.tasks_requested), na, "%.0f");
  row("  moved", d(st.tasks_moved), na, "%.0f");
  row("  orphans re-homed", d(st.orphans_rehomed), na, "%.0f");
  row("  refused: not queued", d(st.refused_not_queued), na, "%.0f");
  row("  refused: target lacks capability", d(st.refused_target_incapable), na, "%.0f");
  row("  refused: target unavailable", d(st.refused_target_unavailable), na, "%.0f");
  row("max queue depth", d(r.max_queue_depth), na, "%.0f");
  row("latency p50 ms", r.latency.p50, r.ideal.p50, "%.0f");
  row("latency p95 ms", r.latency.p95, r.ideal.p95, "%.0f");
  row("latency p99 ms", r.latency.p99, r.ideal.p99, "%.0f");
  row("latency max ms", r.latency.max, r.ideal.max, "%.0f");
  std::fprintf(out,
               "  p99 / ideal p99 = %.2f; goal (<= 1.5, nothing lost/duplicated/misplaced): %s\n",
               r.p99Ratio(), r.goalMet() ? "MET" : "NOT MET");
  std::fflush(out);
}

}  // namespace wss::sim

namespace wss::sim {
namespace {

double num(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* p = &j;
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

}  // namespace

void printComparison(const std::vector<nlohmann::json>& runs, std::FILE* out) {
  if (runs.empty()) return;
  const auto& first = runs.front();
  std::fprintf(out, "\n%s: %s (seed %s, %s agents, %s tasks)\n",
               first.value("scenario", "?").c_str(), first.value("description", "").c_str(),
               cell(num(first, {"seed"})).c_str(), cell(num(first, {"agents"})).c_str(),
               cell(num(first, {"tasks"})).c_str());
  std::fprintf(out, "  %-26s", "");
  for (const auto& r : runs) {
    const std::string note = r.value("sidecarNote", "");
    std::fprintf(out, " %16s", (note.empty() ? "run" : note).substr(0, 16).c_str());
  }
  std::fprintf(out, " %16s\n", "ideal");
  struct Row {
    const char* name;
    std::initializer_list<const char*> path;
    std::initializer_list<const char*> ideal;  // empty: no ideal figure
    const char* fmt;
  };
  const Row rows[] = {
      {"completed", {"completed"}, {"ideal", "completed"}, "%.0f"},
      {"lost", {"lost"}, {"ideal", "lost"}, "%.0f"},
      {"duplicated", {"duplicated"}, {"ideal", "duplicated"}, "%.0f"},
      {"capability violations",
       {"capabilityViolations"},
       {"ideal", "capabilityViolations"},
       "%.0f"},
      {"steal refused: incapable", {"steals", "refused", "targetIncapable"}, {}, "%.0f"},
      {"work.steal received", {"steals", "orders"}, {}, "%.0f"},
      {"tasks moved", {"steals", "tasksMoved"}, {}, "%.0f"},
      {"orphans re-homed", {"steals", "orphansRehomed"}, {}, "%.0f"},
      {"max queue depth", {"maxQueueDepth"}, {}, "%.0f"},
      {"latency p50 ms", {"latencyMs", "p50"}, {"ideal", "latencyMs", "p50"}, "%.0f"},
      {"latency p95 ms", {"latencyMs", "p95"}, {"ideal", "latencyMs", "p95"}, "%.0f"},
      {"latency p99 ms", {"latencyMs", "p99"}, {"ideal", "latencyMs", "p99"}, "%.0f"},
      {"latency max ms", {"latencyMs", "max"}, {"ideal", "latencyMs", "max"}, "%.0f"},
      {"p99 / ideal p99", {"p99VsIdeal"}, {}, "%.2f"},
  };
  for (const Row& row : rows) {
    std::fprintf(out, "  %-26s", row.name);
    for (const auto& r : runs) std::fprintf(out, " %16s", cell(num(r, row.path), row.fmt).c_str());
    const double ideal = row.ideal.size() == 0 ? std::nan("") : num(first, row.ideal);
    std::fprintf(out, " %16s\n", cell(ideal, row.fmt).c_str());
  }
  std::fprintf(out, "  %-26s", "goal met");
  for (const auto& r : runs) {
    std::fprintf(out, " %16s", r.value("goalMet", false) ? "yes" : "no");
  }
  std::fprintf(out, " %16s\n", "");
  std::fflush(out);
}

void printSummary(const std::vector<nlohmann::json>& runs, std::FILE* out) {
  std::fprintf(out, "  %-13s %-16s %-8s %7s %5s %4s %4s %7s %7s %7s %8s %8s %6s %5s\n", "scenario",
               "run", "encoding", "tasks", "lost", "dup", "viol", "steals", "moved", "p50", "p99",
               "ideal99", "ratio", "goal");
  for (const auto& r : runs) {
    std::fprintf(
        out, "  %-13s %-16s %-8s %7s %5s %4s %4s %7s %7s %7s %8s %8s %6s %5s\n",
        r.value("scenario", "?").c_str(), r.value("sidecarNote", "").substr(0, 16).c_str(),
        r.value("encoding", "").c_str(), cell(num(r, {"tasks"})).c_str(),
        cell(num(r, {"lost"})).c_str(), cell(num(r, {"duplicated"})).c_str(),
        cell(num(r, {"capabilityViolations"}) + num(r, {"steals", "refused", "targetIncapable"}))
            .c_str(),
        cell(num(r, {"steals", "orders"})).c_str(), cell(num(r, {"steals", "tasksMoved"})).c_str(),
        cell(num(r, {"latencyMs", "p50"})).c_str(), cell(num(r, {"latencyMs", "p99"})).c_str(),
        cell(num(r, {"ideal", "latencyMs", "p99"})).c_str(),
        cell(num(r, {"p99VsIdeal"}), "%.2f").c_str(), r.value("goalMet", false) ? "yes" : "no");
  }
  std::fflush(out);
}

}  // namespace wss::sim
