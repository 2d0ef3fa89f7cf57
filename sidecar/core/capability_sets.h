// Interned capability sets, so "can this agent run that task?" is a cheap id comparison.
//
// A set is a sorted vector of name ids; SetId 0 is the empty set (no requirement / no
// capability). Sets are reference-counted by what holds them (an agent's capabilities, a
// task's requirement): acquire() on taking one, release() on letting go. A set nobody holds
// is freed with the names only it used, and its id is reused, so a fleet that invents names
// cannot grow the tables; `max_names` and `max_sets` bound what is held at once.
//
// Invariants: every live set's refs count its holders; a name's refs count the live sets that
// contain it; freed ids are on the free lists and their slots are empty. Owner thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace wss::core {

using SetId = std::uint32_t;
inline constexpr SetId kEmptySet = 0;

class CapabilitySets {
 public:
  explicit CapabilitySets(std::size_t max_names = 100000, std::size_t max_sets = 100000);

  // The set of `names` (order and duplicates do not matter), with one more reference.
  // nullopt when it would need a name or set beyond the bounds (nothing is taken then).
  [[nodiscard]] std::optional<SetId> acquire(const std::vector<std::string>& names);
  void acquire(SetId set);
  // Drops one reference; the set is freed when none is left. Returns the freed id, if so.
  std::optional<SetId> release(SetId set);

  // Whether acquire(names) would succeed now.
  [[nodiscard]] bool fits(const std::vector<std::string>& names) const;
  // The set's id if it is held now; nullopt otherwise. Never grows the tables.
  [[nodiscard]] std::optional<SetId> find(const std::vector<std::string>& names) const;
  // True when every capability of `need` is in `have`. The empty need is always covered.
  [[nodiscard]] bool covers(SetId have, SetId need) const;
  // covers() for a requirement given by names, without interning it.
  [[nodiscard]] bool coversNames(SetId have, const std::vector<std::string>& need) const;

  [[nodiscard]] std::vector<std::string> names(SetId set) const;
  [[nodiscard]] std::size_t namesInSet(SetId set) const { return sets_[set].size(); }
  [[nodiscard]] std::size_t liveSets() const { return set_ids_.size(); }
  [[nodiscard]] std::size_t liveNames() const { return name_ids_.size(); }

  void setBounds(std::size_t max_names, std::size_t max_sets);

 private:
  using Key = std::vector<std::uint32_t>;
  [[nodiscard]] std::optional<Key> lookupKey(const std::vector<std::string>& names) const;
  std::uint32_t addName(const std::string& name);
  void releaseName(std::uint32_t id);
  SetId addSet(Key key);

  std::size_t max_names_;
  std::size_t max_sets_;
  std::unordered_map<std::string, std::uint32_t> name_ids_;
  std::vector<std::string> names_;
  std::vector<std::uint32_t> name_refs_;
  std::vector<std::uint32_t> free_names_;
  std::map<Key, SetId> set_ids_;
  std::vector<Key> sets_;
  std::vector<std::uint32_t> set_refs_;
  std::vector<SetId> free_sets_;
};

}  // namespace wss::core
