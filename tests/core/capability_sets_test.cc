#include "sidecar/core/capability_sets.h"

#include <catch2/catch.hpp>

namespace wss::core {
namespace {

TEST_CASE("capability sets intern regardless of order and duplicates") {
  CapabilitySets sets;
  SetId a = sets.intern({"gpu", "python"});
  CHECK(sets.intern({"python", "gpu", "gpu"}) == a);
  CHECK(sets.intern({}) == kEmptySet);
  CHECK(sets.intern({"gpu"}) != a);
  CHECK(sets.names(a) == std::vector<std::string>{"gpu", "python"});
}

TEST_CASE("covers means every required capability is present") {
  CapabilitySets sets;
  SetId both = sets.intern({"gpu", "python"});
  SetId gpu = sets.intern({"gpu"});
  SetId rust = sets.intern({"rust"});
  CHECK(sets.covers(both, gpu));
  CHECK_FALSE(sets.covers(gpu, both));
  CHECK_FALSE(sets.covers(both, rust));
  CHECK(sets.covers(kEmptySet, kEmptySet));
  CHECK(sets.covers(rust, kEmptySet));
  CHECK_FALSE(sets.covers(kEmptySet, gpu));
}

TEST_CASE("find and coversNames never grow the tables") {
  CapabilitySets sets;
  SetId both = sets.intern({"gpu", "python"});
  std::size_t size = sets.size();
  CHECK(sets.find({"python", "gpu"}) == both);
  CHECK_FALSE(sets.find({"gpu"}).has_value());
  CHECK_FALSE(sets.find({"cobol"}).has_value());
  CHECK(sets.coversNames(both, {"gpu"}));
  CHECK_FALSE(sets.coversNames(both, {"cobol"}));
  CHECK(sets.size() == size);
}

}  // namespace
}  // namespace wss::core
