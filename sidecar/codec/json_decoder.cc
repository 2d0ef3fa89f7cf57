// proto3 JSON -> core values with simdjson On-Demand, error codes only (nothing throws).
//
// Each message has a hand-written field loop: match the key (lowerCamelCase or snake_case),
// check it wasn't seen before, read the value with the type rules of the proto3 JSON mapping.
// Values of unknown keys are still walked and validated, because On-Demand would otherwise
// skip them unparsed and accept invalid JSON such as {"agentId":"a","x":tru}.
#include "sidecar/codec/json_decoder.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "simdjson.h"

namespace wss::codec::internal {
namespace {

namespace od = simdjson::ondemand;

// A parser and a padded copy of the input per thread: On-Demand reads up to
// SIMDJSON_PADDING bytes past the end, and a NATS payload gives no such guarantee.
struct ThreadState {
  od::parser parser{kMaxPayloadBytes};
  std::unique_ptr<char[]> buffer{new char[kMaxPayloadBytes + simdjson::SIMDJSON_PADDING]};
  // Allocating up front keeps the first message on each thread as fast as the rest; if it
  // fails, iterate() simply allocates (or reports MEMALLOC) later.
  ThreadState() { static_cast<void>(parser.allocate(kMaxPayloadBytes) == simdjson::SUCCESS); }
};

ThreadState& threadState() {
  thread_local ThreadState state;
  return state;
}

// Collects the first error; every reader returns false once it has set it.
class Errors {
 public:
  bool fail(std::string_view field, std::string_view what) {
    message_.assign(field);
    if (!field.empty()) message_ += ": ";
    message_ += what;
    return false;
  }
  bool invalidJson(simdjson::error_code code) {
    return fail("", std::string("invalid JSON (") + simdjson::error_message(code) + ")");
  }
  std::string take() && { return std::move(message_); }

 private:
  std::string message_;
};

bool matches(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}

// Marks a field as seen; a second occurrence (in either spelling) is an error.
bool firstTime(std::uint32_t& seen, std::uint32_t bit, std::string_view name, Errors& errors) {
  if ((seen & bit) != 0) return errors.fail(name, "duplicate field");
  seen |= bit;
  return true;
}

// Peeks at the value's type; "null" is checked to really be null (the type peek looks at
// the first byte only).
bool typeOf(od::value& value, od::json_type& type, Errors& errors) {
  if (auto code = value.type().get(type)) return errors.invalidJson(code);
  if (type == od::json_type::null) {
    bool is_null = false;
    if (auto code = value.is_null().get(is_null)) return errors.invalidJson(code);
    if (!is_null) return errors.invalidJson(simdjson::N_ATOM_ERROR);
  }
  return true;
}

bool validateValue(od::value value, int depth, Errors& errors);

bool validateObject(od::object object, int depth, Errors& errors) {
  for (auto field_result : object) {
    od::field field;
    if (auto code = std::move(field_result).get(field)) return errors.invalidJson(code);
    std::string_view key;
    if (auto code = field.unescaped_key().get(key)) return errors.invalidJson(code);
    if (!validateValue(field.value(), depth + 1, errors)) return false;
  }
  return true;
}

// Checks that a value we don't read is well-formed JSON, to the depth limit.
bool validateValue(od::value value, int depth, Errors& errors) {
  if (depth > kMaxJsonDepth) return errors.fail("", "JSON nested too deeply");
  od::json_type type;
  if (!typeOf(value, type, errors)) return false;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto code = value.get_object().get(object)) return errors.invalidJson(code);
      return validateObject(object, depth, errors);
    }
    case od::json_type::array: {
      od::array array;
      if (auto code = value.get_array().get(array)) return errors.invalidJson(code);
      for (auto element : array) {
        od::value item;
        if (auto code = element.get(item)) return errors.invalidJson(code);
        if (!validateValue(item, depth + 1, errors)) return false;
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view text;
      if (auto code = value.get_string().get(text)) return errors.invalidJson(code);
      return true;
    }
    case od::json_type::number: {
      double number;  // any valid JSON number within double range, big integers included
      if (auto code = value.get_double().get(number)) return errors.invalidJson(code);
      return true;
    }
    case od::json_type::boolean: {
      bool flag;
      if (auto code = value.get_bool().get(flag)) return errors.invalidJson(code);
      return true;
    }
    case od::json_type::null:
      return true;
  }
  return errors.invalidJson(simdjson::TAPE_ERROR);
}

bool readString(od::value& value, std::string_view name, std::string& out, Errors& errors) {
  od::json_type type;
  if (!typeOf(value, type, errors)) return false;
  if (type == od::json_type::null) return true;
  if (type != od::json_type::string) return errors.fail(name, "expected a string");
  std::string_view text;
  if (auto code = value.get_string().get(text)) return errors.invalidJson(code);
  out.assign(text);
  return true;
}

bool readStrings(od::value& value, std::string_view name, std::vector<std::string>& out,
                 Errors& errors) {
  od::json_type type;
  if (!typeOf(value, type, errors)) return false;
  if (type == od::json_type::null) return true;
  if (type != od::json_type::array) return errors.fail(name, "expected an array of strings");
  od::array array;
  if (auto code = value.get_array().get(array)) return errors.invalidJson(code);
  for (auto element : array) {
    od::value item;
    if (auto code = element.get(item)) return errors.invalidJson(code);
    od::json_type item_type;
    if (auto code = item.type().get(item_type)) return errors.invalidJson(code);
    if (item_type != od::json_type::string)
      return errors.fail(name, "expected an array of strings");
    std::string_view text;
    if (auto code = item.get_string().get(text)) return errors.invalidJson(code);
    out.emplace_back(text);
  }
  return true;
}

// A number inside a string, as the mapping allows ("850"): optional sign, then digits or a
// '.', parsed to the end. Hex and "inf"/"nan" spellings are not numbers here.
bool parseNumericString(std::string_view text, double& out) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || !((text.front() >= '0' && text.front() <= '9') || text.front() == '.')) {
    return false;
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  out = negative ? -value : value;
  return true;
}

bool parseIntegerString(std::string_view text, bool is_signed, std::int64_t& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return false;
  if (!is_signed && text.front() == '-') return false;  // even "-0", as protobuf does
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// A double field: a JSON number, or a string holding one. The mapping's "NaN", "Infinity"
// and "-Infinity" are recognised but rejected: the codec only admits finite values.
bool readDouble(od::value& value, std::string_view name, std::optional<double>& out,
                Errors& errors) {
  od::json_type type;
  if (!typeOf(value, type, errors)) return false;
  double number = 0;
  switch (type) {
    case od::json_type::null:
      return true;
    case od::json_type::number:
      if (auto code = value.get_double().get(number)) return errors.invalidJson(code);
      break;
    case od::json_type::string: {
      std::string_view text;
      if (auto code = value.get_string().get(text)) return errors.invalidJson(code);
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        return errors.fail(name, "not a finite number");
      }
      if (!parseNumericString(text, number)) return errors.fail(name, "expected a number");
      break;
    }
    default:
      return errors.fail(name, "expected a number");
  }
  if (!std::isfinite(number)) return errors.fail(name, "not a finite number");
  out = number;
  return true;
}

// An integer field in [min, max]: a JSON number with an integral value (1e2 and 5.0 count),
// or a string of decimal digits with an optional sign ('-' only for signed fields).
bool readInteger(od::value& value, std::string_view name, std::int64_t min, std::int64_t max,
                 std::optional<std::int64_t>& out, Errors& errors) {
  od::json_type type;
  if (!typeOf(value, type, errors)) return false;
  std::int64_t integer = 0;
  switch (type) {
    case od::json_type::null:
      return true;
    case od::json_type::number: {
      // Every int32/uint32 is exact in a double, so one conversion covers 7, 7.0 and 7e0.
      double number = 0;
      if (auto code = value.get_double().get(number)) return errors.invalidJson(code);
      if (number != std::trunc(number)) return errors.fail(name, "expected an integer");
      if (number < static_cast<double>(min) || number > static_cast<double>(max)) {
        return errors.fail(name, "integer out of range");
      }
      integer = static_cast<std::int64_t>(number);
      break;
    }
    case od::json_type::string: {
      std::string_view text;
      if (auto code = value.get_string().get(text)) return errors.invalidJson(code);
      if (!parseIntegerString(text, min < 0, integer))
        return errors.fail(name, "expected an integer");
      if (integer < min || integer > max) return errors.fail(name, "integer out of range");
      break;
    }
    default:
      return errors.fail(name, "expected an integer");
  }
  out = integer;
  return true;
}

constexpr std::int64_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t kMaxExactInteger = std::int64_t{1} << 53;  // exact in a double
constexpr std::int64_t kUint32Max = std::numeric_limits<std::uint32_t>::max();

// Runs `on_field(key, value)` for every member of the top-level object, then checks that
// nothing follows it. `on_field` returns false to reject (having set the error).
template <typename OnField>
bool forEachField(std::string_view payload, Errors& errors, OnField&& on_field) {
  ThreadState& state = threadState();
  if (!payload.empty()) std::memcpy(state.buffer.get(), payload.data(), payload.size());
  std::memset(state.buffer.get() + payload.size(), 0, simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (auto code = state.parser
                      .iterate(state.buffer.get(), payload.size(),
                               payload.size() + simdjson::SIMDJSON_PADDING)
                      .get(doc)) {
    return errors.invalidJson(code);
  }
  od::object object;
  if (auto code = doc.get_object().get(object)) {
    if (code == simdjson::INCORRECT_TYPE)
      return errors.fail("", "top-level value is not an object");
    return errors.invalidJson(code);
  }
  for (auto field_result : object) {
    od::field field;
    if (auto code = std::move(field_result).get(field)) return errors.invalidJson(code);
    std::string_view key;
    if (auto code = field.unescaped_key().get(key)) return errors.invalidJson(code);
    if (!on_field(key, field.value())) return false;
  }
  // Past the end of the object, current_location() is out of bounds unless bytes remain.
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
    return errors.fail("", "trailing bytes after the JSON object");
  }
  return true;
}

template <typename Event>
DecodeResult finish(bool ok, Event&& event, Errors& errors) {
  DecodeResult result;
  if (!ok) {
    result.error = std::move(errors).take();
    return result;
  }
  if (event.agent_id.empty()) {
    result.error = "missing agentId";
    return result;
  }
  result.ok = true;
  result.event = std::forward<Event>(event);
  return result;
}

DecodeResult decodeAssigned(std::string_view payload) {
  core::TaskAssigned event;
  Errors errors;
  std::uint32_t seen = 0;
  const bool ok = forEachField(payload, errors, [&](std::string_view key, od::value& value) {
    if (matches(key, "agentId", "agent_id")) {
      return firstTime(seen, 1U << 0, "agentId", errors) &&
             readString(value, "agentId", event.agent_id, errors);
    }
    if (matches(key, "taskId", "task_id")) {
      return firstTime(seen, 1U << 1, "taskId", errors) &&
             readString(value, "taskId", event.task_id, errors);
    }
    if (matches(key, "requiredCapabilities", "required_capabilities")) {
      return firstTime(seen, 1U << 2, "requiredCapabilities", errors) &&
             readStrings(value, "requiredCapabilities", event.required_capabilities, errors);
    }
    if (key == "priority") {
      std::optional<std::int64_t> priority;
      if (!firstTime(seen, 1U << 3, "priority", errors) ||
          !readInteger(value, "priority", kInt32Min, kInt32Max, priority, errors)) {
        return false;
      }
      event.priority = static_cast<std::int32_t>(priority.value_or(0));
      return true;
    }
    return validateValue(value, 2, errors);
  });
  return finish(ok, std::move(event), errors);
}

DecodeResult decodeCompleted(std::string_view payload) {
  core::TaskCompleted event;
  Errors errors;
  std::uint32_t seen = 0;
  const bool ok = forEachField(payload, errors, [&](std::string_view key, od::value& value) {
    if (matches(key, "agentId", "agent_id")) {
      return firstTime(seen, 1U << 0, "agentId", errors) &&
             readString(value, "agentId", event.agent_id, errors);
    }
    if (matches(key, "taskId", "task_id")) {
      return firstTime(seen, 1U << 1, "taskId", errors) &&
             readString(value, "taskId", event.task_id, errors);
    }
    if (key == "duration") {
      return firstTime(seen, 1U << 2, "duration", errors) &&
             readDouble(value, "duration", event.duration_ms, errors);
    }
    return validateValue(value, 2, errors);
  });
  return finish(ok, std::move(event), errors);
}

DecodeResult decodeFailed(std::string_view payload) {
  core::TaskFailed event;
  Errors errors;
  std::uint32_t seen = 0;
  const bool ok = forEachField(payload, errors, [&](std::string_view key, od::value& value) {
    if (matches(key, "agentId", "agent_id")) {
      return firstTime(seen, 1U << 0, "agentId", errors) &&
             readString(value, "agentId", event.agent_id, errors);
    }
    if (matches(key, "taskId", "task_id")) {
      return firstTime(seen, 1U << 1, "taskId", errors) &&
             readString(value, "taskId", event.task_id, errors);
    }
    if (key == "error") {
      return firstTime(seen, 1U << 2, "error", errors) &&
             readString(value, "error", event.error, errors);
    }
    return validateValue(value, 2, errors);
  });
  return finish(ok, std::move(event), errors);
}

DecodeResult decodeMetrics(std::string_view payload) {
  core::AgentMetrics event;
  Errors errors;
  std::uint32_t seen = 0;
  const bool ok = forEachField(payload, errors, [&](std::string_view key, od::value& value) {
    if (matches(key, "agentId", "agent_id")) {
      return firstTime(seen, 1U << 0, "agentId", errors) &&
             readString(value, "agentId", event.agent_id, errors);
    }
    if (matches(key, "cpuUsage", "cpu_usage")) {
      return firstTime(seen, 1U << 1, "cpuUsage", errors) &&
             readDouble(value, "cpuUsage", event.cpu_usage, errors);
    }
    if (matches(key, "memoryUsage", "memory_usage")) {
      return firstTime(seen, 1U << 2, "memoryUsage", errors) &&
             readDouble(value, "memoryUsage", event.memory_usage, errors);
    }
    if (key == "capabilities") {
      return firstTime(seen, 1U << 3, "capabilities", errors) &&
             readStrings(value, "capabilities", event.capabilities, errors);
    }
    if (key == "priority") {
      std::optional<std::int64_t> priority;
      if (!firstTime(seen, 1U << 4, "priority", errors) ||
          !readInteger(value, "priority", kInt32Min, kInt32Max, priority, errors)) {
        return false;
      }
      if (priority) event.priority = static_cast<std::int32_t>(*priority);
      return true;
    }
    if (key == "status") {
      std::string status;
      if (!firstTime(seen, 1U << 5, "status", errors) ||
          !readString(value, "status", status, errors)) {
        return false;
      }
      event.status = core::parseAgentStatus(status);  // unknown text: kUnspecified
      return true;
    }
    if (key == "concurrency") {
      std::optional<std::int64_t> concurrency;
      if (!firstTime(seen, 1U << 6, "concurrency", errors) ||
          !readInteger(value, "concurrency", 0, kUint32Max, concurrency, errors)) {
        return false;
      }
      if (concurrency) event.concurrency = static_cast<std::uint32_t>(*concurrency);
      return true;
    }
    return validateValue(value, 2, errors);
  });
  return finish(ok, std::move(event), errors);
}

}  // namespace

DecodeResult decodeJsonEvent(EventKind kind, std::string_view payload) {
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
  DecodeResult result;
  result.error = "unknown event kind";
  return result;
}

StealOrderResult decodeJsonStealOrder(std::string_view payload) {
  StealOrderResult result;
  core::StealOrder& order = result.order;
  Errors errors;
  std::uint32_t seen = 0;
  const bool ok = forEachField(payload, errors, [&](std::string_view key, od::value& value) {
    if (matches(key, "operationId", "operation_id")) {
      return firstTime(seen, 1U << 0, "operationId", errors) &&
             readString(value, "operationId", order.operation_id, errors);
    }
    if (matches(key, "sourceAgentId", "source_agent_id")) {
      return firstTime(seen, 1U << 1, "sourceAgentId", errors) &&
             readString(value, "sourceAgentId", order.source_agent_id, errors);
    }
    if (matches(key, "targetAgentId", "target_agent_id")) {
      return firstTime(seen, 1U << 2, "targetAgentId", errors) &&
             readString(value, "targetAgentId", order.target_agent_id, errors);
    }
    if (matches(key, "tasksToSteal", "tasks_to_steal")) {
      std::optional<std::int64_t> count;
      if (!firstTime(seen, 1U << 3, "tasksToSteal", errors) ||
          !readInteger(value, "tasksToSteal", kInt32Min, kInt32Max, count, errors)) {
        return false;
      }
      if (count.value_or(0) < 0) return errors.fail("tasksToSteal", "negative");
      order.tasks_to_steal = static_cast<std::uint32_t>(count.value_or(0));
      return true;
    }
    if (matches(key, "taskIds", "task_ids")) {
      return firstTime(seen, 1U << 4, "taskIds", errors) &&
             readStrings(value, "taskIds", order.task_ids, errors);
    }
    if (key == "reason") {
      return firstTime(seen, 1U << 5, "reason", errors) &&
             readString(value, "reason", order.reason, errors);
    }
    if (key == "epoch") {
      std::optional<std::int64_t> epoch;
      if (!firstTime(seen, 1U << 6, "epoch", errors) ||
          !readInteger(value, "epoch", 0, kMaxExactInteger, epoch, errors)) {
        return false;
      }
      order.epoch = static_cast<std::uint64_t>(epoch.value_or(0));
      return true;
    }
    return validateValue(value, 2, errors);
  });
  if (!ok) {
    result.error = std::move(errors).take();
  } else if (order.source_agent_id.empty() || order.target_agent_id.empty()) {
    result.error = "missing sourceAgentId or targetAgentId";
  } else {
    result.ok = true;
  }
  return result;
}

BestAgentRequestResult decodeJsonBestAgentRequest(std::string_view payload) {
  BestAgentRequestResult result;
  Errors errors;
  std::uint32_t seen = 0;
  const bool ok = forEachField(payload, errors, [&](std::string_view key, od::value& value) {
    if (matches(key, "requiredCapabilities", "required_capabilities")) {
      return firstTime(seen, 1U << 0, "requiredCapabilities", errors) &&
             readStrings(value, "requiredCapabilities", result.required_capabilities, errors);
    }
    return validateValue(value, 2, errors);
  });
  if (!ok) {
    result.error = std::move(errors).take();
    result.required_capabilities.clear();
  } else {
    result.ok = true;
  }
  return result;
}

}  // namespace wss::codec::internal
