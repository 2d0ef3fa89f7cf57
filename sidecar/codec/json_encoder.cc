// Core values -> compact proto3 JSON, written by hand: no DOM, one reserved string.
#include "sidecar/codec/json_encoder.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <variant>

#include "simdjson.h"

namespace wss::codec::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Appends one byte that needs no UTF-8 handling, escaping what RFC 8259 requires.
inline void appendAsciiEscaped(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  if (static_cast<unsigned char>(c) < 0x20) {
    out += "\\u00";
    out += kHex[(c >> 4) & 0xF];
    out += kHex[c & 0xF];
    return;
  }
  out += c;
}

inline bool needsEscape(char c) {
  return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

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
  if (simdjson::validate_utf8(text.data(), text.size())) {
    // Fast path: copy runs of plain bytes at once.
    std::size_t run_start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (!needsEscape(text[i])) continue;
      out.append(text.data() + run_start, i - run_start);
      appendAsciiEscaped(out, text[i]);
      run_start = i + 1;
    }
    out.append(text.data() + run_start, text.size() - run_start);
  } else {
    for (std::size_t i = 0; i < text.size();) {
      const std::size_t length = utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else if (length == 1) {
        appendAsciiEscaped(out, text[i++]);
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
    }
  }
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
  return std::move(w).finish();
}

}  // namespace wss::codec::internal
