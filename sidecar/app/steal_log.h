// The info lines for steals: one per round, one per second for reactive decisions.
//
// A reactive fleet may steal every few milliseconds; a line per decision would be a log storm.
// Rounds log at once (they are rare); reactive decisions add to a summary that goes out at
// most once per `interval`, with the counts and the biggest order. Each order is logged at
// debug by the caller. Time comes from the owner loop's clock. Owner thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/core/events.h"

namespace wss::app {

class StealLog {
 public:
  explicit StealLog(core::TimeMs interval_ms = 1000) : interval_ms_(interval_ms) {}

  // One decision's orders, of which `published` went out. Rounds are logged at once.
  void round(const std::vector<core::StealOrder>& orders, std::size_t published, core::TimeMs now);
  void reactive(const std::vector<core::StealOrder>& orders, std::size_t published,
                core::TimeMs now);
  // Logs the reactive summary if one is pending and `interval` has passed since the last.
  void flushIfDue(core::TimeMs now);

 private:
  struct Summary {
    std::uint64_t decisions = 0;
    std::uint64_t orders = 0;
    std::uint64_t published = 0;
    std::uint64_t tasks = 0;
    std::string biggest;  // "steal-42: 3 from 'a' to 'b'"
    std::uint32_t biggest_tasks = 0;
  };
  static void add(Summary& summary, const std::vector<core::StealOrder>& orders,
                  std::size_t published);
  static void log(std::string_view what, const Summary& summary);

  core::TimeMs interval_ms_;
  core::TimeMs last_reactive_line_ = 0;
  Summary pending_;
};

}  // namespace wss::app
