#include "sidecar/core/capability_sets.h"

#include <catch2/catch.hpp>

namespace wss::core {
namespace {

SetId take(CapabilitySets& sets, const std::vector<std::string>& names) {
  auto id = sets.acquire(names);
  REQUIRE(id.has_value());
  return *id;
}

TEST_CASE("capability sets intern regardless of order and duplicates") {
  CapabilitySets sets;
  SetId a = take(sets, {"gpu", "python"});
  CHECK(take(sets, {"python", "gpu", "gpu"}) == a);
  CHECK(take(sets, {}) == kEmptySet);
  CHECK(take(sets, {"gpu"}) != a);
  CHECK(sets.names(a) == std::vector<std::string>{"gpu", "python"});
}

TEST_CASE("covers means every required capability is present") {
  CapabilitySets sets;
  SetId both = take(sets, {"gpu", "python"});
  SetId gpu = take(sets, {"gpu"});
  SetId rust = take(sets, {"rust"});
  CHECK(sets.covers(both, gpu));
  CHECK_FALSE(sets.covers(gpu, both));
  CHECK_FALSE(sets.covers(both, rust));
  CHECK(sets.covers(kEmptySet, kEmptySet));
  CHECK(sets.covers(rust, kEmptySet));
  CHECK_FALSE(sets.covers(kEmptySet, gpu));
}

TEST_CASE("find, fits and coversNames never grow the tables") {
  CapabilitySets sets;
  SetId both = take(sets, {"gpu", "python"});
  const std::size_t live = sets.liveSets();
  CHECK(sets.find({"python", "gpu"}) == both);
  CHECK_FALSE(sets.find({"gpu"}).has_value());
  CHECK_FALSE(sets.find({"cobol"}).has_value());
  CHECK(sets.fits({"cobol"}));
  CHECK(sets.coversNames(both, {"gpu"}));
  CHECK_FALSE(sets.coversNames(both, {"cobol"}));
  CHECK(sets.liveSets() == live);
  CHECK(sets.liveNames() == 2);
}

TEST_CASE("a set nobody holds is freed with the names only it used, and its id reused") {
  CapabilitySets sets;
  SetId gpu = take(sets, {"gpu"});
  SetId both = take(sets, {"gpu", "python"});
  sets.acquire(both);  // a second holder
  CHECK_FALSE(sets.release(both).has_value());
  CHECK(sets.release(both) == both);
  CHECK_FALSE(sets.find({"gpu", "python"}).has_value());
  CHECK(sets.liveNames() == 1);  // python went; gpu is still held by {gpu}
  CHECK(sets.find({"gpu"}) == gpu);
  SetId rust = take(sets, {"rust"});
  CHECK(rust == both);  // the freed id came back
  CHECK(sets.names(rust) == std::vector<std::string>{"rust"});
  CHECK_FALSE(sets.covers(rust, gpu));
}

TEST_CASE("bounds on names and sets refuse new ones and take nothing") {
  CapabilitySets sets(/*max_names=*/3, /*max_sets=*/2);
  take(sets, {"a", "b"});
  CHECK_FALSE(sets.acquire({"c", "d"}).has_value());  // 4 names
  CHECK(sets.liveNames() == 2);
  take(sets, {"c"});
  CHECK_FALSE(sets.acquire({"a"}).has_value());  // a third set
  CHECK(take(sets, {"b", "a"}) != kEmptySet);    // an existing set is always fine
  CHECK(sets.liveSets() == 2);
}

}  // namespace
}  // namespace wss::core
