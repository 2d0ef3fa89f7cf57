// The sidecar's configuration: YAML (camelCase keys, as in the contract) -> a validated struct.
//
// Every error names the file, the line and the key; the caller prints it and exits 2 before
// connecting anywhere. Environment overrides the file (NATS_URL -> nats.url). Every key, its
// default and its range: docs/configuration.md; a commented example: deploy/sidecar.yaml.
//
// No function here throws (yaml-cpp's exceptions are caught inside) and none keeps state, so
// any thread may call them; loading stops at the first error.
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
  std::int64_t pending_messages_limit = 1'000'000;         // per subscription
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
  std::string listen = "127.0.0.1:9090";  // 0.0.0.0:9090 for kubelet probes in a pod
};

// Several replicas, one leader (docs/high-availability.md): a lease in a JetStream KV bucket.
struct HaConfig {
  bool enabled = false;             // false: one sidecar, today's behaviour
  std::string bucket = "wss_leases";  // created when absent
  int bucket_replicas = 1;  // the created bucket's replicas (3 on a 3-node cluster); 1..5
  std::string group = "default";    // the lease key: one leader per group
  core::TimeMs lease_ttl_ms = 10'000;
  std::string name;  // this replica in work.stats; empty: $HOSTNAME, else the boot id
  // At start, ask a running replica of the group for its state (wss.snapshot.<group>); give
  // up after this long and start cold. 0: never ask.
  core::TimeMs peer_restore_timeout_ms = 10'000;
};

// The fleet's events from a JetStream stream, so a restart resumes the state the fleet built
// (docs/configuration.md, `state`). Empty `stream`: plain subscriptions, a cold start.
struct StateConfig {
  std::string stream;          // a stream capturing the four inbound subjects; empty: none
  bool create_stream = false;  // create `stream` when absent (limits, file, max age below)
  core::TimeMs stream_max_age_ms = 3'600'000;  // the created stream keeps events this long
  // With `stream`: the state is snapshotted this often into `snapshot_bucket`, and a start
  // restores the newest and replays the stream after it. 0: no snapshots (full replays).
  core::TimeMs snapshot_interval_ms = 30'000;
  std::string snapshot_bucket = "wss_state";  // a KV bucket, created when absent
};

struct Config {
  NatsConfig nats;
  SubjectsConfig subjects;
  core::CoordinatorConfig stealing;
  codec::Encoding encoding = codec::Encoding::kProtobuf;  // what the sidecar publishes
  LogConfig log;
  HttpConfig http;
  HaConfig ha;
  StateConfig state;
  core::TimeMs maintenance_interval_ms = 60000;
  std::string source_file;  // where it was loaded from; empty for defaults
};

struct LoadResult {
  bool ok = false;
  Config config;      // when !ok: plain defaults, never half of the file
  std::string error;  // when !ok, one line: "FILE:LINE: key 'stealing.stealInterval': ..."
                      // ("FILE:LINE: invalid YAML: ...", "FILE: cannot read: ..." without a key)
};

// Loads and validates `path`, then applies `env` overrides (e.g. {"NATS_URL", ...}; an empty
// value is ignored). An empty file means all defaults. Sets config.source_file to `path`.
[[nodiscard]] LoadResult loadFile(const std::string& path,
                                  const std::map<std::string, std::string>& env);
// Same from text already read; `name` stands for the file in messages and in source_file.
[[nodiscard]] LoadResult loadString(const std::string& yaml, const std::string& name,
                                    const std::map<std::string, std::string>& env);
// Defaults plus `env` overrides (no file given).
[[nodiscard]] Config defaults(const std::map<std::string, std::string>& env);
// The environment variables the sidecar reads (only NATS_URL so far), from the real
// environment. Call it at startup: getenv() races with setenv() on other threads.
[[nodiscard]] std::map<std::string, std::string> processEnvironment();

// Parses "1500", "500ms", "2s", "1m", "1h" (digits, then at most one unit: no sign, spaces,
// fractions or combinations); nullopt when malformed, negative or beyond TimeMs.
[[nodiscard]] std::optional<core::TimeMs> parseDuration(const std::string& text);

}  // namespace wss::config
