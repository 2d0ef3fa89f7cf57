// AgentOrder through the agent table: the id order work.agents pages from, checked against a
// std::set through random arrivals, removals and slot reuse, paged from random cursors.
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "sidecar/core/agent_table.h"

namespace {

using wss::core::AgentIndex;
using wss::core::AgentTable;

std::vector<std::string> page(const AgentTable& agents, const std::string& after,
                              std::size_t limit) {
  std::vector<std::string> out;
  for (AgentIndex slot : agents.byId(after, limit)) out.push_back(agents[slot].id);
  return out;
}

std::vector<std::string> referencePage(const std::set<std::string>& ids, const std::string& after,
                                       std::size_t limit) {
  std::vector<std::string> out;
  for (auto it = after.empty() ? ids.begin() : ids.upper_bound(after);
       it != ids.end() && out.size() < limit; ++it) {
    out.push_back(*it);
  }
  return out;
}

}  // namespace

TEST_CASE("AgentTable::byId pages every agent once in id order through churn and slot reuse") {
  AgentTable agents;
  std::set<std::string> reference;
  std::mt19937 rng(11);
  for (int step = 0; step < 20'000; ++step) {
    const std::string id = "agent-" + std::to_string(rng() % 600);
    if (const AgentIndex known = agents.find(id); known != wss::core::kNoAgent && rng() % 2) {
      agents.remove(known);  // its slot is the next new agent's
      reference.erase(id);
    } else {
      agents.touch(id, step);
      reference.insert(id);
    }
    if (rng() % 50 == 0) {
      const std::string after = rng() % 4 == 0 ? "" : "agent-" + std::to_string(rng() % 600);
      const std::size_t limit = 1 + rng() % 100;
      REQUIRE(page(agents, after, limit) == referencePage(reference, after, limit));
    }
  }
  REQUIRE(page(agents, "", 1000) == referencePage(reference, "", 1000));
}

TEST_CASE("AgentTable::byId starts after the cursor, which need not be a known id") {
  AgentTable agents;
  for (const char* id : {"b", "d", "a", "c"}) agents.touch(id, 0);
  CHECK(page(agents, "", 10) == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(page(agents, "a", 2) == std::vector<std::string>{"b", "c"});
  CHECK(page(agents, "bb", 10) == std::vector<std::string>{"c", "d"});
  CHECK(page(agents, "d", 10).empty());
  agents.remove(agents.find("c"));
  CHECK(page(agents, "b", 10) == std::vector<std::string>{"d"});
}
