#include "sidecar/core/duration_window.h"

#include <catch2/catch.hpp>

namespace wss::core {
namespace {

TEST_CASE("an empty window has no mean, not zero") {
  DurationWindow w;
  CHECK_FALSE(w.mean().has_value());
}

TEST_CASE("the mean covers only the last N durations") {
  DurationWindow w;
  for (int i = 0; i < 50; ++i) w.record(100, 50);
  CHECK(*w.mean() == Approx(100));
  for (int i = 0; i < 50; ++i) w.record(300, 50);
  CHECK(*w.mean() == Approx(300));
  w.record(400, 50);
  CHECK(*w.mean() == Approx((49 * 300 + 400) / 50.0));
  CHECK(w.count() == 50);
}

TEST_CASE("shrinking the window keeps the newest samples") {
  DurationWindow w;
  for (int i = 1; i <= 10; ++i) w.record(i * 10, 10);
  w.record(110, 4);  // keeps 80, 90, 100 then adds 110
  CHECK(w.count() == 4);
  CHECK(*w.mean() == Approx((80 + 90 + 100 + 110) / 4.0));
}

}  // namespace
}  // namespace wss::core

namespace wss::core {
namespace {

TEST_CASE("the typical duration is the median: one long task does not move it") {
  DurationWindow w;
  CHECK_FALSE(w.typical().has_value());
  for (int i = 0; i < 9; ++i) w.record(100, 50);
  w.record(4000, 50);  // an LLM call 40x the usual
  CHECK(*w.typical() == Approx(100));
  CHECK(*w.mean() == Approx(490));
}

TEST_CASE("the expected rest of a running task grows with how long it has run") {
  DurationWindow w;
  CHECK_FALSE(w.residualAfter(10).has_value());
  for (int i = 0; i < 8; ++i) w.record(100, 50);
  w.record(1000, 50);
  w.record(3000, 50);
  CHECK(*w.residualAfter(50) == Approx((8 * 50 + 950 + 2950) / 10.0));
  CHECK(*w.residualAfter(500) == Approx((500 + 2500) / 2.0));  // past the typical: long ones
  CHECK(*w.residualAfter(5000) == Approx(5000));  // longer than any seen: as long again
}

}  // namespace
}  // namespace wss::core

namespace wss::core {
namespace {

TEST_CASE("samples keep whole milliseconds exactly, and long ones within 0.04 %") {
  for (double ms : {0.0, 1.0, 499.0, 500.0, 32767.0}) {
    CHECK(DurationWindow::decode(DurationWindow::encode(ms)) == ms);
  }
  CHECK(DurationWindow::decode(DurationWindow::encode(250.4)) == 250);
  for (double ms = 32768; ms < 2.6e9; ms *= 1.37) {
    CHECK(DurationWindow::decode(DurationWindow::encode(ms)) == Approx(ms).epsilon(0.0004));
  }
  // Larger codes are longer durations, across the switch to the log scale too.
  CHECK(DurationWindow::encode(32767) < DurationWindow::encode(32768));
  CHECK(DurationWindow::encode(40000) < DurationWindow::encode(40100));
  CHECK(DurationWindow::decode(DurationWindow::encode(30.0 * 24 * 3600 * 1000)) ==
        Approx(30.0 * 24 * 3600 * 1000).epsilon(0.0004));
}

TEST_CASE("a window grown by a reload keeps its samples and fills up to the new size") {
  DurationWindow w;
  for (int i = 1; i <= 4; ++i) w.record(i * 100, 4);
  w.record(500, 6);
  CHECK(w.count() == 5);
  CHECK(*w.mean() == Approx(300));
  w.record(600, 6);
  w.record(700, 6);  // the ring is full: 100 drops out
  CHECK(w.count() == 6);
  CHECK(*w.mean() == Approx((200 + 300 + 400 + 500 + 600 + 700) / 6.0));
}

}  // namespace
}  // namespace wss::core
