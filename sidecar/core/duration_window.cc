#include "sidecar/core/duration_window.h"

#include <algorithm>

namespace wss::core {

void DurationWindow::record(double duration_ms, std::uint32_t capacity) {
  capacity = std::max<std::uint32_t>(capacity, 1);
  if (capacity != capacity_) {
    // Window resized by a config reload: keep the newest samples, oldest first.
    std::vector<float> ordered;
    if (samples_.size() == capacity_ && capacity_ > 0) {
      ordered.assign(samples_.begin() + next_, samples_.end());
      ordered.insert(ordered.end(), samples_.begin(), samples_.begin() + next_);
    } else {
      ordered = samples_;
    }
    if (ordered.size() > capacity) ordered.erase(ordered.begin(), ordered.end() - capacity);
    samples_ = std::move(ordered);
    capacity_ = capacity;
    next_ = 0;
    sum_ = 0;
    for (float s : samples_) sum_ += s;
  }
  const auto sample = static_cast<float>(duration_ms);
  if (samples_.size() < capacity_) {
    samples_.push_back(sample);
    sum_ += sample;
    return;
  }
  sum_ += static_cast<double>(sample) - samples_[next_];
  samples_[next_] = sample;
  next_ = (next_ + 1) % capacity_;
  if (next_ == 0) {
    // Re-sum once per lap so float rounding never accumulates.
    sum_ = 0;
    for (float s : samples_) sum_ += s;
  }
}

std::optional<double> DurationWindow::mean() const {
  if (samples_.empty()) return std::nullopt;
  return sum_ / static_cast<double>(samples_.size());
}

}  // namespace wss::core
