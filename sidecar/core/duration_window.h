// The rolling mean of an agent's last N task durations (the reference design kept 50).
//
// A ring of floats with a running sum: O(1) per sample, no allocation after the first.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace wss::core {

class DurationWindow {
 public:
  // Records one duration; `capacity` is the window size in force (it may change on reload).
  void record(double duration_ms, std::uint32_t capacity);

  [[nodiscard]] std::optional<double> mean() const;
  [[nodiscard]] std::size_t count() const { return samples_.size(); }

 private:
  std::vector<float> samples_;
  std::uint32_t capacity_ = 0;
  std::uint32_t next_ = 0;  // where the next sample goes once the ring is full
  double sum_ = 0;
};

}  // namespace wss::core
