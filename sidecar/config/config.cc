#include "sidecar/config/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <limits>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "sidecar/common/redact.h"

namespace wss::config {
namespace {

using core::TimeMs;

constexpr TimeMs kSecond = 1000;
constexpr TimeMs kMinute = 60 * kSecond;
constexpr TimeMs kHour = 60 * kMinute;
// Every duration is bounded so that `now + duration` stays far from overflow.
constexpr TimeMs kMaxDuration = 720 * kHour;
// nats.c takes the pending limits as `int`.
constexpr std::int64_t kMaxNatsLimit = std::numeric_limits<int>::max();
constexpr std::int64_t kMaxCount = 1'000'000;

constexpr std::string_view kNatsUrlVariable = "NATS_URL";

// Thrown by fail() and caught at the API edge: loading stops at the first error. Config
// loading happens once at startup, far from the data path.
struct ConfigError {
  std::string message;
};

// One `key: value` pair, with what an error message about it needs.
struct Entry {
  std::string_view file;
  std::string path;  // dotted, e.g. "stealing.stealInterval"
  YAML::Node value;
  int line = 0;  // 1-based line of the key
};

int lineOf(const YAML::Mark& mark) { return mark.is_null() ? 0 : mark.line + 1; }

std::string location(std::string_view file, int line) {
  std::string text(file);
  if (line > 0) text += ":" + std::to_string(line);
  return text;
}

[[noreturn]] void failAt(std::string_view file, int line, const std::string& what) {
  throw ConfigError{location(file, line) + ": " + what};
}

[[noreturn]] void fail(const Entry& entry, const std::string& what) {
  failAt(entry.file, entry.line, "key '" + entry.path + "': " + what);
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string formatDuration(TimeMs ms) {
  if (ms != 0 && ms % kHour == 0) return std::to_string(ms / kHour) + "h";
  if (ms != 0 && ms % kMinute == 0) return std::to_string(ms / kMinute) + "m";
  if (ms != 0 && ms % kSecond == 0) return std::to_string(ms / kSecond) + "s";
  return std::to_string(ms) + "ms";
}

// The shortest text that reads back as `value`: 80, 12.5.
std::string formatNumber(double value) {
  std::array<char, 32> buffer{};
  const auto [ptr, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return ec == std::errc() ? std::string(buffer.data(), ptr) : std::to_string(value);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return quoted(node.Scalar());
    default:
      return "no value";
  }
}

// The scalar text of `entry`; an error naming `expected` when it is a map, a list or empty.
std::string scalar(const Entry& entry, const std::string& expected) {
  if (entry.value.IsScalar()) return entry.value.Scalar();
  if (entry.value.IsNull()) {
    fail(entry, "has no value; expected " + expected + " (remove the key to keep the default)");
  }
  fail(entry, "expected " + expected + ", got " + describe(entry.value));
}

bool readBool(const Entry& entry) {
  const std::string text = scalar(entry, "true or false");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  fail(entry, "expected true or false, got " + quoted(text));
}

std::int64_t readInteger(const Entry& entry, std::int64_t min, std::int64_t max) {
  const std::string expected =
      "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  const std::string text = scalar(entry, expected);
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    fail(entry, quoted(text) + " is out of range; expected " + expected);
  }
  if (ec != std::errc() || ptr != end)
    fail(entry, "expected " + expected + ", got " + quoted(text));
  if (value < 0 && min >= 0) fail(entry, quoted(text) + " is negative; expected " + expected);
  if (value < min || value > max) {
    fail(entry, quoted(text) + " is out of range; expected " + expected);
  }
  return value;
}

std::uint32_t readCount(const Entry& entry, std::int64_t min, std::int64_t max) {
  return static_cast<std::uint32_t>(readInteger(entry, min, max));
}

double readPercent(const Entry& entry) {
  const std::string expected = "a number from 0 to 100 (percent)";
  const std::string text = scalar(entry, expected);
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
    fail(entry, "expected " + expected + ", got " + quoted(text));
  }
  if (value < 0 || value > 100)
    fail(entry, quoted(text) + " is out of range; expected " + expected);
  return value;
}

TimeMs readDuration(const Entry& entry, TimeMs min, TimeMs max) {
  const std::string expected = "a duration from " + formatDuration(min) + " to " +
                               formatDuration(max) +
                               " (milliseconds, or a string like 500ms, 2s, 1m, 1h)";
  const std::string text = scalar(entry, expected);
  const std::optional<TimeMs> value = parseDuration(text);
  if (!value) {
    if (text.starts_with('-')) fail(entry, quoted(text) + " is negative; expected " + expected);
    fail(entry, "expected " + expected + ", got " + quoted(text));
  }
  if (*value < min || *value > max) {
    fail(entry, quoted(text) + " is out of range; expected " + expected);
  }
  return *value;
}

std::string readString(const Entry& entry) { return scalar(entry, "a string"); }

// The index of the entry's value in `choices`.
std::size_t readChoice(const Entry& entry, const std::vector<std::string_view>& choices) {
  std::string expected = "one of";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    expected += (i == 0 ? " " : i + 1 == choices.size() ? " or " : ", ");
    expected += choices[i];
  }
  const std::string text = scalar(entry, expected);
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (text == choices[i]) return i;
  }
  fail(entry, "expected " + expected + ", got " + quoted(text));
}

bool hasSpaceOrControl(std::string_view text) {
  return std::ranges::any_of(
      text, [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == '\x7f'; });
}

// Why `subject` is not a valid NATS subject; empty when it is.
std::string subjectProblem(std::string_view subject, bool allow_wildcards) {
  if (subject.empty()) return "must not be empty";
  if (hasSpaceOrControl(subject)) {
    return quoted(subject) + " contains whitespace, which a NATS subject cannot";
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = subject.find('.', start);
    const bool last = dot == std::string_view::npos;
    const std::string_view token =
        subject.substr(start, last ? std::string_view::npos : dot - start);
    if (token.empty())
      return quoted(subject) + " has an empty token (a leading, trailing or double dot)";
    if (token.find_first_of("*>") != std::string_view::npos) {
      if (!allow_wildcards) {
        return quoted(subject) +
               " contains a wildcard (* or >); the sidecar publishes or serves requests on this "
               "subject, so it must be literal";
      }
      if (token != "*" && !(token == ">" && last)) {
        return quoted(subject) +
               " misuses a wildcard: '*' must be a whole token, '>' the whole last token";
      }
    }
    if (last) return {};
    start = dot + 1;
  }
}

void checkSubject(const Entry& entry, std::string_view subject, bool allow_wildcards) {
  const std::string problem = subjectProblem(subject, allow_wildcards);
  if (!problem.empty()) fail(entry, problem);
}

void checkUrl(const Entry& entry, std::string_view url) {
  if (url.empty()) fail(entry, "must not be empty; expected a NATS URL like nats://127.0.0.1:4222");
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = url.find(',', start);
    std::string_view server =
        url.substr(start, comma == std::string_view::npos ? comma : comma - start);
    while (!server.empty() && server.front() == ' ') server.remove_prefix(1);
    while (!server.empty() && server.back() == ' ') server.remove_suffix(1);
    if (server.empty()) {
      fail(entry, quoted(common::redactUrl(url)) +
                      " has an empty server; expected a comma-separated list of URLs");
    }
    if (hasSpaceOrControl(server)) {
      fail(entry, quoted(common::redactServerUrl(server)) +
                      " contains whitespace; expected a URL like nats://host:4222");
    }
    if (comma == std::string_view::npos) return;
    start = comma + 1;
  }
}

void checkListen(const Entry& entry, std::string_view listen) {
  const std::string expected = "expected host:port with a port from 1 to 65535, e.g. 0.0.0.0:9090";
  std::string_view host;
  std::string_view port;
  if (listen.starts_with('[')) {
    const std::size_t close = listen.find("]:");
    if (close == std::string_view::npos) fail(entry, quoted(listen) + ": " + expected);
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) fail(entry, quoted(listen) + " has no port; " + expected);
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      fail(entry, quoted(listen) + ": an IPv6 host needs brackets, e.g. [::]:9090");
    }
  }
  if (host.empty()) fail(entry, quoted(listen) + " has no host (use 0.0.0.0 for all interfaces)");
  if (hasSpaceOrControl(host)) fail(entry, quoted(listen) + " contains whitespace; " + expected);
  int number = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || number < 1 ||
      number > 65535) {
    fail(entry, quoted(listen) + " has a bad port " + quoted(port) + "; " + expected);
  }
}

using FieldReader = std::function<void(const Entry&)>;
struct Field {
  std::string_view name;
  FieldReader read;
};

// The keys a section held, with the 1-based line of each.
class Present {
 public:
  Present(const Entry& section, std::map<std::string, int, std::less<>> lines)
      : section_(section), lines_(std::move(lines)) {}

  [[nodiscard]] bool has(std::string_view name) const { return lines_.contains(name); }

  // An entry for a key of the section, to fail on; the key must be present.
  [[nodiscard]] Entry at(std::string_view name) const {
    const auto it = lines_.find(name);
    assert(it != lines_.end() && "cross-checks only fail on keys the file set");
    return Entry{section_.file, prefix() + std::string(name), {}, it->second};
  }

 private:
  [[nodiscard]] std::string prefix() const {
    return section_.path.empty() ? std::string() : section_.path + ".";
  }

  const Entry& section_;
  std::map<std::string, int, std::less<>> lines_;
};

// Reads a map of settings: each key must be one of `fields`, at most once.
Present readSection(const Entry& section, const std::vector<Field>& fields) {
  std::map<std::string, int, std::less<>> lines;
  if (section.value.IsNull()) return {section, lines};  // `stealing:` alone: all defaults
  if (!section.value.IsMap()) {
    fail(section, "expected a map of settings, got " + describe(section.value));
  }
  const std::string prefix = section.path.empty() ? std::string() : section.path + ".";
  for (const auto& pair : section.value) {
    const int line = lineOf(pair.first.Mark());
    if (!pair.first.IsScalar()) {
      const std::string where =
          section.path.empty() ? "at the top level" : "in '" + section.path + "'";
      failAt(section.file, line, where + ": expected a key name, got " + describe(pair.first));
    }
    const Entry entry{section.file, prefix + pair.first.Scalar(), pair.second, line};
    const std::string& name = pair.first.Scalar();
    if (const auto seen = lines.find(name); seen != lines.end()) {
      fail(entry, "duplicate key (first set on line " + std::to_string(seen->second) + ")");
    }
    const auto field = std::find_if(fields.begin(), fields.end(),
                                    [&](const Field& candidate) { return candidate.name == name; });
    if (field == fields.end()) fail(entry, "unknown key");
    field->read(entry);
    lines.emplace(name, line);
  }
  return {section, std::move(lines)};
}

void readTls(const Entry& section, TlsConfig& tls) {
  const Present present =
      readSection(section, {
                               {"caFile", [&](const Entry& e) { tls.ca_file = readString(e); }},
                               {"certFile", [&](const Entry& e) { tls.cert_file = readString(e); }},
                               {"keyFile", [&](const Entry& e) { tls.key_file = readString(e); }},
                           });
  if (!tls.cert_file.empty() && tls.key_file.empty()) {
    fail(present.at("certFile"), "set without nats.tls.keyFile; mutual TLS needs both or neither");
  }
  if (tls.cert_file.empty() && !tls.key_file.empty()) {
    fail(present.at("keyFile"), "set without nats.tls.certFile; mutual TLS needs both or neither");
  }
}

void readNats(const Entry& section, NatsConfig& nats) {
  const auto duration = [](TimeMs& target, TimeMs min) {
    return [&target, min](const Entry& e) { target = readDuration(e, min, kMaxDuration); };
  };
  const auto limit = [](std::int64_t& target) {
    return [&target](const Entry& e) { target = readInteger(e, 1, kMaxNatsLimit); };
  };
  const Present present = readSection(
      section,
      {
          {"url",
           [&](const Entry& e) {
             nats.url = readString(e);
             checkUrl(e, nats.url);
           }},
          {"name", [&](const Entry& e) { nats.name = readString(e); }},
          {"credentialsFile", [&](const Entry& e) { nats.credentials_file = readString(e); }},
          {"user", [&](const Entry& e) { nats.user = readString(e); }},
          {"password", [&](const Entry& e) { nats.password = readString(e); }},
          {"token", [&](const Entry& e) { nats.token = readString(e); }},
          {"tls", [&](const Entry& e) { readTls(e, nats.tls); }},
          {"connectTimeout", duration(nats.connect_timeout_ms, 1)},
          {"reconnectWait", duration(nats.reconnect_wait_ms, 0)},
          {"pingInterval", duration(nats.ping_interval_ms, 1)},
          {"pendingMessagesLimit", limit(nats.pending_messages_limit)},
          {"pendingBytesLimit", limit(nats.pending_bytes_limit)},
          {"drainTimeout", duration(nats.drain_timeout_ms, 1)},
      });
  if (!nats.user.empty() && nats.password.empty()) {
    fail(present.at("user"),
         "set without nats.password; give both, or use token or credentialsFile");
  }
  if (nats.user.empty() && !nats.password.empty()) {
    fail(present.at("password"), "set without nats.user; give both");
  }
}

void readSubjects(const Entry& section, SubjectsConfig& subjects) {
  struct Subject {
    std::string_view name;
    std::string* value;
    bool allow_wildcards;  // only subjects the sidecar merely subscribes to
  };
  const std::vector<Subject> all = {
      {"taskAssigned", &subjects.task_assigned, true},
      {"taskCompleted", &subjects.task_completed, true},
      {"taskFailed", &subjects.task_failed, true},
      {"agentMetrics", &subjects.agent_metrics, true},
      {"workSteal", &subjects.work_steal, false},
      {"workStats", &subjects.work_stats, false},
      {"workOperations", &subjects.work_operations, false},
      {"workAgents", &subjects.work_agents, false},
      {"workBestAgent", &subjects.work_best_agent, false},
  };
  std::vector<Field> fields;
  fields.reserve(all.size() + 1);
  for (const Subject& subject : all) {
    fields.push_back({subject.name, [subject](const Entry& e) {
                        *subject.value = readString(e);
                        checkSubject(e, *subject.value, subject.allow_wildcards);
                      }});
  }
  fields.push_back({"queueGroup", [&](const Entry& e) {
                      subjects.queue_group = readString(e);
                      if (hasSpaceOrControl(subjects.queue_group)) {
                        fail(e, quoted(subjects.queue_group) +
                                    " contains whitespace, which a "
                                    "queue group name cannot");
                      }
                    }});
  const Present present = readSection(section, fields);
  // One subject for two purposes would mix message kinds (or feed our own steals back in).
  for (std::size_t j = 1; j < all.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (*all[i].value != *all[j].value) continue;
      const Subject& reported = present.has(all[j].name) ? all[j] : all[i];
      const Subject& other = &reported == &all[j] ? all[i] : all[j];
      fail(present.at(reported.name), quoted(*reported.value) + " is also subjects." +
                                          std::string(other.name) + "; each subject must differ");
    }
  }
}

// Bounds on what the coordinator holds (core::Limits). Reloadable with the stealing section.
void readLimits(const Entry& section, core::Limits& limits) {
  const auto count = [](std::uint32_t& target, std::int64_t min, std::int64_t max) {
    return [&target, min, max](const Entry& e) { target = readCount(e, min, max); };
  };
  (void)readSection(section,
                    {
                        {"maxAgents", count(limits.max_agents, 1, 10'000'000)},
                        {"maxTasks", count(limits.max_tasks, 1, 100'000'000)},
                        {"maxCapabilityNames", count(limits.max_capability_names, 1, 10'000'000)},
                        {"maxCapabilitySets", count(limits.max_capability_sets, 1, 10'000'000)},
                        {"maxIdLength", count(limits.max_id_length, 8, 65536)},
                    });
}

void readStealing(const Entry& section, core::CoordinatorConfig& stealing) {
  const auto count = [](std::uint32_t& target, std::int64_t min, std::int64_t max) {
    return [&target, min, max](const Entry& e) { target = readCount(e, min, max); };
  };
  const auto duration = [](TimeMs& target, TimeMs min, TimeMs max) {
    return [&target, min, max](const Entry& e) { target = readDuration(e, min, max); };
  };
  const auto percent = [](double& target) {
    return [&target](const Entry& e) { target = readPercent(e); };
  };
  const Present present = readSection(
      section,
      {
          {"enabled", [&](const Entry& e) { stealing.enabled = readBool(e); }},
          {"stealInterval", duration(stealing.steal_interval_ms, 10, kHour)},
          {"reactive", [&](const Entry& e) { stealing.reactive = readBool(e); }},
          {"reactiveDelay", duration(stealing.reactive_delay_ms, 0, 10 * 1000)},
          {"stealThreshold", count(stealing.steal_threshold, 1, kMaxCount)},
          {"maxStealBatch", count(stealing.max_steal_batch, 1, 10000)},
          {"minTasksToSteal", count(stealing.min_tasks_to_steal, 1, kMaxCount)},
          {"overloadedTaskCount", count(stealing.overloaded_task_count, 0, kMaxCount)},
          {"overloadedCpu", percent(stealing.overloaded_cpu)},
          {"underloadedTaskCount", count(stealing.underloaded_task_count, 0, kMaxCount)},
          {"underloadedCpu", percent(stealing.underloaded_cpu)},
          {"stealTimeout", duration(stealing.steal_timeout_ms, 1, kMaxDuration)},
          {"agentTimeout", duration(stealing.agent_timeout_ms, 1, kMaxDuration)},
          {"operationRetention", duration(stealing.operation_retention_ms, 1, kMaxDuration)},
          {"maxOperations", count(stealing.max_operations, 1, kMaxCount)},
          {"durationWindow", count(stealing.duration_window, 1, 10000)},
          {"defaultConcurrency", count(stealing.default_concurrency, 1, 100000)},
          {"defaultTaskDuration",
           [&](const Entry& e) {
             stealing.default_task_duration_ms =
                 static_cast<double>(readDuration(e, 1, kMaxDuration));
           }},
          {"operationIdPrefix",
           [&](const Entry& e) {
             stealing.operation_id_prefix = readString(e);
             if (stealing.operation_id_prefix.empty() ||
                 hasSpaceOrControl(stealing.operation_id_prefix)) {
               fail(e, "expected a non-empty prefix without whitespace, got " +
                           quoted(stealing.operation_id_prefix));
             }
           }},
      });
  if (stealing.underloaded_cpu > stealing.overloaded_cpu) {
    const std::string values = " (underloadedCpu " + formatNumber(stealing.underloaded_cpu) +
                               " > overloadedCpu " + formatNumber(stealing.overloaded_cpu) + ")";
    if (present.has("underloadedCpu")) {
      fail(present.at("underloadedCpu"),
           "must not exceed stealing.overloadedCpu, or an agent could be both" + values);
    }
    fail(present.at("overloadedCpu"),
         "must be at least stealing.underloadedCpu, or an agent could be both" + values);
  }
  if (stealing.underloaded_task_count > stealing.overloaded_task_count + 1) {
    const std::string values =
        " (underloadedTaskCount " + std::to_string(stealing.underloaded_task_count) +
        ", overloadedTaskCount " + std::to_string(stealing.overloaded_task_count) + ")";
    if (present.has("underloadedTaskCount")) {
      fail(present.at("underloadedTaskCount"),
           "must be at most stealing.overloadedTaskCount + 1, or an agent could be both" + values);
    }
    fail(present.at("overloadedTaskCount"),
         "must be at least stealing.underloadedTaskCount - 1, or an agent could be both" + values);
  }
}

void readLog(const Entry& section, LogConfig& log) {
  static const std::vector<std::string_view> kLevels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};
  (void)readSection(
      section,
      {
          {"level",
           [&](const Entry& e) { log.level = std::string(kLevels[readChoice(e, kLevels)]); }},
          {"format",
           [&](const Entry& e) {
             log.format =
                 readChoice(e, {"text", "json"}) == 0 ? LogFormat::kText : LogFormat::kJson;
           }},
      });
}

void readHttp(const Entry& section, HttpConfig& http) {
  (void)readSection(section, {
                                 {"enabled", [&](const Entry& e) { http.enabled = readBool(e); }},
                                 {"listen",
                                  [&](const Entry& e) {
                                    http.listen = readString(e);
                                    checkListen(e, http.listen);
                                  }},
                             });
}

// KV bucket names and keys: what JetStream accepts, checked here so a typo fails at start.
void checkKvName(const Entry& entry, std::string_view name, std::string_view extra) {
  if (name.empty()) fail(entry, "must not be empty");
  if (name.size() > 64) fail(entry, "is longer than 64 characters");
  for (const char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-';
    if (!plain && extra.find(c) == std::string_view::npos) {
      fail(entry, quoted(name) + " may only hold letters, digits, '_', '-'" +
                      (extra.empty() ? "" : " and '" + std::string(extra) + "'"));
    }
  }
}

void readHa(const Entry& section, HaConfig& ha) {
  (void)readSection(section,
                    {
                        {"enabled", [&](const Entry& e) { ha.enabled = readBool(e); }},
                        {"bucket",
                         [&](const Entry& e) {
                           ha.bucket = readString(e);
                           checkKvName(e, ha.bucket, "");
                         }},
                        // JetStream's limit: a stream has at most 5 replicas.
                        {"bucketReplicas",
                         [&](const Entry& e) {
                           ha.bucket_replicas = static_cast<int>(readInteger(e, 1, 5));
                         }},
                        {"group",
                         [&](const Entry& e) {
                           ha.group = readString(e);
                           checkKvName(e, ha.group, "/=.");
                         }},
                        // At least 1 s: a renewal must fit comfortably inside it.
                        {"leaseTtl",
                         [&](const Entry& e) { ha.lease_ttl_ms = readDuration(e, 1000, 600'000); }},
                        {"name",
                         [&](const Entry& e) {
                           ha.name = readString(e);
                           if (!ha.name.empty()) checkKvName(e, ha.name, ".");  // empty: default
                         }},
                        {"peerRestoreTimeout",
                         [&](const Entry& e) {
                           ha.peer_restore_timeout_ms = readDuration(e, 0, 600'000);
                         }},
                    });
}

// The `state` section. Returns the line of state.stream (0 when absent) for the cross-check
// with subjects.queueGroup, which parse() makes once both sections are read.
int readState(const Entry& section, StateConfig& state) {
  const auto max_age = [&](const Entry& e) {
    state.stream_max_age_ms = readDuration(e, kSecond, kMaxDuration);
  };
  const Present present = readSection(
      section, {
                   {"stream",
                    [&](const Entry& e) {
                      state.stream = readString(e);
                      if (!state.stream.empty()) checkKvName(e, state.stream, "");  // empty: none
                    }},
                   {"createStream", [&](const Entry& e) { state.create_stream = readBool(e); }},
                   {"streamMaxAge", max_age},
                   {"snapshotInterval",
                    [&](const Entry& e) {
                      state.snapshot_interval_ms = readDuration(e, 0, kMaxDuration);
                      if (state.snapshot_interval_ms > 0 && state.snapshot_interval_ms < kSecond) {
                        fail(e, "must be 0 (no snapshots) or at least 1s");
                      }
                    }},
                   {"snapshotBucket",
                    [&](const Entry& e) {
                      state.snapshot_bucket = readString(e);
                      checkKvName(e, state.snapshot_bucket, "");
                    }},
               });
  if (state.create_stream && state.stream.empty()) {
    fail(present.at("createStream"), "set without state.stream; name the stream to create");
  }
  return present.has("stream") ? present.at("stream").line : 0;
}

// An ordered consumer hands every event to each replica; a queue group would split them.
void checkStateWithQueueGroup(const Config& config, std::string_view file, int stream_line) {
  if (config.state.stream.empty() || config.subjects.queue_group.empty()) return;
  failAt(file, stream_line,
         "key 'state.stream': cannot be combined with subjects.queueGroup (the stream gives every "
         "event to each sidecar; a queue group would split them)");
}

// yaml-cpp 0.7 (Debian 12) loops for ever, allocating, on a ',' that starts a line or follows
// a top-level flow collection (jbeder/yaml-cpp#1040, fixed after 0.8.0), and fuzzing found
// control characters on the same path. Both are invalid YAML anyway: refuse them before
// parsing, with the line, so a bad file can never hang start, --check-config or a reload.
// One line of `yaml`: a ',' right after a flow collection closed at depth 0 (`[a], b`), the
// other pattern yaml-cpp 0.7 hangs on. Quoted text and comments are skipped.
bool commaAfterFlow(std::string_view line) {
  int depth = 0;
  char quote = 0;
  bool after_close = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '#' && (i == 0 || line[i - 1] == ' ')) return false;
    if (c == '\'' || c == '"') quote = c;
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0 && --depth == 0) {
      after_close = true;
      continue;
    }
    if (after_close && c == ',' && depth == 0) return true;
    if (c != ' ' && c != '\t') after_close = false;
  }
  return false;
}

// yaml-cpp 0.7 (Debian 12) loops for ever, allocating, on a ',' that starts a line or follows
// a top-level flow collection (jbeder/yaml-cpp#1040, fixed after 0.8.0), and fuzzing found
// control characters on the same path. All are invalid YAML anyway: refuse them before
// parsing, with the line, so a bad file can never hang start, --check-config or a reload.
void refuseWhatHangsTheParser(const std::string& yaml, const std::string& name) {
  int number = 1;
  for (std::size_t start = 0; start <= yaml.size(); ++number) {
    const std::size_t end = std::min(yaml.find('\n', start), yaml.size());
    const std::string_view line(yaml.data() + start, end - start);
    for (const char c : line) {
      const auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && c != '\t' && c != '\r') || byte == 0x7f) {
        failAt(name, number, "invalid YAML: control character " + std::to_string(byte));
      }
    }
    const std::size_t first = line.find_first_not_of(" \t");
    if (first != std::string_view::npos && line[first] == ',') {
      failAt(name, number, "invalid YAML: a line may not start with ','");
    }
    if (commaAfterFlow(line)) {
      failAt(name, number, "invalid YAML: ',' after a flow collection outside of one");
    }
    start = end + 1;
  }
}

// The general guard behind those patterns: fuzzing keeps finding more inputs on which
// yaml-cpp 0.7 emits events for ever ("!," at the top level is one). Valid YAML yields a few
// events per byte at most, so a dry run that only counts events, stopped past a budget
// proportional to the input, tells a runaway parse from a real one before the real one runs.
class EventBudget : public YAML::EventHandler {
 public:
  struct Exceeded {};
  explicit EventBudget(std::size_t budget) : left_(budget) {}
  void OnDocumentStart(const YAML::Mark&) override { spend(); }
  void OnDocumentEnd() override { spend(); }
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { spend(); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { spend(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    spend();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    spend();
  }
  void OnSequenceEnd() override { spend(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    spend();
  }
  void OnMapEnd() override { spend(); }

 private:
  void spend() {
    if (left_-- == 0) throw Exceeded{};
  }
  std::size_t left_;
};

void refuseRunawayParse(const std::string& yaml, const std::string& name) {
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  EventBudget budget(8 * yaml.size() + 64);
  try {
    while (parser.HandleNextDocument(budget)) {
    }
  } catch (const EventBudget::Exceeded&) {
    failAt(name, 1, "invalid YAML: the parser does not finish on this input (yaml-cpp 0.7 bug)");
  } catch (const YAML::Exception&) {
    // A plain syntax error: the real parse reports it, with its line.
  }
}

Config parse(const std::string& yaml, const std::string& name) {
  refuseWhatHangsTheParser(yaml, name);
  refuseRunawayParse(yaml, name);
  const std::vector<YAML::Node> documents = YAML::LoadAll(yaml);
  Config config;
  if (documents.empty()) return config;  // an empty file: all defaults
  if (documents.size() > 1) {
    failAt(name, lineOf(documents[1].Mark()),
           "expected one YAML document, found " + std::to_string(documents.size()));
  }
  const YAML::Node& root = documents.front();
  if (!root.IsNull() && !root.IsMap()) {
    failAt(name, lineOf(root.Mark()),
           "expected a map of settings at the top level, got " + describe(root));
  }
  const Entry top{name, "", root, lineOf(root.Mark())};
  int stream_line = 0;
  (void)readSection(top,
                    {
                        {"nats", [&](const Entry& e) { readNats(e, config.nats); }},
                        {"subjects", [&](const Entry& e) { readSubjects(e, config.subjects); }},
                        {"stealing", [&](const Entry& e) { readStealing(e, config.stealing); }},
                        {"encoding",
                         [&](const Entry& e) {
                           config.encoding = readChoice(e, {"protobuf", "json"}) == 0
                                                 ? codec::Encoding::kProtobuf
                                                 : codec::Encoding::kJson;
                         }},
                        {"limits", [&](const Entry& e) { readLimits(e, config.stealing.limits); }},
                        {"log", [&](const Entry& e) { readLog(e, config.log); }},
                        {"http", [&](const Entry& e) { readHttp(e, config.http); }},
                        {"ha", [&](const Entry& e) { readHa(e, config.ha); }},
                        {"state", [&](const Entry& e) { stream_line = readState(e, config.state); }},
                        {"maintenanceInterval",
                         [&](const Entry& e) {
                           config.maintenance_interval_ms = readDuration(e, 1, kMaxDuration);
                         }},
                    });
  checkStateWithQueueGroup(config, name, stream_line);
  return config;
}

void applyEnvironment(const std::map<std::string, std::string>& env, Config& config) {
  if (const auto it = env.find(std::string(kNatsUrlVariable));
      it != env.end() && !it->second.empty()) {
    config.nats.url = it->second;
  }
}

// What a path that is not a regular file is, for the error message.
std::string_view fileKind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "of an unknown type";
}

// Reads the whole of `path` into `text`; nullopt on success, else what went wrong. Opens
// non-blocking and checks the file type before reading: open() or read() on a FIFO would
// wait for a writer for ever (and a SIGHUP reload with it, and SIGTERM behind the reload).
std::optional<std::string> readRegularFile(const std::string& path, std::string& text) {
  const auto cannot = [](int error) {
    return "cannot read: " + std::generic_category().message(error);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return cannot(errno);
  struct stat info {};
  std::optional<std::string> error;
  if (::fstat(fd, &info) != 0) {
    error = cannot(errno);
  } else if (S_ISDIR(info.st_mode)) {
    error = cannot(EISDIR);
  } else if (!S_ISREG(info.st_mode)) {
    error =
        "not a regular file (" + std::string(fileKind(info.st_mode)) + "); expected a YAML file";
  } else {
    std::array<char, 64 * 1024> buffer{};
    ssize_t count = 0;
    while ((count = ::read(fd, buffer.data(), buffer.size())) > 0 ||
           (count < 0 && errno == EINTR)) {
      if (count > 0) text.append(buffer.data(), static_cast<std::size_t>(count));
    }
    if (count < 0) error = cannot(errno);
  }
  ::close(fd);
  return error;
}

}  // namespace

LoadResult loadString(const std::string& yaml, const std::string& name,
                      const std::map<std::string, std::string>& env) {
  LoadResult result;
  try {
    result.config = parse(yaml, name);
    result.config.source_file = name;
    applyEnvironment(env, result.config);
    result.ok = true;
    return result;
  } catch (const ConfigError& error) {
    result.error = error.message;
  } catch (const YAML::Exception& error) {  // syntax errors: ParserException and kin
    std::string what = "invalid YAML: " + error.msg;
    if (!error.mark.is_null()) what += " (column " + std::to_string(error.mark.column + 1) + ")";
    result.error = location(name, lineOf(error.mark)) + ": " + what;
  } catch (const std::exception& error) {
    result.error = name + ": cannot load: " + error.what();
  }
  result.config = Config{};
  return result;
}

LoadResult loadFile(const std::string& path, const std::map<std::string, std::string>& env) {
  LoadResult result;
  std::string text;
  if (std::optional<std::string> error = readRegularFile(path, text)) {
    result.error = path + ": " + *error;
    return result;
  }
  return loadString(text, path, env);
}

Config defaults(const std::map<std::string, std::string>& env) {
  Config config;
  applyEnvironment(env, config);
  return config;
}

std::map<std::string, std::string> processEnvironment() {
  std::map<std::string, std::string> env;
  const std::string name(kNatsUrlVariable);
  // Called once at startup, before any thread could call setenv().
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* value = std::getenv(name.c_str()); value != nullptr) env.emplace(name, value);
  return env;
}

std::optional<TimeMs> parseDuration(const std::string& text) {
  struct Unit {
    std::string_view suffix;
    TimeMs scale;
  };
  // "ms" before "s" and "m", which are its suffix and prefix.
  static constexpr std::array<Unit, 4> kUnits = {
      {{"ms", 1}, {"s", kSecond}, {"m", kMinute}, {"h", kHour}}};
  std::string_view digits = text;
  TimeMs scale = 1;
  for (const Unit& unit : kUnits) {
    if (digits.ends_with(unit.suffix)) {
      digits.remove_suffix(unit.suffix.size());
      scale = unit.scale;
      break;
    }
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  TimeMs value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  if (value > std::numeric_limits<TimeMs>::max() / scale) return std::nullopt;
  return value * scale;
}

}  // namespace wss::config
