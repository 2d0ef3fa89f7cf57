// The (source, target) pairs of one steal decision: each pair's number (its operation) and the
// tasks it carries so far. Open addressing over slots stamped with the decision's epoch, so a
// new decision clears the table in O(1) and a lookup costs no allocation. Owner thread only.
#pragma once

#include <cstdint>
#include <vector>

#include "sidecar/core/agent_table.h"

namespace wss::core {

class PairTable {
 public:
  // Starts a new decision: every pair is forgotten.
  void reset() {
    ++epoch_;
    sizes_.clear();
  }

  // The pair's number (0, 1, ... in order of first sight), with one more task counted.
  std::uint32_t add(AgentIndex source, AgentIndex target) {
    if ((sizes_.size() + 1) * 2 > slots_.size()) grow();
    Slot& slot = slotOf(keyOf(source, target));
    if (slot.epoch != epoch_) {
      slot = {keyOf(source, target), epoch_, static_cast<std::uint32_t>(sizes_.size())};
      sizes_.push_back(0);
    }
    ++sizes_[slot.number];
    return slot.number;
  }

  // Tasks the pair carries so far in this decision (0 when it has none).
  [[nodiscard]] std::uint32_t size(AgentIndex source, AgentIndex target) const {
    if (slots_.empty()) return 0;
    const Slot& slot = slots_[probe(keyOf(source, target))];
    return slot.epoch == epoch_ ? sizes_[slot.number] : 0;
  }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t epoch = 0;  // 0 never matches: epochs start at 1
    std::uint32_t number = 0;
  };

  static std::uint64_t keyOf(AgentIndex source, AgentIndex target) {
    return (static_cast<std::uint64_t>(source) << 32) | target;
  }
  // Where the pair's slot is, or the free one where it would go.
  [[nodiscard]] std::size_t probe(std::uint64_t key) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = (key * 0x9E3779B97F4A7C15ull) >> 32 & mask;; at = (at + 1) & mask) {
      if (slots_[at].epoch != epoch_ || slots_[at].key == key) return at;
    }
  }
  Slot& slotOf(std::uint64_t key) { return slots_[probe(key)]; }
  void grow() {
    std::vector<Slot> old(slots_.empty() ? 64 : slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.epoch == epoch_) slotOf(slot.key) = slot;
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::uint32_t> sizes_;  // by pair number
  std::uint32_t epoch_ = 1;
};

}  // namespace wss::core
