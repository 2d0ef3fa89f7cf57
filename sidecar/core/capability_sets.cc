#include "sidecar/core/capability_sets.h"

#include <algorithm>

namespace wss::core {

CapabilitySets::CapabilitySets() {
  sets_.emplace_back();
  set_ids_.emplace(std::vector<std::uint32_t>{}, kEmptySet);
}

SetId CapabilitySets::intern(const std::vector<std::string>& names) {
  if (names.empty()) return kEmptySet;
  std::vector<std::uint32_t> ids;
  ids.reserve(names.size());
  for (const auto& name : names) {
    auto [it, inserted] = name_ids_.try_emplace(name, static_cast<std::uint32_t>(names_.size()));
    if (inserted) names_.push_back(name);
    ids.push_back(it->second);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto [it, inserted] = set_ids_.try_emplace(std::move(ids), static_cast<SetId>(sets_.size()));
  if (inserted) sets_.push_back(it->first);
  return it->second;
}

std::optional<SetId> CapabilitySets::find(const std::vector<std::string>& names) const {
  std::vector<std::uint32_t> ids;
  ids.reserve(names.size());
  for (const auto& name : names) {
    auto it = name_ids_.find(name);
    if (it == name_ids_.end()) return std::nullopt;
    ids.push_back(it->second);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto it = set_ids_.find(ids);
  if (it != set_ids_.end()) return it->second;
  return std::nullopt;
}

bool CapabilitySets::covers(SetId have, SetId need) const {
  if (need == kEmptySet || have == need) return true;
  const auto& h = sets_[have];
  const auto& n = sets_[need];
  return std::includes(h.begin(), h.end(), n.begin(), n.end());
}

bool CapabilitySets::coversNames(SetId have, const std::vector<std::string>& need) const {
  const auto& h = sets_[have];
  return std::all_of(need.begin(), need.end(), [&](const std::string& name) {
    auto it = name_ids_.find(name);
    return it != name_ids_.end() && std::binary_search(h.begin(), h.end(), it->second);
  });
}

std::vector<std::string> CapabilitySets::names(SetId set) const {
  std::vector<std::string> out;
  out.reserve(sets_[set].size());
  for (auto id : sets_[set]) out.push_back(names_[id]);
  return out;
}

}  // namespace wss::core
