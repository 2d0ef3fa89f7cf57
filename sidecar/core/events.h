// The fleet's events and the coordinator's decisions as plain values.
//
// These are what the codec produces from NATS payloads and what the coordinator consumes;
// they carry no protobuf, JSON or NATS types, so the core stays pure and testable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace wss::core {

// Milliseconds on a monotonic clock. The core never reads a clock itself.
using TimeMs = std::int64_t;

struct TaskAssigned {
  std::string agent_id;
  std::string task_id;  // empty: the fleet sends no task ids (count-only mode)
  std::vector<std::string> required_capabilities;
  std::int32_t priority = 0;
};

struct TaskCompleted {
  std::string agent_id;
  std::string task_id;
  std::optional<double> duration_ms;  // absent is unknown, never 0
};

struct TaskFailed {
  std::string agent_id;
  std::string task_id;
  std::string error;
};

enum class AgentStatus : std::uint8_t { kUnspecified, kIdle, kActive, kBusy, kOffline };

struct AgentMetrics {
  std::string agent_id;
  std::optional<double> cpu_usage;        // 0-100
  std::optional<double> memory_usage;     // 0-100
  std::vector<std::string> capabilities;  // empty keeps the agent's previous capabilities
  std::optional<std::int32_t> priority;
  AgentStatus status = AgentStatus::kUnspecified;
  std::optional<std::uint32_t> concurrency;  // tasks the agent runs at once
};

using Event = std::variant<TaskAssigned, TaskCompleted, TaskFailed, AgentMetrics>;

// A decision: ask the fleet to move queued tasks. Published as WorkSteal.
struct StealOrder {
  std::string operation_id;
  std::string source_agent_id;
  std::string target_agent_id;
  std::uint32_t tasks_to_steal = 0;
  std::vector<std::string> task_ids;  // empty only in count-only mode
  std::string reason;
  std::uint64_t sequence = 0;  // the coordinator's number for it (withdraw()); not published
  std::uint64_t epoch = 0;     // the issuing leader's lease epoch (ha); 0 without ha
};

// Parses idle|active|busy|offline; anything else is kUnspecified.
[[nodiscard]] AgentStatus parseAgentStatus(std::string_view text);
[[nodiscard]] std::string_view toString(AgentStatus status);

}  // namespace wss::core
