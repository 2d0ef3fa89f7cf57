// The best-agent dispatcher's question to the sidecar: a work.bestAgent request for one task.
//
// Request (JSON): {"requiredCapabilities": [...]}. Reply: {"agentId": "...", "expectedStartMs":
// N}, {"agentId": null} when no agent fits, or {"error": "..."}. The answer is advice: the
// caller checks the agent is one it has, live and capable, and falls back to its naive
// choice otherwise. Blocking request-reply on the caller's thread (the simulation thread).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/common/nats_client.h"

namespace wss::sim {

struct BestAgentAnswer {
  enum class Kind : std::uint8_t {
    kAgent,    // agent_id is set
    kNoAgent,  // the sidecar knows no agent that fits
    kNoReply,  // timeout, no responders, or an error or unreadable reply
  };
  Kind kind = Kind::kNoReply;
  std::string agent_id;
};

class BestAgentClient {
 public:
  BestAgentClient(bench::NatsClient& nats, std::string subject, int timeout_ms)
      : nats_(nats), subject_(std::move(subject)), timeout_ms_(timeout_ms) {}

  // Asks for the agent to place a task needing `required` on; waits at most the timeout.
  [[nodiscard]] BestAgentAnswer ask(const std::vector<std::string>& required);

 private:
  bench::NatsClient& nats_;
  std::string subject_;
  int timeout_ms_;
};

}  // namespace wss::sim
