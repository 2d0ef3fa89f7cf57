#include "sidecar/core/agent_order.h"

#include "sidecar/core/agent_table.h"

namespace wss::core {

std::string_view AgentOrder::ById::id(std::uint32_t slot) const { return (*agents)[slot].id; }

std::vector<std::uint32_t> AgentOrder::page(std::string_view after, std::size_t limit) const {
  std::vector<std::uint32_t> out;
  auto it = after.empty() ? slots_.begin() : slots_.upper_bound(after);
  for (; it != slots_.end() && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

}  // namespace wss::core
