// A 4-ary heap of agents with O(log n) update and removal by agent index. Four children a
// node: half the depth of a binary heap, and siblings share cache lines, which is what a
// heap of 100,000 agents pays for.
//
// Each agent is in at most one heap of a family; the family shares one positions vector
// (agent index -> slot in its heap), so many small heaps cost no per-agent memory each.
// `Before(a, b)` is true when `a` belongs above `b`. Owner thread.
#pragma once

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "sidecar/core/agent_table.h"

namespace wss::core {

inline constexpr std::uint32_t kNotInHeap = std::numeric_limits<std::uint32_t>::max();

template <typename Entry, typename Before>
class IndexedHeap {
 public:
  static constexpr std::uint32_t kArity = 4;

  explicit IndexedHeap(std::vector<std::uint32_t>* positions) : positions_(positions) {}

  [[nodiscard]] bool empty() const { return entries_.empty(); }
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] const Entry& top() const { return entries_.front(); }
  [[nodiscard]] bool contains(AgentIndex agent) const {
    const std::uint32_t at = position(agent);
    return at < entries_.size() && entries_[at].agent == agent;
  }

  // Inserts the agent's entry, or moves it to where its new key belongs.
  void upsert(const Entry& entry) {
    std::uint32_t at;
    if (contains(entry.agent)) {
      at = position(entry.agent);
      entries_[at] = entry;
    } else {
      at = static_cast<std::uint32_t>(entries_.size());
      entries_.push_back(entry);
      setPosition(entry.agent, at);
    }
    siftDown(siftUp(at));
  }

  void erase(AgentIndex agent) {
    if (!contains(agent)) return;
    const std::uint32_t at = position(agent);
    setPosition(agent, kNotInHeap);
    const Entry last = entries_.back();
    entries_.pop_back();
    if (at == entries_.size()) return;
    entries_[at] = last;
    setPosition(last.agent, at);
    siftDown(siftUp(at));
  }

  void clear() {
    for (const Entry& e : entries_) setPosition(e.agent, kNotInHeap);
    entries_.clear();
  }

  // Replaces the contents with `entries` (agents not in any heap of the family), heapified
  // bottom-up in O(n): cheaper than n upserts when most keys changed at once.
  void assign(std::vector<Entry> entries) {
    clear();
    entries_ = std::move(entries);
    const auto n = static_cast<std::uint32_t>(entries_.size());
    for (std::uint32_t at = 0; at < n; ++at) setPosition(entries_[at].agent, at);
    for (std::uint32_t at = n / kArity + 1; at-- > 0;) siftDown(at);
  }

 private:
  [[nodiscard]] std::uint32_t position(AgentIndex agent) const {
    return agent < positions_->size() ? (*positions_)[agent] : kNotInHeap;
  }
  void setPosition(AgentIndex agent, std::uint32_t at) {
    if (agent >= positions_->size()) positions_->resize(agent + 1, kNotInHeap);
    (*positions_)[agent] = at;
  }
  void swapAt(std::uint32_t a, std::uint32_t b) {
    std::swap(entries_[a], entries_[b]);
    setPosition(entries_[a].agent, a);
    setPosition(entries_[b].agent, b);
  }
  std::uint32_t siftUp(std::uint32_t at) {
    while (at > 0) {
      const std::uint32_t parent = (at - 1) / kArity;
      if (!Before{}(entries_[at], entries_[parent])) break;
      swapAt(at, parent);
      at = parent;
    }
    return at;
  }
  void siftDown(std::uint32_t at) {
    const auto n = static_cast<std::uint32_t>(entries_.size());
    for (;;) {
      std::uint32_t best = at;
      const std::uint32_t first = kArity * at + 1;
      for (std::uint32_t child = first; child < first + kArity && child < n; ++child) {
        if (Before{}(entries_[child], entries_[best])) best = child;
      }
      if (best == at) return;
      swapAt(at, best);
      at = best;
    }
  }

  std::vector<Entry> entries_;
  std::vector<std::uint32_t>* positions_;
};

}  // namespace wss::core
