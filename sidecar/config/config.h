// The sidecar's configuration: YAML (camelCase keys, as in the contract) -> a validated struct.
//
// Every error names the file, the line and the key; the caller prints it and exits 2 before
// connecting anywhere. Environment overrides the file (NATS_URL -> nats.url).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sidecar/codec/codec.h"
#include "sidecar/core/coordinator_config.h"

namespace wss::config {

struct TlsConfig {
  std::string ca_file;    // trusted CAs; set to enable TLS
  std::string cert_file;  // client certificate (mutual TLS), with key_file
  std::string key_file;
};

struct NatsConfig {
  std::string url = "nats://127.0.0.1:4222";  // comma-separated list allowed
  std::string name = "work-stealing-sidecar";
  std::string credentials_file;
  std::string user;
  std::string password;
  std::string token;
  TlsConfig tls;
  core::TimeMs connect_timeout_ms = 2000;
  core::TimeMs reconnect_wait_ms = 500;
  core::TimeMs ping_interval_ms = 10000;
  std::int64_t pending_messages_limit = 1'000'000;      // per subscription
  std::int64_t pending_bytes_limit = 512LL * 1024 * 1024;  // per subscription
  core::TimeMs drain_timeout_ms = 4000;
};

struct SubjectsConfig {
  std::string task_assigned = "task.assigned";
  std::string task_completed = "task.completed";
  std::string task_failed = "task.failed";
  std::string agent_metrics = "agent.metrics";
  std::string work_steal = "work.steal";
  std::string work_stats = "work.stats";
  std::string work_operations = "work.operations";
  std::string work_agents = "work.agents";
  std::string work_best_agent = "work.bestAgent";
  std::string queue_group;  // empty: plain subscriptions
};

enum class LogFormat : std::uint8_t { kText, kJson };

struct LogConfig {
  std::string level = "info";  // trace|debug|info|warn|error|critical|off
  LogFormat format = LogFormat::kText;
};

struct HttpConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:9090";
};

struct Config {
  NatsConfig nats;
  SubjectsConfig subjects;
  core::CoordinatorConfig stealing;
  codec::Encoding encoding = codec::Encoding::kProtobuf;  // what the sidecar publishes
  LogConfig log;
  HttpConfig http;
  core::TimeMs maintenance_interval_ms = 60000;
  std::string source_file;  // where it was loaded from; empty for defaults
};

struct LoadResult {
  bool ok = false;
  Config config;
  std::string error;  // "FILE:LINE: key 'stealing.stealInterval': ..."
};

// Loads and validates `path`, then applies `env` overrides (e.g. {"NATS_URL", ...}).
[[nodiscard]] LoadResult loadFile(const std::string& path,
                                  const std::map<std::string, std::string>& env);
// Same from text already read; `name` stands for the file in messages.
[[nodiscard]] LoadResult loadString(const std::string& yaml, const std::string& name,
                                    const std::map<std::string, std::string>& env);
// Defaults plus `env` overrides (no file given).
[[nodiscard]] Config defaults(const std::map<std::string, std::string>& env);
// The environment variables the sidecar reads, from the real environment.
[[nodiscard]] std::map<std::string, std::string> processEnvironment();

// Parses "1500", "500ms", "2s", "1m", "1h"; nullopt when malformed or negative.
[[nodiscard]] std::optional<core::TimeMs> parseDuration(const std::string& text);

}  // namespace wss::config
