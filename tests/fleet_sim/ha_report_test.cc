// fleet-sim's ha report: each kill's resume time is the first order received after it under
// an epoch above the killed leader's.
#include "bench/fleet_sim/ha_report.h"

#include <catch2/catch.hpp>

#include "bench/fleet_sim/report.h"

namespace wss::sim {
namespace {

constexpr std::int64_t kS = 1000 * 1000;

LeaderKill killAt(std::int64_t at_us, std::uint64_t epoch) {
  LeaderKill k;
  k.at_us = at_us;
  k.replica = "r0";
  k.epoch = epoch;
  return k;
}

TEST_CASE("ha report: resume times count to the first order of a newer term after each kill",
          "[fleet-sim]") {
  FencingCounters f;
  f.epoch_starts = {{1, 1 * kS}, {9, 12 * kS + 500'000}, {14, 20 * kS + 200'000}, {20, 23 * kS}};
  HaReport ha;
  // The second kill's leader (epoch 14) had published nothing the fleet had seen: its own
  // late order, received after the kill, is no resume.
  ha.kills = {killAt(10 * kS, 1), killAt(20 * kS, 14), killAt(30 * kS, 20)};
  fillResumes(f, &ha);
  REQUIRE(ha.kills[0].resume_ms);
  CHECK(*ha.kills[0].resume_ms == Approx(2500));
  CHECK(ha.kills[0].new_epoch == 9);
  REQUIRE(ha.kills[1].resume_ms);
  CHECK(*ha.kills[1].resume_ms == Approx(3000));
  CHECK(ha.kills[1].new_epoch == 20);
  CHECK_FALSE(ha.kills[2].resume_ms);  // nothing came after the last kill

  CHECK(ha.notResumed() == 1);
  REQUIRE(ha.resumeMaxMs());
  CHECK(*ha.resumeMaxMs() == Approx(3000));
  REQUIRE(ha.resumeMedianMs());
  CHECK(*ha.resumeMedianMs() == Approx(2500));  // the lower median of two
  const auto j = haJson(ha, f);
  CHECK(j["killCount"] == 3);
  CHECK(j["notResumed"] == 1);
  CHECK(j["kills"][2]["resumeMs"].is_null());
}

TEST_CASE("ha report: no kills, no resume figures", "[fleet-sim]") {
  HaReport ha;
  fillResumes(FencingCounters{}, &ha);
  CHECK(ha.notResumed() == 0);
  CHECK_FALSE(ha.resumeMaxMs());
  CHECK(haJson(ha, FencingCounters{})["resumeMsMax"].is_null());
}

}  // namespace
}  // namespace wss::sim
