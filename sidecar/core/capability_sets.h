// Interned capability sets, so "can this agent run that task?" is a cheap id comparison.
//
// Capability names and sets are interned once; a set is a sorted vector of name ids and
// SetId 0 is the empty set (no requirement / no capability).
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
  CapabilitySets();

  // Interns the set of `names` (order and duplicates do not matter).
  SetId intern(const std::vector<std::string>& names);

  // True when every capability of `need` is in `have`. The empty need is always covered.
  // The set's id if it was interned before; nullopt otherwise. Never grows the tables.
  [[nodiscard]] std::optional<SetId> find(const std::vector<std::string>& names) const;

  [[nodiscard]] bool covers(SetId have, SetId need) const;

  // covers() for a requirement given by names, without interning it.
  [[nodiscard]] bool coversNames(SetId have, const std::vector<std::string>& need) const;

  [[nodiscard]] std::vector<std::string> names(SetId set) const;
  [[nodiscard]] std::size_t size() const { return sets_.size(); }

 private:
  std::unordered_map<std::string, std::uint32_t> name_ids_;
  std::vector<std::string> names_;
  std::map<std::vector<std::uint32_t>, SetId> set_ids_;
  std::vector<std::vector<std::uint32_t>> sets_;
};

}  // namespace wss::core
