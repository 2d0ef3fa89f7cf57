#include "sidecar/core/arrival_rate.h"

#include <algorithm>
#include <cmath>

namespace wss::core {

void ArrivalRate::record(TimeMs now) {
  weight_ =
      weight_ * std::exp(-static_cast<double>(std::max<TimeMs>(now - last_, 0)) / kTimeConstantMs) +
      1.0;
  last_ = now;
}

double ArrivalRate::perSecond(TimeMs now) const {
  const double age = static_cast<double>(std::max<TimeMs>(now - last_, 0));
  return weight_ * std::exp(-age / kTimeConstantMs) * 1000.0 / kTimeConstantMs;
}

std::uint32_t ArrivalRate::expectedWithin(TimeMs window_ms, TimeMs now) const {
  const double window_s = static_cast<double>(window_ms) / 1000.0;
  // perSecond() only decays weight_: if the undecayed rate rounds to none, so does it.
  if (weight_ * 1000.0 / kTimeConstantMs * window_s < 0.5) return 0;
  return static_cast<std::uint32_t>(std::lround(perSecond(now) * window_s));
}

}  // namespace wss::core
