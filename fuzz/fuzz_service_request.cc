// Fuzz target: the request bytes of every request-reply service (work.operations, work.agents,
// work.bestAgent in JSON, protobuf and by Content-Type detection), answered from a small fleet
// with agents and steals. Each reply must be valid JSON, and a rejected request must get
// {"error": "..."}. Corpus: fuzz/corpus/service_request/.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz/checks.h"
#include "sidecar/app/service_replies.h"
#include "sidecar/codec/codec.h"

namespace {

using wss::fuzz::require;

constexpr wss::core::TimeMs kNow = 1'000'000;

// Ten tasks on "hot", an idle GPU agent, and one steal round between them.
// Not const: work.bestAgent answers from the planner, which re-keys what changed.
wss::core::Coordinator& fleet() {
  static wss::core::Coordinator* const coordinator = [] {
    auto* c = new wss::core::Coordinator(wss::core::CoordinatorConfig{});
    for (int i = 0; i < 10; ++i) {
      (void)c->apply(wss::core::TaskAssigned{"hot", "h-" + std::to_string(i), {}, 0}, kNow);
    }
    wss::core::AgentMetrics idle;
    idle.agent_id = "idle";
    idle.cpu_usage = 5;
    idle.capabilities = {"gpu"};
    (void)c->apply(idle, kNow);
    (void)c->stealRound(kNow);
    return c;
  }();
  return *coordinator;
}

void checkReply(const wss::app::Reply& reply) {
  const nlohmann::json body = nlohmann::json::parse(reply.body, nullptr, false);
  require(!body.is_discarded(), "replies are valid JSON");
  if (!reply.ok) require(body.is_object() && body.contains("error"), "rejections say why");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wss::fuzz::silenceProtobuf();
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  checkReply(wss::app::operationsReply(fleet(), kNow, request));
  checkReply(wss::app::agentsReply(fleet(), kNow, request));
  for (std::string_view content_type :
       {wss::codec::kJsonContentType, wss::codec::kProtobufContentType, std::string_view()}) {
    checkReply(wss::app::bestAgentReply(fleet(), kNow, content_type, request));
  }
  return 0;
}
