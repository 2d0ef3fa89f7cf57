// An agent's last N task durations (the reference design kept 50): their mean, their median,
// and the expected rest of a task that has already run a while.
//
// A ring of 2-byte samples, allocated once at the window's size: whole milliseconds up to
// 32,767 ms exactly, longer ones on a log scale (2,000 steps an octave, 0.035 %) up to the
// 30-day clamp, so a full default window costs 100 bytes, not 8 a sample. A running sum and a
// median refreshed per sample (O(N) for the default N of 50). Task durations of agent fleets
// are heavy tailed: one LLM call of 40x the usual drags the mean for N samples, so estimates
// of how long an agent's next task takes use the median; the tail is read from the samples.
#pragma once

#include <cstdint>
#include <memory>
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
  [[nodiscard]] std::size_t count() const { return count_; }
  // The window, oldest first, as stored (for snapshots: record() them again to restore).
  [[nodiscard]] std::vector<double> samples() const;

  // The stored form of a duration, and back (exposed for tests).
  [[nodiscard]] static std::uint16_t encode(double duration_ms);
  [[nodiscard]] static double decode(std::uint16_t sample);

 private:
  void resize(std::uint32_t capacity);
  void refreshMedian();
  void resum();
  // The i-th sample, oldest first.
  [[nodiscard]] double at(std::uint32_t i) const;

  std::unique_ptr<std::uint16_t[]> samples_;
  std::uint32_t capacity_ = 0;
  std::uint32_t count_ = 0;
  std::uint32_t next_ = 0;  // where the next sample goes once the ring is full
  float median_ = 0;
  double sum_ = 0;
};

}  // namespace wss::core
