#include "tests/support/fleet_client.h"

#include "fleet.pb.h"

namespace wss::testing {

using nlohmann::json;

FleetClient::FleetClient(const std::string& url, Wire wire) : client_(url), wire_(wire) {}

FleetClient::FleetClient(const std::string& url, const ClientTls& tls, Wire wire)
    : client_(url, tls), wire_(wire) {}

bool FleetClient::send(const std::string& subject, const std::string& json_text,
                       const std::string& protobuf) {
  switch (wire_) {
    case Wire::kJson:
      return client_.publish(subject, json_text);
    case Wire::kJsonWithHeader:
      return client_.publish(subject, json_text, "application/json");
    case Wire::kProtobuf:
      return client_.publish(subject, protobuf);
    case Wire::kProtobufWithHeader:
      return client_.publish(subject, protobuf, "application/protobuf");
  }
  return false;
}

bool FleetClient::assign(const std::string& agent, const std::string& task,
                         const std::vector<std::string>& capabilities) {
  json body = {{"agentId", agent}, {"taskId", task}};
  if (!capabilities.empty()) body["requiredCapabilities"] = capabilities;
  v1::TaskAssigned message;
  message.set_agent_id(agent);
  message.set_task_id(task);
  for (const auto& capability : capabilities) message.add_required_capabilities(capability);
  return send("task.assigned", body.dump(), message.SerializeAsString());
}

bool FleetClient::complete(const std::string& agent, const std::string& task,
                           std::optional<double> duration_ms) {
  json body = {{"agentId", agent}, {"taskId", task}};
  v1::TaskCompleted message;
  message.set_agent_id(agent);
  message.set_task_id(task);
  if (duration_ms) {
    body["duration"] = *duration_ms;
    message.set_duration(*duration_ms);
  }
  return send("task.completed", body.dump(), message.SerializeAsString());
}

bool FleetClient::metrics(const std::string& agent, double cpu,
                          const std::vector<std::string>& capabilities, const std::string& status) {
  json body = {{"agentId", agent}, {"cpuUsage", cpu}, {"memoryUsage", 10}};
  v1::AgentMetrics message;
  message.set_agent_id(agent);
  message.set_cpu_usage(cpu);
  message.set_memory_usage(10);
  if (!capabilities.empty()) body["capabilities"] = capabilities;
  for (const auto& capability : capabilities) message.add_capabilities(capability);
  if (!status.empty()) {
    body["status"] = status;
    message.set_status(status);
  }
  return send("agent.metrics", body.dump(), message.SerializeAsString());
}

std::optional<json> FleetClient::ask(const std::string& subject, const std::string& request) {
  auto reply = client_.request(subject, request);
  if (!reply) return std::nullopt;
  json parsed = json::parse(*reply, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::optional<json> FleetClient::stats() {
  std::optional<json> reply;
  eventually([&] { return (reply = ask("work.stats")).has_value(); });
  return reply;
}

std::optional<json> FleetClient::waitForStats(const std::function<bool(const json&)>& condition,
                                              std::chrono::milliseconds timeout) {
  std::optional<json> reply;
  eventually([&] { return (reply = ask("work.stats")).has_value() && condition(*reply); }, timeout);
  return reply;
}

int FleetClient::taskCount(const std::string& agent) {
  auto reply = ask("work.agents", json{{"agentId", agent}}.dump());
  if (!reply || !reply->contains("agents") || (*reply)["agents"].empty()) return -1;
  return (*reply)["agents"][0].value("taskCount", -1);
}

}  // namespace wss::testing
