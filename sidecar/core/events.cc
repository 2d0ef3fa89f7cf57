#include "sidecar/core/events.h"

namespace wss::core {

AgentStatus parseAgentStatus(std::string_view text) {
  if (text == "idle") return AgentStatus::kIdle;
  if (text == "active") return AgentStatus::kActive;
  if (text == "busy") return AgentStatus::kBusy;
  if (text == "offline") return AgentStatus::kOffline;
  return AgentStatus::kUnspecified;
}

std::string_view toString(AgentStatus status) {
  switch (status) {
    case AgentStatus::kIdle:
      return "idle";
    case AgentStatus::kActive:
      return "active";
    case AgentStatus::kBusy:
      return "busy";
    case AgentStatus::kOffline:
      return "offline";
    case AgentStatus::kUnspecified:
      break;
  }
  return "";
}

}  // namespace wss::core
