#include "bench/fleet_sim/steal_floor.h"

#include <algorithm>
#include <cstdint>

#include "bench/fleet_sim/agent.h"
#include "bench/fleet_sim/dispatcher.h"

namespace wss::sim {
namespace {

// Joins and deaths in time order, applied to the agents the naive dispatcher looks at, as the
// live run does: everything due at or before an arrival happens before it.
class Lifecycle {
 public:
  explicit Lifecycle(const Scenario& scenario) {
    for (std::size_t i = 0; i < scenario.agents.size(); ++i) {
      const AgentSpec& a = scenario.agents[i];
      agents_.emplace_back(a);
      changes_.push_back(Change{a.join_us, i, true});
      if (a.death_us) changes_.push_back(Change{*a.death_us, i, false});
    }
    std::stable_sort(changes_.begin(), changes_.end(),
                     [](const Change& x, const Change& y) { return x.at < y.at; });
  }

  // The agents as they are at `now` (call with non-decreasing times).
  const std::vector<Agent>& at(Us now) {
    for (; next_ < changes_.size() && changes_[next_].at <= now; ++next_) {
      const Change& c = changes_[next_];
      if (c.join) {
        agents_[c.agent].join(c.at);
      } else {
        (void)agents_[c.agent].die(c.at);  // holds nothing: the floor books slots instead
      }
    }
    return agents_;
  }

 private:
  struct Change {
    Us at = 0;
    std::size_t agent = 0;
    bool join = true;
  };
  std::vector<Agent> agents_;
  std::vector<Change> changes_;
  std::size_t next_ = 0;
};

// Where the naive choice runs `task` if it starts at once there and finishes before its agent
// dies; nullopt when the task would wait (or be orphaned), i.e. a coordinator could move it.
std::optional<Placement> startsAtOnce(const SlotBook& book, std::optional<std::size_t> naive,
                                      const TaskSpec& task) {
  if (!naive || !book.hasFreeSlot(*naive, task.arrival_us)) return std::nullopt;
  const Placement p = book.on(*naive, task);
  if (!book.livesThrough(*naive, task.arrival_us, p.finish)) return std::nullopt;
  return p;
}

}  // namespace

OfflineSchedule scheduleStealFloor(const Scenario& scenario) {
  OfflineSchedule result;
  result.latency_ms.reserve(scenario.tasks.size());
  SlotBook book(scenario);
  Lifecycle lifecycle(scenario);
  Dispatcher dispatcher(scenario, scenario.seed);  // seeded as Simulation seeds its own
  for (const auto& task : scenario.tasks) {
    const auto naive = dispatcher.choose(task, lifecycle.at(task.arrival_us));
    auto placement = startsAtOnce(book, naive, task);
    if (!placement) placement = book.earliestFinish(task);
    if (!placement) {
      result.latency_ms.push_back(-1);
      continue;
    }
    book.book(*placement);
    result.latency_ms.push_back(latencyMs(task, *placement));
  }
  return result;
}

}  // namespace wss::sim
