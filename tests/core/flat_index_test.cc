// FlatIndex and PairTable: the open-addressing tables under the agent table, the task ledger
// and the planner, checked against std containers through random churn.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "sidecar/core/flat_index.h"
#include "sidecar/core/pair_table.h"

namespace {

using wss::core::FlatIndex;
using wss::core::PairTable;

}  // namespace

TEST_CASE("FlatIndex finds what was inserted and nothing erased, through heavy churn") {
  std::vector<std::string> ids;  // the "table": index -> id ("" when free)
  std::unordered_map<std::string, std::uint32_t> reference;
  FlatIndex index;
  const auto idOf = [&](std::uint32_t at) { return std::string_view(ids[at]); };
  std::mt19937 rng(7);
  for (int step = 0; step < 200'000; ++step) {
    const std::string id = "task-" + std::to_string(rng() % 5'000);
    auto known = reference.find(id);
    if (known == reference.end()) {
      ids.push_back(id);
      const auto at = static_cast<std::uint32_t>(ids.size() - 1);
      index.insert(id, at);
      reference.emplace(id, at);
    } else {
      REQUIRE(index.find(id, idOf) == known->second);
      index.erase(id, idOf);
      ids[known->second].clear();
      reference.erase(known);
      REQUIRE(index.find(id, idOf) == FlatIndex::kNone);
    }
  }
  REQUIRE(index.size() == reference.size());
  for (const auto& [id, at] : reference) REQUIRE(index.find(id, idOf) == at);
  REQUIRE(index.find("never-seen", idOf) == FlatIndex::kNone);
}

TEST_CASE("FlatIndex tells apart ids that differ only past a shared prefix") {
  std::vector<std::string> ids = {"a", "ab", "abc", ""};
  FlatIndex index;
  const auto idOf = [&](std::uint32_t at) { return std::string_view(ids[at]); };
  for (std::uint32_t at = 0; at < ids.size(); ++at) index.insert(ids[at], at);
  for (std::uint32_t at = 0; at < ids.size(); ++at) REQUIRE(index.find(ids[at], idOf) == at);
  index.erase("ab", idOf);
  REQUIRE(index.find("ab", idOf) == FlatIndex::kNone);
  REQUIRE(index.find("abc", idOf) == 2);
}

TEST_CASE("PairTable numbers pairs in order of first sight and forgets them at reset") {
  PairTable pairs;
  pairs.reset();
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<std::uint32_t, std::uint32_t>> ref;
  std::mt19937 rng(11);
  for (int step = 0; step < 50'000; ++step) {
    const std::uint32_t source = rng() % 300;
    const std::uint32_t target = rng() % 300;
    auto [it, inserted] = ref.try_emplace({source, target}, static_cast<std::uint32_t>(ref.size()), 0);
    ++it->second.second;
    REQUIRE(pairs.add(source, target) == it->second.first);
  }
  for (const auto& [key, value] : ref) REQUIRE(pairs.size(key.first, key.second) == value.second);
  pairs.reset();
  REQUIRE(pairs.size(ref.begin()->first.first, ref.begin()->first.second) == 0);
  REQUIRE(pairs.add(5, 6) == 0);
}
