// The agents in id order, for work.agents pages: a page costs O(log n + page) whatever the
// fleet size, and keeping the order costs O(log n) when an agent arrives or leaves (never on
// other events). A sorted copy made on demand would cost a sort of the whole fleet after
// every change (1.2 s at 1M agents, measured), on the owner thread.
//
// Holds slots of an AgentTable, compared by the ids the table stores (each id stored once);
// so the table inserts a slot once its id is set and erases it before the id is cleared.
// Invariant: holds exactly the in-use slots of the table, each once.
// Owner thread only.
#pragma once

#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

namespace wss::core {

struct Agent;

class AgentOrder {
 public:
  // `agents` is the table's storage: read, never changed, and must outlive this.
  explicit AgentOrder(const std::vector<Agent>* agents) : slots_(ById{agents}) {}

  void insert(std::uint32_t slot) { slots_.insert(slot); }
  void erase(std::uint32_t slot) { slots_.erase(slot); }

  // Up to `limit` slots in id order, starting after the id `after` (empty: from the first).
  [[nodiscard]] std::vector<std::uint32_t> page(std::string_view after, std::size_t limit) const;

 private:
  struct ById {
    using is_transparent = void;
    const std::vector<Agent>* agents;
    [[nodiscard]] std::string_view id(std::uint32_t slot) const;
    bool operator()(std::uint32_t a, std::uint32_t b) const { return id(a) < id(b); }
    bool operator()(std::string_view a, std::uint32_t b) const { return a < id(b); }
    bool operator()(std::uint32_t a, std::string_view b) const { return id(a) < b; }
  };

  std::set<std::uint32_t, ById> slots_;
};

}  // namespace wss::core
