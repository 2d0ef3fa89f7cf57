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

}  // namespace wss::core
