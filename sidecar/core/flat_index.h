// An open-addressing hash index from string ids to the dense indices of a table that keeps the
// ids itself (agents, tasks), so each id is stored once and no entry costs an allocation.
//
// Linear probing over 8-byte slots (index, 32-bit hash): a probe compares hashes without
// touching the table, and only a hash match reads the id. Erasure shifts the following run
// back (no tombstones), so lookups never slow down with churn. Capacity is a power of two,
// grown at 3/4 load. `keyOf(index)` returns the id stored at `index` as a string_view.
// Owner thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

namespace wss::core {

class FlatIndex {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  template <typename KeyOf>
  [[nodiscard]] std::uint32_t find(std::string_view key, const KeyOf& keyOf) const {
    if (slots_.empty()) return kNone;
    const std::uint32_t hash = hashOf(key);
    for (std::size_t at = hash & mask();; at = (at + 1) & mask()) {
      const Slot& slot = slots_[at];
      if (slot.index == kNone) return kNone;
      if (slot.hash == hash && keyOf(slot.index) == key) return slot.index;
    }
  }

  // `key` must be absent; `index` is where the table stores it.
  void insert(std::string_view key, std::uint32_t index) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    place({index, hashOf(key)});
    ++size_;
  }

  // Removes `key` if present.
  template <typename KeyOf>
  void erase(std::string_view key, const KeyOf& keyOf) {
    if (slots_.empty()) return;
    const std::uint32_t hash = hashOf(key);
    std::size_t at = hash & mask();
    for (;; at = (at + 1) & mask()) {
      if (slots_[at].index == kNone) return;
      if (slots_[at].hash == hash && keyOf(slots_[at].index) == key) break;
    }
    // Backward-shift: pull later entries of the run into the hole when the hole lies between
    // their home slot and where they sit.
    for (std::size_t next = (at + 1) & mask();; next = (next + 1) & mask()) {
      const Slot slot = slots_[next];
      if (slot.index == kNone) break;
      const std::size_t home = slot.hash & mask();
      if (((next - home) & mask()) >= ((next - at) & mask())) {
        slots_[at] = slot;
        at = next;
      }
    }
    slots_[at] = Slot{};
    --size_;
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint32_t index = kNone;
    std::uint32_t hash = 0;
  };

  static std::uint32_t hashOf(std::string_view key) {
    const std::size_t h = std::hash<std::string_view>{}(key);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }
  [[nodiscard]] std::size_t mask() const { return slots_.size() - 1; }

  void place(Slot slot) {
    std::size_t at = slot.hash & mask();
    while (slots_[at].index != kNone) at = (at + 1) & mask();
    slots_[at] = slot;
  }

  void grow() {
    std::vector<Slot> old(slots_.empty() ? 16 : slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.index != kNone) place(slot);
    }
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace wss::core
