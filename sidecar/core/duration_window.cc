#include "sidecar/core/duration_window.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace wss::core {
namespace {

constexpr double kExactLimitMs = 32768;  // below: whole milliseconds, exactly
constexpr double kStepsPerOctave = 2000;
constexpr std::uint16_t kLogFlag = 0x8000;
constexpr std::uint16_t kMaxLogStep = 0x7fff;

}  // namespace

std::uint16_t DurationWindow::encode(double duration_ms) {
  const double ms = std::max(duration_ms, 0.0);
  if (ms < kExactLimitMs - 0.5) return static_cast<std::uint16_t>(std::lround(ms));
  const double step = std::round(std::log2(ms / kExactLimitMs) * kStepsPerOctave);
  return static_cast<std::uint16_t>(kLogFlag |
                                    static_cast<std::uint16_t>(std::clamp(step, 0.0, 32767.0)));
}

double DurationWindow::decode(std::uint16_t sample) {
  if ((sample & kLogFlag) == 0) return sample;
  return kExactLimitMs * std::exp2((sample & kMaxLogStep) / kStepsPerOctave);
}

std::vector<double> DurationWindow::samples() const {
  std::vector<double> out;
  out.reserve(count_);
  for (std::uint32_t i = 0; i < count_; ++i) out.push_back(at(i));
  return out;
}

double DurationWindow::at(std::uint32_t i) const {
  const std::uint32_t first = count_ < capacity_ ? 0 : next_;
  return decode(samples_[(first + i) % capacity_]);
}

void DurationWindow::resize(std::uint32_t capacity) {
  // Window resized by a config reload: keep the newest samples, oldest first.
  const std::uint32_t kept = std::min(count_, capacity);
  auto samples = std::make_unique<std::uint16_t[]>(capacity);
  for (std::uint32_t i = 0; i < kept; ++i) samples[i] = encode(at(count_ - kept + i));
  samples_ = std::move(samples);
  capacity_ = capacity;
  count_ = kept;
  next_ = kept % capacity;
}

void DurationWindow::record(double duration_ms, std::uint32_t capacity) {
  capacity = std::max<std::uint32_t>(capacity, 1);
  if (capacity != capacity_) resize(capacity);
  const std::uint16_t sample = encode(duration_ms);
  if (count_ < capacity_) {
    samples_[count_++] = sample;
    next_ = count_ % capacity_;
  } else {
    samples_[next_] = sample;
    next_ = (next_ + 1) % capacity_;
  }
  // Re-summed from the samples each time: 50 additions, and no rounding ever accumulates.
  resum();
  refreshMedian();
}

void DurationWindow::resum() {
  sum_ = 0;
  for (std::uint32_t i = 0; i < count_; ++i) sum_ += decode(samples_[i]);
}

void DurationWindow::refreshMedian() {
  // A reused scratch buffer: no allocation per sample once it has grown. The order of the
  // codes is the order of the durations, so the median is taken on the codes.
  static thread_local std::vector<std::uint16_t> scratch;
  scratch.assign(samples_.get(), samples_.get() + count_);
  auto middle = scratch.begin() + static_cast<std::ptrdiff_t>(scratch.size() / 2);
  std::nth_element(scratch.begin(), middle, scratch.end());
  median_ = static_cast<float>(decode(*middle));
}

std::optional<double> DurationWindow::typical() const {
  if (count_ == 0) return std::nullopt;
  return median_;
}

std::optional<double> DurationWindow::residualAfter(double elapsed_ms) const {
  if (count_ == 0) return std::nullopt;
  double excess = 0;
  std::size_t longer = 0;
  for (std::uint32_t i = 0; i < count_; ++i) {
    const double s = decode(samples_[i]);
    if (s > elapsed_ms) {
      excess += s - elapsed_ms;
      ++longer;
    }
  }
  return longer > 0 ? excess / static_cast<double>(longer) : std::max(elapsed_ms, 0.0);
}

std::optional<double> DurationWindow::mean() const {
  if (count_ == 0) return std::nullopt;
  return sum_ / static_cast<double>(count_);
}

}  // namespace wss::core
