#include "bench/fleet_sim/best_agent_client.h"

#include <nlohmann/json.hpp>

namespace wss::sim {
namespace {

BestAgentAnswer parseReply(const std::string& reply) {
  BestAgentAnswer answer;  // kNoReply unless the reply reads well
  const auto j = nlohmann::json::parse(reply, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return answer;
  const auto it = j.find("agentId");
  if (it == j.end()) return answer;  // an error reply
  if (it->is_null()) {
    answer.kind = BestAgentAnswer::Kind::kNoAgent;
  } else if (it->is_string() && !it->get_ref<const std::string&>().empty()) {
    answer.kind = BestAgentAnswer::Kind::kAgent;
    answer.agent_id = it->get<std::string>();
  }
  return answer;
}

}  // namespace

BestAgentAnswer BestAgentClient::ask(const std::vector<std::string>& required) {
  const std::string request = nlohmann::json{{"requiredCapabilities", required}}.dump();
  const auto reply = nats_.request(subject_, request, timeout_ms_);
  if (!reply) return {};
  return parseReply(*reply);
}

}  // namespace wss::sim
