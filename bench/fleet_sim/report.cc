#include "bench/fleet_sim/report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

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

namespace {

double ratio(double run, double bar) { return bar > 0 ? run / bar : 0; }

}  // namespace

double RunReport::p99VsFloor() const { return ratio(latency.p99, steal_floor.p99); }
double RunReport::p50VsFloor() const { return ratio(latency.p50, steal_floor.p50); }
double RunReport::p99VsIdeal() const { return ratio(latency.p99, ideal.p99); }

bool RunReport::goalMet() const {
  return lost == 0 && duplicated == 0 && capability_violations == 0 &&
         steals.refused_target_incapable == 0 && latency.count > 0 &&
         p99VsFloor() <= kGoalP99VsFloor && p50VsFloor() <= kGoalP50VsFloor;
}

bool RunReport::haGoalMet() const {
  return ha && !ha->kills.empty() && ha->notResumed() == 0 && ha->kills_missed == 0 &&
         ha->unexpected_exits == 0 && lost == 0 && duplicated == 0 && capability_violations == 0 &&
         steals.refused_target_incapable == 0;
}

namespace {

nlohmann::json latencyJson(const LatencySummary& s) {
  return {{"count", s.count}, {"p50", s.p50}, {"p95", s.p95},
          {"p99", s.p99},     {"max", s.max}, {"mean", s.mean}};
}

nlohmann::json stealsJson(const StealCounters& st) {
  return {{"orders", st.orders},
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
            {"sameAgent", st.refused_same_agent}}}};
}

nlohmann::json bestAgentJson(const BestAgentCounters& b) {
  return {{"requests", b.requests}, {"placed", b.placed},    {"fallbacks", b.fallbacks()},
          {"noReply", b.no_reply},  {"noAgent", b.no_agent}, {"unusable", b.unusable}};
}

// An offline scheduler's column: it never duplicates or misplaces.
nlohmann::json offlineJson(std::uint64_t tasks, std::uint64_t lost, const LatencySummary& s) {
  return {{"completed", tasks - lost},
          {"lost", lost},
          {"duplicated", 0},
          {"capabilityViolations", 0},
          {"latencyMs", latencyJson(s)}};
}

}  // namespace

nlohmann::json toJson(const RunReport& r) {
  nlohmann::json j = {
      {"scenario", r.scenario},
      {"description", r.description},
      {"encoding", r.encoding},
      {"sidecarNote", r.sidecar_note},
      {"dispatch", r.dispatch},
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
      {"publishErrors", r.publish_errors},
      {"resyncs", r.resyncs},
      {"maxQueueDepth", r.max_queue_depth},
      {"steals", stealsJson(r.steals)},
      {"bestAgent", bestAgentJson(r.best_agent)},
      {"latencyMs", latencyJson(r.latency)},
      {"stealFloor", offlineJson(r.tasks, r.steal_floor_lost, r.steal_floor)},
      {"ideal", offlineJson(r.tasks, r.ideal_lost, r.ideal)},
      {"p99VsFloor", r.p99VsFloor()},
      {"p50VsFloor", r.p50VsFloor()},
      {"p99VsIdeal", r.p99VsIdeal()},
      {"goal", {{"p99VsFloorMax", kGoalP99VsFloor}, {"p50VsFloorMax", kGoalP50VsFloor}}},
      {"goalMet", r.goalMet()},
  };
  j["sidecarStats"] = r.sidecar_stats ? *r.sidecar_stats : nlohmann::json(nullptr);
  j["fencedOrders"] = r.fencing.fenced_orders;
  if (r.ha) {
    j["ha"] = haJson(*r.ha, r.fencing);
    j["haGoalMet"] = r.haGoalMet();
  }
  return j;
}

namespace {

// One table row: the run's figure, then the floor's and the ideal's (NaN prints "-").
class TableRows {
 public:
  explicit TableRows(std::FILE* out) : out_(out) {}
  void header() const {
    std::fprintf(out_, "  %-34s %12s %12s %12s\n", "", "this run", "steal floor", "ideal");
  }
  void row(const char* name, double run, double floor = kNone, double ideal = kNone,
           const char* fmt = "%.0f") const {
    std::fprintf(out_, "  %-34s %12s %12s %12s\n", name, cell(run, fmt).c_str(),
                 cell(floor, fmt).c_str(), cell(ideal, fmt).c_str());
  }
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

 private:
  static std::string cell(double v, const char* fmt) {
    if (std::isnan(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
  }
  std::FILE* out_;
};

double d(std::uint64_t v) { return static_cast<double>(v); }

void printCounts(const RunReport& r, const TableRows& t) {
  const auto& st = r.steals;
  t.row("tasks", d(r.tasks), d(r.tasks), d(r.tasks));
  t.row("completed", d(r.completed), d(r.tasks - r.steal_floor_lost), d(r.tasks - r.ideal_lost));
  t.row("lost", d(r.lost), d(r.steal_floor_lost), d(r.ideal_lost));
  t.row("  of which on dead agents", d(r.lost_orphaned));
  t.row("duplicated", d(r.duplicated), 0, 0);
  t.row("capability violations", d(r.capability_violations), 0, 0);
  t.row("work.steal received", d(st.orders + r.fencing.fenced_orders));
  t.row("  fenced: epoch below the highest", d(r.fencing.fenced_orders));
  t.row("tasks requested", d(st.tasks_requested));
  t.row("  moved", d(st.tasks_moved));
  t.row("  orphans re-homed", d(st.orphans_rehomed));
  t.row("  refused: not queued", d(st.refused_not_queued));
  t.row("  refused: target lacks capability", d(st.refused_target_incapable));
  t.row("  refused: target unavailable", d(st.refused_target_unavailable));
  if (r.dispatch == "best-agent") {
    t.row("work.bestAgent requests", d(r.best_agent.requests));
    t.row("  placed by the answer", d(r.best_agent.placed));
    t.row("  fallbacks: no reply", d(r.best_agent.no_reply));
    t.row("  fallbacks: no agent", d(r.best_agent.no_agent));
    t.row("  fallbacks: unusable agent", d(r.best_agent.unusable));
  }
  t.row("max queue depth", d(r.max_queue_depth));
}

void printLatency(const RunReport& r, const TableRows& t) {
  t.row("latency p50 ms", r.latency.p50, r.steal_floor.p50, r.ideal.p50);
  t.row("latency p95 ms", r.latency.p95, r.steal_floor.p95, r.ideal.p95);
  t.row("latency p99 ms", r.latency.p99, r.steal_floor.p99, r.ideal.p99);
  t.row("latency max ms", r.latency.max, r.steal_floor.max, r.ideal.max);
}

}  // namespace

void printTable(const RunReport& r, std::FILE* out) {
  std::fprintf(
      out, "\nfleet-sim %s (%s), seed %llu, %zu agents, load %.2f, encoding %s, dispatch %s%s%s\n",
      r.scenario.c_str(), r.description.c_str(), static_cast<unsigned long long>(r.seed), r.agents,
      r.offered_load, r.encoding.c_str(), r.dispatch.c_str(), r.sidecar_note.empty() ? "" : ", ",
      r.sidecar_note.c_str());
  const TableRows t(out);
  t.header();
  printCounts(r, t);
  printLatency(r, t);
  std::fprintf(out,
               "  p99 / floor p99 = %.2f, p50 / floor p50 = %.2f (p99 / ideal p99 = %.2f)\n"
               "  goal (p99 <= %.2fx floor, p50 <= %.2fx floor, nothing lost/duplicated/"
               "misplaced): %s\n",
               r.p99VsFloor(), r.p50VsFloor(), r.p99VsIdeal(), kGoalP99VsFloor, kGoalP50VsFloor,
               r.goalMet() ? "MET" : "NOT MET");
  if (r.ha) {
    printHaTable(*r.ha, r.fencing, out);
    std::fprintf(out,
                 "  ha goal (steals resumed after every kill, nothing lost/duplicated/"
                 "misplaced): %s\n",
                 r.haGoalMet() ? "MET" : "NOT MET");
  }
  std::fflush(out);
}

}  // namespace wss::sim
