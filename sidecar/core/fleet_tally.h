// Running counts of the fleet for work.stats, kept up to date as agents change, so a stats
// request costs O(1) instead of a pass over every agent (a pass is ~10 ms at 1M agents, and a
// flood of cheap requests could hold the owner thread for seconds).
//
// Each counted agent (in use, not departed) adds to the agent and task counts and to the
// classes it falls in (overloaded, underloaded, idle); what it added is remembered, so a
// recount takes exactly that back before adding anew. Staleness changes with time alone:
// counted agents sit in a list by when they were last seen, oldest first, and a boundary walks
// it as time passes, so counting the stale costs O(agents gone stale since the last count).
//
// Invariants:
// - Once every agent changed since is recounted, each count equals a full pass over the table.
// - The list holds exactly the counted agents, ordered by last_seen (an agent seen again goes
//   to the newest end; the core's clock only moves forward, and a time that went back would
//   only blur the stale count); every agent before `boundary_` is marked stale, none from it
//   on, and `stale_` is how many are marked.
// Owner thread only.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "sidecar/core/agent_table.h"

namespace wss::core {

class FleetTally {
 public:
  // Counts `agent` (at `index`) as it is now; `overloaded` and `underloaded` are its classes
  // under the configured thresholds. An agent not in use counts for nothing.
  void recount(AgentIndex index, const Agent& agent, bool overloaded, bool underloaded);
  // Takes back what the agent at `index` counted; call before its slot is reset.
  void forget(AgentIndex index);
  // Counted agents silent longer than `timeout` at `now`. Moves the boundary, hence mutable
  // state behind a const call: it only caches what a pass would find.
  [[nodiscard]] std::uint64_t stale(TimeMs now, TimeMs timeout) const;
  // The timeout changed: staleness is walked again from the oldest agent.
  void resetStale();

  [[nodiscard]] std::uint64_t agents() const { return agents_; }
  [[nodiscard]] std::uint64_t overloaded() const { return overloaded_; }
  [[nodiscard]] std::uint64_t underloaded() const { return underloaded_; }
  [[nodiscard]] std::uint64_t idle() const { return idle_; }
  [[nodiscard]] std::uint64_t heldTasks() const { return held_; }
  // Tasks without ids held by in-use agents, departed ones included.
  [[nodiscard]] std::uint64_t countOnlyTasks() const { return count_only_; }

 private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  struct Entry {
    std::uint32_t older = kNone;  // the list by last_seen
    std::uint32_t newer = kNone;
    TimeMs seen = 0;
    std::uint32_t held = 0;
    std::uint32_t count_only = 0;
    bool counted = false;
    bool overloaded = false;
    bool underloaded = false;
    bool stale = false;
  };

  void add(Entry& entry, int sign);
  void link(AgentIndex index);
  void unlink(AgentIndex index);

  mutable std::vector<Entry> entries_;  // by AgentIndex
  mutable std::uint32_t oldest_ = kNone;
  mutable std::uint32_t newest_ = kNone;
  mutable std::uint32_t boundary_ = kNone;  // the oldest agent not marked stale
  mutable std::uint64_t stale_ = 0;
  std::uint64_t agents_ = 0;
  std::uint64_t overloaded_ = 0;
  std::uint64_t underloaded_ = 0;
  std::uint64_t idle_ = 0;
  std::uint64_t held_ = 0;
  std::uint64_t count_only_ = 0;
};

}  // namespace wss::core
