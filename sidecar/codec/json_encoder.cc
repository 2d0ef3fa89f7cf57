// Core values -> compact proto3 JSON, written by hand: no DOM, one reserved string.
#include "sidecar/codec/json_encoder.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <variant>

#include "sidecar/common/json_escape.h"

namespace wss::codec::internal {
namespace {

void appendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  char buffer[32];
  // Shortest text that reads back as the same double: 850 -> "850", 0.1 -> "0.1".
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, end);
}

template <typename Int>
void appendInt(std::string& out, Int value) {
  char buffer[16];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, end);
}

// Writes `"name":value` pairs, with the separating commas and the braces.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::size_t size_hint) {
    out_.reserve(size_hint);
    out_ += '{';
  }

  void string(std::string_view name, std::string_view value) {
    key(name);
    appendJsonString(out_, value);
  }
  void number(std::string_view name, double value) {
    key(name);
    appendDouble(out_, value);
  }
  template <typename Int>
  void integer(std::string_view name, Int value) {
    key(name);
    appendInt(out_, value);
  }
  void strings(std::string_view name, const std::vector<std::string>& values) {
    key(name);
    out_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_ += ',';
      appendJsonString(out_, values[i]);
    }
    out_ += ']';
  }

  std::string finish() && {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void key(std::string_view name) {
    if (out_.size() > 1) out_ += ',';
    out_ += '"';
    out_ += name;  // our own names: never need escaping
    out_ += "\":";
  }

  std::string out_;
};

std::size_t sizeOf(const std::vector<std::string>& values) {
  std::size_t size = 2;
  for (const auto& v : values) size += v.size() + 3;
  return size;
}

struct ToJson {
  std::string operator()(const core::TaskAssigned& e) const {
    ObjectWriter w(64 + e.agent_id.size() + e.task_id.size() + sizeOf(e.required_capabilities));
    w.string("agentId", e.agent_id);
    if (!e.task_id.empty()) w.string("taskId", e.task_id);
    if (!e.required_capabilities.empty()) {
      w.strings("requiredCapabilities", e.required_capabilities);
    }
    if (e.priority != 0) w.integer("priority", e.priority);
    return std::move(w).finish();
  }
  std::string operator()(const core::TaskCompleted& e) const {
    ObjectWriter w(64 + e.agent_id.size() + e.task_id.size());
    w.string("agentId", e.agent_id);
    if (!e.task_id.empty()) w.string("taskId", e.task_id);
    if (e.duration_ms) w.number("duration", *e.duration_ms);
    return std::move(w).finish();
  }
  std::string operator()(const core::TaskFailed& e) const {
    ObjectWriter w(64 + e.agent_id.size() + e.task_id.size() + e.error.size());
    w.string("agentId", e.agent_id);
    if (!e.task_id.empty()) w.string("taskId", e.task_id);
    if (!e.error.empty()) w.string("error", e.error);
    return std::move(w).finish();
  }
  std::string operator()(const core::AgentMetrics& e) const {
    ObjectWriter w(128 + e.agent_id.size() + sizeOf(e.capabilities));
    w.string("agentId", e.agent_id);
    if (e.cpu_usage) w.number("cpuUsage", *e.cpu_usage);
    if (e.memory_usage) w.number("memoryUsage", *e.memory_usage);
    if (!e.capabilities.empty()) w.strings("capabilities", e.capabilities);
    if (e.priority) w.integer("priority", *e.priority);
    if (e.status != core::AgentStatus::kUnspecified) w.string("status", core::toString(e.status));
    if (e.concurrency) w.integer("concurrency", *e.concurrency);
    return std::move(w).finish();
  }
};

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  common::appendEscaped(text, out, common::EscapeQuotes::kJsonString);
  out += '"';
}

std::string encodeJsonEvent(const core::Event& event) { return std::visit(ToJson{}, event); }

std::string encodeJsonStealOrder(const core::StealOrder& order) {
  ObjectWriter w(128 + order.operation_id.size() + order.source_agent_id.size() +
                 order.target_agent_id.size() + order.reason.size() + sizeOf(order.task_ids));
  w.string("operationId", order.operation_id);
  w.string("sourceAgentId", order.source_agent_id);
  w.string("targetAgentId", order.target_agent_id);
  // int32 on the wire; saturate like the protobuf encoder does.
  w.integer("tasksToSteal", std::min<std::uint32_t>(order.tasks_to_steal, INT32_MAX));
  w.strings("taskIds", order.task_ids);
  w.string("reason", order.reason);
  // A JSON number (not the proto3 mapping's string for 64-bit values): fleets compare it, and
  // lease revisions stay far below 2^53.
  if (order.epoch != 0) w.integer("epoch", order.epoch);
  return std::move(w).finish();
}

}  // namespace wss::codec::internal
