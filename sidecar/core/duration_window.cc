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
    refreshMedian();
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
  refreshMedian();
}

void DurationWindow::refreshMedian() {
  // A reused scratch buffer: no allocation per sample once it has grown.
  static thread_local std::vector<float> scratch;
  scratch.assign(samples_.begin(), samples_.end());
  auto middle = scratch.begin() + static_cast<std::ptrdiff_t>(scratch.size() / 2);
  std::nth_element(scratch.begin(), middle, scratch.end());
  median_ = *middle;
}

std::optional<double> DurationWindow::typical() const {
  if (samples_.empty()) return std::nullopt;
  return median_;
}

std::optional<double> DurationWindow::residualAfter(double elapsed_ms) const {
  if (samples_.empty()) return std::nullopt;
  double excess = 0;
  std::size_t longer = 0;
  for (float s : samples_) {
    if (s > elapsed_ms) {
      excess += s - elapsed_ms;
      ++longer;
    }
  }
  return longer > 0 ? excess / static_cast<double>(longer) : std::max(elapsed_ms, 0.0);
}

std::optional<double> DurationWindow::mean() const {
  if (samples_.empty()) return std::nullopt;
  return sum_ / static_cast<double>(samples_.size());
}

}  // namespace wss::core
