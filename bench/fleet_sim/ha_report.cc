#include "bench/fleet_sim/ha_report.h"

#include <algorithm>

#include "bench/fleet_sim/report.h"

namespace wss::sim {
namespace {

std::vector<double> resumeTimes(const HaReport& ha) {
  std::vector<double> v;
  for (const auto& k : ha.kills) {
    if (k.resume_ms) v.push_back(*k.resume_ms);
  }
  std::sort(v.begin(), v.end());
  return v;
}

nlohmann::json orNull(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::uint64_t HaReport::notResumed() const {
  return static_cast<std::uint64_t>(
      std::count_if(kills.begin(), kills.end(), [](const LeaderKill& k) { return !k.resume_ms; }));
}

std::optional<double> HaReport::resumeMaxMs() const {
  const auto v = resumeTimes(*this);
  return v.empty() ? std::nullopt : std::optional<double>(v.back());
}

std::optional<double> HaReport::resumeMedianMs() const {
  const auto v = resumeTimes(*this);
  return v.empty() ? std::nullopt : std::optional<double>(v[(v.size() - 1) / 2]);
}

void fillResumes(const FencingCounters& fencing, HaReport* ha) {
  for (auto& kill : ha->kills) {
    // Epoch starts grow in epoch and time, so one received after the kill is also above every
    // epoch seen before it; above the killed leader's too, or it is that leader's late order.
    const auto next = std::find_if(
        fencing.epoch_starts.begin(), fencing.epoch_starts.end(),
        [&](const EpochStart& s) { return s.epoch > kill.epoch && s.at_us >= kill.at_us; });
    if (next == fencing.epoch_starts.end()) continue;
    kill.resume_ms = static_cast<double>(next->at_us - kill.at_us) / 1000.0;
    kill.new_epoch = next->epoch;
  }
}

nlohmann::json haJson(const HaReport& ha, const FencingCounters& f) {
  nlohmann::json kills = nlohmann::json::array();
  for (const auto& k : ha.kills) {
    kills.push_back({{"atSeconds", static_cast<double>(k.at_us) / 1e6},
                     {"replica", k.replica},
                     {"epoch", k.epoch},
                     {"resumeMs", orNull(k.resume_ms)},
                     {"newEpoch", k.new_epoch}});
  }
  return {{"replicas", ha.replicas},
          {"killEverySeconds", ha.kill_every_s},
          {"restartAfterSeconds", ha.restart_after_s},
          {"kills", kills},
          {"killCount", ha.kills.size()},
          {"killsMissed", ha.kills_missed},
          {"notResumed", ha.notResumed()},
          {"resumeMsMax", orNull(ha.resumeMaxMs())},
          {"resumeMsMedian", orNull(ha.resumeMedianMs())},
          {"restarts", ha.restarts},
          {"unexpectedExits", ha.unexpected_exits},
          {"highestEpoch", f.highest_epoch},
          {"epochsSeen", f.epoch_starts.size()},
          {"ordersWithoutEpoch", f.orders_without_epoch},
          {"fencedOrders", f.fenced_orders},
          {"fencedWouldApply", f.fenced_would_apply},
          {"fencedTasksWouldMove", f.fenced_tasks_would_move}};
}

void printHaTable(const HaReport& ha, const FencingCounters& f, std::FILE* out) {
  const auto ms = [](const std::optional<double>& v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, v ? "%.0f ms" : "-", v.value_or(0));
    return std::string(buf);
  };
  std::fprintf(out,
               "  ha: %d replicas, leader killed every %.0f s (restarted after %.1f s): %zu kills, "
               "%llu missed (no leader), %llu restarts, %llu unexpected exits\n",
               ha.replicas, ha.kill_every_s, ha.restart_after_s, ha.kills.size(),
               static_cast<unsigned long long>(ha.kills_missed),
               static_cast<unsigned long long>(ha.restarts),
               static_cast<unsigned long long>(ha.unexpected_exits));
  for (const auto& k : ha.kills) {
    std::fprintf(out, "    kill at %6.1f s of %-8s epoch %-6llu -> resumed %s (epoch %llu)\n",
                 static_cast<double>(k.at_us) / 1e6, k.replica.c_str(),
                 static_cast<unsigned long long>(k.epoch), ms(k.resume_ms).c_str(),
                 static_cast<unsigned long long>(k.new_epoch));
  }
  std::fprintf(out,
               "  ha: resume median %s, max %s, %llu not resumed; %zu epochs, highest %llu; "
               "fenced %llu orders (%llu would have moved %llu tasks)\n",
               ms(ha.resumeMedianMs()).c_str(), ms(ha.resumeMaxMs()).c_str(),
               static_cast<unsigned long long>(ha.notResumed()), f.epoch_starts.size(),
               static_cast<unsigned long long>(f.highest_epoch),
               static_cast<unsigned long long>(f.fenced_orders),
               static_cast<unsigned long long>(f.fenced_would_apply),
               static_cast<unsigned long long>(f.fenced_tasks_would_move));
}

}  // namespace wss::sim
