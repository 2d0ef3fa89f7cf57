#include "sidecar/core/capability_sets.h"

#include <algorithm>
#include <cassert>
#include <string_view>

namespace wss::core {

CapabilitySets::CapabilitySets(std::size_t max_names, std::size_t max_sets)
    : max_names_(max_names), max_sets_(max_sets) {
  sets_.emplace_back();  // kEmptySet: always there, never counted
  set_refs_.push_back(0);
}

void CapabilitySets::setBounds(std::size_t max_names, std::size_t max_sets) {
  max_names_ = max_names;
  max_sets_ = max_sets;
}

std::optional<CapabilitySets::Key> CapabilitySets::lookupKey(
    const std::vector<std::string>& names) const {
  Key ids;
  ids.reserve(names.size());
  for (const auto& name : names) {
    auto it = name_ids_.find(name);
    if (it == name_ids_.end()) return std::nullopt;
    ids.push_back(it->second);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::optional<SetId> CapabilitySets::acquire(const std::vector<std::string>& names) {
  if (names.empty()) return kEmptySet;
  if (auto key = lookupKey(names)) {
    if (auto it = set_ids_.find(*key); it != set_ids_.end()) {
      ++set_refs_[it->second];
      return it->second;
    }
  }
  if (!fits(names)) return std::nullopt;  // checked before anything is taken
  Key ids;
  ids.reserve(names.size());
  for (const auto& name : names) ids.push_back(addName(name));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return addSet(std::move(ids));
}

std::uint32_t CapabilitySets::addName(const std::string& name) {
  auto [it, inserted] = name_ids_.try_emplace(name, 0);
  if (inserted) {
    if (free_names_.empty()) {
      it->second = static_cast<std::uint32_t>(names_.size());
      names_.push_back(name);
      name_refs_.push_back(0);
    } else {
      it->second = free_names_.back();
      free_names_.pop_back();
      names_[it->second] = name;
    }
  }
  return it->second;
}

SetId CapabilitySets::addSet(Key key) {
  SetId id;
  if (free_sets_.empty()) {
    id = static_cast<SetId>(sets_.size());
    sets_.emplace_back();
    set_refs_.push_back(0);
  } else {
    id = free_sets_.back();
    free_sets_.pop_back();
  }
  for (std::uint32_t name : key) ++name_refs_[name];
  sets_[id] = key;
  set_refs_[id] = 1;
  set_ids_.emplace(std::move(key), id);
  return id;
}

bool CapabilitySets::fits(const std::vector<std::string>& names) const {
  if (find(names)) return true;
  std::vector<std::string_view> fresh;  // distinct names not held yet
  for (const auto& name : names) {
    if (name_ids_.count(name) == 0 &&
        std::find(fresh.begin(), fresh.end(), std::string_view(name)) == fresh.end()) {
      fresh.emplace_back(name);
    }
  }
  return set_ids_.size() < max_sets_ && name_ids_.size() + fresh.size() <= max_names_;
}

void CapabilitySets::acquire(SetId set) {
  if (set != kEmptySet) ++set_refs_[set];
}

std::optional<SetId> CapabilitySets::release(SetId set) {
  if (set == kEmptySet) return std::nullopt;
  assert(set_refs_[set] > 0);
  if (--set_refs_[set] > 0) return std::nullopt;
  set_ids_.erase(sets_[set]);
  for (std::uint32_t name : sets_[set]) releaseName(name);
  sets_[set].clear();
  sets_[set].shrink_to_fit();
  free_sets_.push_back(set);
  return set;
}

void CapabilitySets::releaseName(std::uint32_t id) {
  assert(name_refs_[id] > 0);
  if (--name_refs_[id] > 0) return;
  name_ids_.erase(names_[id]);
  names_[id].clear();
  names_[id].shrink_to_fit();
  free_names_.push_back(id);
}

std::optional<SetId> CapabilitySets::find(const std::vector<std::string>& names) const {
  if (names.empty()) return kEmptySet;
  auto key = lookupKey(names);
  if (!key) return std::nullopt;
  auto it = set_ids_.find(*key);
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
  for (std::uint32_t id : sets_[set]) out.push_back(names_[id]);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace wss::core
