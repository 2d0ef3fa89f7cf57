// wss.v1 binary messages <-> core values, through the generated classes.
#include "sidecar/codec/protobuf_codec.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <utility>
#include <variant>

#include "fleet.pb.h"

namespace wss::codec::internal {
namespace {

// One message of each type per thread, cleared and reused: parsing then allocates only the
// strings it keeps, and those are moved out rather than copied.
template <typename Message>
Message& threadMessage() {
  thread_local Message message;
  message.Clear();
  return message;
}

template <typename Message>
bool parse(Message& message, std::string_view payload) {
  return message.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

std::vector<std::string> takeStrings(google::protobuf::RepeatedPtrField<std::string>& field) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(field.size()));
  for (std::string& s : field) out.push_back(std::move(s));
  return out;
}

void putStrings(const std::vector<std::string>& in,
                google::protobuf::RepeatedPtrField<std::string>* field) {
  field->Reserve(static_cast<int>(in.size()));
  for (const std::string& s : in) field->Add()->assign(s);
}

DecodeResult failEvent(std::string error) {
  DecodeResult result;
  result.error = std::move(error);
  return result;
}

DecodeResult succeed(core::Event event) {
  DecodeResult result;
  result.ok = true;
  result.event = std::move(event);
  return result;
}

DecodeResult decodeAssigned(std::string_view payload) {
  auto& msg = threadMessage<wss::v1::TaskAssigned>();
  if (!parse(msg, payload)) return failEvent("malformed protobuf TaskAssigned");
  if (msg.agent_id().empty()) return failEvent("missing agentId");
  core::TaskAssigned event;
  event.agent_id = std::move(*msg.mutable_agent_id());
  event.task_id = std::move(*msg.mutable_task_id());
  event.required_capabilities = takeStrings(*msg.mutable_required_capabilities());
  event.priority = msg.priority();
  return succeed(std::move(event));
}

DecodeResult decodeCompleted(std::string_view payload) {
  auto& msg = threadMessage<wss::v1::TaskCompleted>();
  if (!parse(msg, payload)) return failEvent("malformed protobuf TaskCompleted");
  if (msg.agent_id().empty()) return failEvent("missing agentId");
  core::TaskCompleted event;
  event.agent_id = std::move(*msg.mutable_agent_id());
  event.task_id = std::move(*msg.mutable_task_id());
  if (msg.has_duration()) {
    if (!std::isfinite(msg.duration())) return failEvent("duration: not a finite number");
    event.duration_ms = msg.duration();
  }
  return succeed(std::move(event));
}

DecodeResult decodeFailed(std::string_view payload) {
  auto& msg = threadMessage<wss::v1::TaskFailed>();
  if (!parse(msg, payload)) return failEvent("malformed protobuf TaskFailed");
  if (msg.agent_id().empty()) return failEvent("missing agentId");
  core::TaskFailed event;
  event.agent_id = std::move(*msg.mutable_agent_id());
  event.task_id = std::move(*msg.mutable_task_id());
  event.error = std::move(*msg.mutable_error());
  return succeed(std::move(event));
}

DecodeResult decodeMetrics(std::string_view payload) {
  auto& msg = threadMessage<wss::v1::AgentMetrics>();
  if (!parse(msg, payload)) return failEvent("malformed protobuf AgentMetrics");
  if (msg.agent_id().empty()) return failEvent("missing agentId");
  core::AgentMetrics event;
  event.agent_id = std::move(*msg.mutable_agent_id());
  if (msg.has_cpu_usage()) {
    if (!std::isfinite(msg.cpu_usage())) return failEvent("cpuUsage: not a finite number");
    event.cpu_usage = msg.cpu_usage();
  }
  if (msg.has_memory_usage()) {
    if (!std::isfinite(msg.memory_usage())) return failEvent("memoryUsage: not a finite number");
    event.memory_usage = msg.memory_usage();
  }
  event.capabilities = takeStrings(*msg.mutable_capabilities());
  if (msg.has_priority()) event.priority = msg.priority();
  event.status = core::parseAgentStatus(msg.status());
  if (msg.has_concurrency()) event.concurrency = msg.concurrency();
  return succeed(std::move(event));
}

// The wss.v1 message for each core event, filled from it.
struct ToProto {
  std::string operator()(const core::TaskAssigned& e) const {
    auto& msg = threadMessage<wss::v1::TaskAssigned>();
    msg.set_agent_id(e.agent_id);
    msg.set_task_id(e.task_id);
    putStrings(e.required_capabilities, msg.mutable_required_capabilities());
    msg.set_priority(e.priority);
    return msg.SerializeAsString();
  }
  std::string operator()(const core::TaskCompleted& e) const {
    auto& msg = threadMessage<wss::v1::TaskCompleted>();
    msg.set_agent_id(e.agent_id);
    msg.set_task_id(e.task_id);
    if (e.duration_ms) msg.set_duration(*e.duration_ms);
    return msg.SerializeAsString();
  }
  std::string operator()(const core::TaskFailed& e) const {
    auto& msg = threadMessage<wss::v1::TaskFailed>();
    msg.set_agent_id(e.agent_id);
    msg.set_task_id(e.task_id);
    msg.set_error(e.error);
    return msg.SerializeAsString();
  }
  std::string operator()(const core::AgentMetrics& e) const {
    auto& msg = threadMessage<wss::v1::AgentMetrics>();
    msg.set_agent_id(e.agent_id);
    if (e.cpu_usage) msg.set_cpu_usage(*e.cpu_usage);
    if (e.memory_usage) msg.set_memory_usage(*e.memory_usage);
    putStrings(e.capabilities, msg.mutable_capabilities());
    if (e.priority) msg.set_priority(*e.priority);
    msg.set_status(std::string(core::toString(e.status)));
    if (e.concurrency) msg.set_concurrency(*e.concurrency);
    return msg.SerializeAsString();
  }
};

}  // namespace

DecodeResult decodeProtobufEvent(EventKind kind, std::string_view payload) {
  switch (kind) {
    case EventKind::kTaskAssigned:
      return decodeAssigned(payload);
    case EventKind::kTaskCompleted:
      return decodeCompleted(payload);
    case EventKind::kTaskFailed:
      return decodeFailed(payload);
    case EventKind::kAgentMetrics:
      return decodeMetrics(payload);
  }
  return failEvent("unknown event kind");
}

StealOrderResult decodeProtobufStealOrder(std::string_view payload) {
  StealOrderResult result;
  auto& msg = threadMessage<wss::v1::WorkSteal>();
  if (!parse(msg, payload)) {
    result.error = "malformed protobuf WorkSteal";
    return result;
  }
  if (msg.source_agent_id().empty() || msg.target_agent_id().empty()) {
    result.error = "missing sourceAgentId or targetAgentId";
    return result;
  }
  if (msg.tasks_to_steal() < 0) {
    result.error = "tasksToSteal: negative";
    return result;
  }
  core::StealOrder& order = result.order;
  order.operation_id = std::move(*msg.mutable_operation_id());
  order.source_agent_id = std::move(*msg.mutable_source_agent_id());
  order.target_agent_id = std::move(*msg.mutable_target_agent_id());
  order.tasks_to_steal = static_cast<std::uint32_t>(msg.tasks_to_steal());
  order.task_ids = takeStrings(*msg.mutable_task_ids());
  order.reason = std::move(*msg.mutable_reason());
  order.epoch = msg.epoch();
  result.ok = true;
  return result;
}

BestAgentRequestResult decodeProtobufBestAgentRequest(std::string_view payload) {
  BestAgentRequestResult result;
  auto& msg = threadMessage<wss::v1::BestAgentRequest>();
  if (!parse(msg, payload)) {
    result.error = "malformed protobuf BestAgentRequest";
    return result;
  }
  result.required_capabilities = takeStrings(*msg.mutable_required_capabilities());
  result.ok = true;
  return result;
}

std::string encodeProtobufEvent(const core::Event& event) { return std::visit(ToProto{}, event); }

std::string encodeProtobufStealOrder(const core::StealOrder& order) {
  auto& msg = threadMessage<wss::v1::WorkSteal>();
  msg.set_operation_id(order.operation_id);
  msg.set_source_agent_id(order.source_agent_id);
  msg.set_target_agent_id(order.target_agent_id);
  // The wire type is int32; a count beyond it can't be meant, so it saturates.
  msg.set_tasks_to_steal(static_cast<std::int32_t>(
      std::min<std::uint32_t>(order.tasks_to_steal, static_cast<std::uint32_t>(INT32_MAX))));
  putStrings(order.task_ids, msg.mutable_task_ids());
  msg.set_reason(order.reason);
  msg.set_epoch(order.epoch);
  return msg.SerializeAsString();
}

}  // namespace wss::codec::internal

namespace wss::codec {
namespace {

void dropUtf8Lines(google::protobuf::LogLevel level, const char* filename, int line,
                   const std::string& message) {
  if (message.find("invalid UTF-8") != std::string::npos) return;
  static const char* const kLevels[] = {"INFO", "WARNING", "ERROR", "FATAL"};
  std::fprintf(stderr, "[libprotobuf %s %s:%d] %s\n", kLevels[level], filename, line,
               message.c_str());
}

}  // namespace

void silenceProtobufUtf8Logs() { google::protobuf::SetLogHandler(&dropUtf8Lines); }

}  // namespace wss::codec
