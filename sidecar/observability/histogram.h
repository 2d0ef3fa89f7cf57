// A fixed-bucket histogram of durations in seconds, safe to feed from any thread.
//
// observe() is lock-free (a few relaxed atomic adds), so the owner thread can time every steal
// round without contending with the HTTP threads that read it. Buckets follow Prometheus: a
// value v lands in the first bucket whose upper bound is >= v; bounds are given once and never
// change.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace wss::observability {

// Bounds for the steal round duration: a round is O(n log n) in the number of agents, so it
// runs from microseconds (a few agents) to tens of milliseconds (tens of thousands).
inline constexpr std::array<double, 14> kStealRoundBuckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

// A consistent-enough copy for rendering: cumulative counts, like Prometheus' `le` buckets.
struct HistogramSnapshot {
  std::vector<double> upper_bounds;              // strictly increasing, finite
  std::vector<std::uint64_t> cumulative_counts;  // upper_bounds.size() + 1; last is +Inf
  double sum = 0;                                // seconds
  std::uint64_t count = 0;                       // == cumulative_counts.back()
};

class Histogram {
 public:
  // `upper_bounds` must be non-empty, finite and strictly increasing (asserted).
  explicit Histogram(std::span<const double> upper_bounds = kStealRoundBuckets);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Records one duration. Any thread; lock-free. Negative and NaN values count as 0.
  void observe(double seconds);
  void observe(std::chrono::nanoseconds duration);

  // Any thread. Under concurrent observe() the sum may lag the counts by the observations in
  // progress; the buckets are always cumulative and the +Inf bucket always equals `count`.
  [[nodiscard]] HistogramSnapshot snapshot() const;

  [[nodiscard]] const std::vector<double>& upperBounds() const { return upper_bounds_; }

 private:
  std::vector<double> upper_bounds_;
  // One per bucket plus one for values above the last bound; not cumulative.
  std::vector<std::atomic<std::uint64_t>> counts_;
  std::atomic<double> sum_{0.0};
};

}  // namespace wss::observability
