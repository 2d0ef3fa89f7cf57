#include "sidecar/app/steal_log.h"

#include <spdlog/spdlog.h>

namespace wss::app {

void StealLog::round(const std::vector<core::StealOrder>& orders, std::size_t published,
                     core::TimeMs /*now*/) {
  if (orders.empty()) return;
  Summary summary;
  add(summary, orders, published);
  log("steal round", summary);
}

void StealLog::reactive(const std::vector<core::StealOrder>& orders, std::size_t published,
                        core::TimeMs now) {
  if (orders.empty()) return;
  add(pending_, orders, published);
  flushIfDue(now);
}

void StealLog::flushIfDue(core::TimeMs now) {
  if (pending_.decisions == 0 || now - last_reactive_line_ < interval_ms_) return;
  log("reactive steals since the last line", pending_);
  pending_ = Summary{};
  last_reactive_line_ = now;
}

void StealLog::add(Summary& summary, const std::vector<core::StealOrder>& orders,
                   std::size_t published) {
  ++summary.decisions;
  summary.orders += orders.size();
  summary.published += published;
  for (const auto& order : orders) {
    summary.tasks += order.tasks_to_steal;
    if (order.tasks_to_steal > summary.biggest_tasks) {
      summary.biggest_tasks = order.tasks_to_steal;
      summary.biggest = order.operation_id + ": " + std::to_string(order.tasks_to_steal) +
                        " from '" + order.source_agent_id + "' to '" + order.target_agent_id + "'";
    }
  }
}

void StealLog::log(std::string_view what, const Summary& summary) {
  spdlog::info("{}: {} decision(s), {} order(s) ({} published), {} task(s); biggest {}", what,
               summary.decisions, summary.orders, summary.published, summary.tasks,
               summary.biggest);
}

}  // namespace wss::app
