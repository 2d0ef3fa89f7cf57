#include "sidecar/observability/histogram.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace wss::observability {
namespace {

constexpr std::array<double, 3> kBounds = {0.1, 0.5, 1.0};

TEST_CASE("a value lands in the first bucket whose bound is >= it", "[histogram]") {
  Histogram h(kBounds);
  h.observe(0.05);  // le=0.1
  h.observe(0.1);   // le=0.1: bounds are inclusive
  h.observe(0.2);   // le=0.5
  h.observe(1.0);   // le=1
  h.observe(7.0);   // +Inf only
  const auto s = h.snapshot();
  REQUIRE(s.upper_bounds == std::vector<double>{0.1, 0.5, 1.0});
  REQUIRE(s.cumulative_counts == std::vector<std::uint64_t>{2, 3, 4, 5});
  REQUIRE(s.count == 5);
  REQUIRE(s.sum == Approx(8.35));
}

TEST_CASE("an empty histogram is all zeros", "[histogram]") {
  const Histogram h(kBounds);
  const auto s = h.snapshot();
  REQUIRE(s.cumulative_counts == std::vector<std::uint64_t>{0, 0, 0, 0});
  REQUIRE(s.count == 0);
  REQUIRE(s.sum == 0);
}

TEST_CASE("negative and NaN durations count as zero", "[histogram]") {
  Histogram h(kBounds);
  h.observe(-3.0);
  h.observe(std::numeric_limits<double>::quiet_NaN());
  const auto s = h.snapshot();
  REQUIRE(s.cumulative_counts.front() == 2);
  REQUIRE(s.count == 2);
  REQUIRE(s.sum == 0);
}

TEST_CASE("durations are recorded in seconds", "[histogram]") {
  Histogram h(kBounds);
  h.observe(std::chrono::milliseconds(250));
  h.observe(std::chrono::microseconds(100));
  const auto s = h.snapshot();
  REQUIRE(s.cumulative_counts == std::vector<std::uint64_t>{1, 2, 2, 2});
  REQUIRE(s.sum == Approx(0.2501));
}

TEST_CASE("the steal round buckets are increasing and end at one second", "[histogram]") {
  const Histogram h;  // kStealRoundBuckets
  const auto& bounds = h.upperBounds();
  REQUIRE(bounds.size() == kStealRoundBuckets.size());
  REQUIRE(bounds.back() == 1.0);
  for (std::size_t i = 1; i < bounds.size(); ++i) {
    REQUIRE(bounds[i - 1] < bounds[i]);
  }
}

TEST_CASE("concurrent observers lose no observation", "[histogram]") {
  Histogram h(kBounds);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kPerThread; ++i) {
        h.observe(t % 2 == 0 ? 0.25 : 2.0);  // half in le=0.5, half in +Inf
      }
    });
  }
  // Read while writing: every snapshot must be cumulative with +Inf == count.
  for (int i = 0; i < 100; ++i) {
    const auto s = h.snapshot();
    for (std::size_t b = 1; b < s.cumulative_counts.size(); ++b) {
      REQUIRE(s.cumulative_counts[b - 1] <= s.cumulative_counts[b]);
    }
    REQUIRE(s.cumulative_counts.back() == s.count);
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const auto s = h.snapshot();
  REQUIRE(s.count == kThreads * kPerThread);
  REQUIRE(s.cumulative_counts[1] == kThreads * kPerThread / 2);
  REQUIRE(s.sum == Approx(kThreads / 2 * kPerThread * (0.25 + 2.0)));
}

}  // namespace
}  // namespace wss::observability
