#include "sidecar/core/arrival_rate.h"

#include <catch2/catch.hpp>

namespace wss::core {
namespace {

TEST_CASE("a steady stream reads as its rate") {
  ArrivalRate rate;
  TimeMs now = 0;
  for (int i = 0; i < 400; ++i) {  // 10 per second for 40 s
    rate.record(now);
    now += 100;
  }
  CHECK(rate.perSecond(now) == Approx(10).epsilon(0.05));
}

TEST_CASE("a rate fades when arrivals stop") {
  ArrivalRate rate;
  for (TimeMs now = 0; now < 20'000; now += 100) rate.record(now);
  const double fresh = rate.perSecond(20'000);
  CHECK(rate.perSecond(20'000 + 5'000) == Approx(fresh / 2.718281828).epsilon(0.01));
  CHECK(rate.perSecond(20'000 + 60'000) < 0.001);
}

TEST_CASE("no arrivals, no rate") {
  ArrivalRate rate;
  CHECK(rate.perSecond(123) == 0);
}

}  // namespace
}  // namespace wss::core

namespace wss::core {
namespace {

TEST_CASE("arrivals expected within a window round the decayed rate to whole tasks") {
  ArrivalRate rate;
  CHECK(rate.expectedWithin(1000, 0) == 0);
  TimeMs now = 0;
  for (int i = 0; i < 500; ++i) rate.record(now += 10);  // 100 a second
  CHECK(rate.expectedWithin(2, now) == 0);  // 0.2 of a task: none
  const auto second = rate.expectedWithin(1000, now);
  CHECK(second == std::lround(rate.perSecond(now)));
  CHECK(second > 50);
  CHECK(rate.expectedWithin(1000, now + 60'000) == 0);  // faded out
}

}  // namespace
}  // namespace wss::core
