// How fast tasks arrive at one agent: an exponentially decayed count of assignments.
//
// The planner uses it to look one steal interval ahead: an agent the dispatcher keeps feeding
// will hold more by the next round than it holds now. Pure: time comes in as an argument.
#pragma once

#include <cstdint>

#include "sidecar/core/events.h"

namespace wss::core {

class ArrivalRate {
 public:
  // Arrivals older than about this many ms have faded out.
  static constexpr double kTimeConstantMs = 5000;

  void record(TimeMs now);
  [[nodiscard]] double perSecond(TimeMs now) const;
  // Whole arrivals expected within the next `window_ms` (rounded). Cheap when the undecayed
  // rate already rounds to none, the common case for a window of a few ms.
  [[nodiscard]] std::uint32_t expectedWithin(TimeMs window_ms, TimeMs now) const;

 private:
  double weight_ = 0;  // decayed arrivals, as of last_
  TimeMs last_ = 0;
};

}  // namespace wss::core
