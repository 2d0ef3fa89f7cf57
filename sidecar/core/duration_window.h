// An agent's last N task durations (the reference design kept 50): their mean, their median,
// and the expected rest of a task that has already run a while.
//
// A ring of floats with a running sum and a median refreshed per sample (O(N) for the
// default N of 50, no allocation after the first). Task durations of agent fleets are heavy
// tailed: one LLM call of 40x the usual drags the mean for N samples, so estimates of how
// long an agent's next task takes use the median; the tail is read from the samples.
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
  // The median of the window: what a typical task takes there.
  [[nodiscard]] std::optional<double> typical() const;
  // How much longer a task that has run `elapsed_ms` is expected to run: the mean excess of
  // the samples longer than that; none longer, then as long again as it has run (heavy tails:
  // the longer a task has run, the longer it is likely to run still). Empty window: nullopt.
  [[nodiscard]] std::optional<double> residualAfter(double elapsed_ms) const;
  [[nodiscard]] std::size_t count() const { return samples_.size(); }

 private:
  void refreshMedian();

  std::vector<float> samples_;
  std::uint32_t capacity_ = 0;
  std::uint32_t next_ = 0;  // where the next sample goes once the ring is full
  double sum_ = 0;
  float median_ = 0;
};

}  // namespace wss::core
