#include "sidecar/config/config.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace wss::config {
namespace {

using Env = std::map<std::string, std::string>;

std::string dataFile(const std::string& name) {
  return std::string(WSS_SOURCE_DIR) + "/tests/data/config/" + name;
}

void checkDefaults(const Config& config) {
  const Config expected;
  CHECK(config.nats.url == "nats://127.0.0.1:4222");
  CHECK(config.nats.name == "work-stealing-sidecar");
  CHECK(config.nats.credentials_file.empty());
  CHECK(config.nats.tls.ca_file.empty());
  CHECK(config.nats.connect_timeout_ms == 2000);
  CHECK(config.nats.pending_bytes_limit == expected.nats.pending_bytes_limit);
  CHECK(config.subjects.task_assigned == "task.assigned");
  CHECK(config.subjects.work_steal == "work.steal");
  CHECK(config.subjects.work_stats == "work.stats");
  CHECK(config.subjects.queue_group.empty());
  CHECK(config.stealing.enabled);
  CHECK(config.stealing.steal_interval_ms == 1000);
  CHECK(config.stealing.steal_threshold == expected.stealing.steal_threshold);
  CHECK(config.stealing.max_steal_batch == 5);
  CHECK(config.stealing.overloaded_cpu == 80.0);
  CHECK(config.stealing.operation_id_prefix == "steal");
  CHECK(config.encoding == codec::Encoding::kProtobuf);
  CHECK(config.log.level == "info");
  CHECK(config.log.format == LogFormat::kText);
  CHECK(config.http.enabled);
  CHECK(config.http.listen == "127.0.0.1:9090");  // loopback unless asked (issue 8)
  CHECK(config.maintenance_interval_ms == 60000);
}

TEST_CASE("a file setting every key loads every value", "[config]") {
  const std::string path = dataFile("full_valid.yaml");
  const LoadResult result = loadFile(path, {});
  INFO(result.error);
  REQUIRE(result.ok);
  CHECK(result.error.empty());
  const Config& c = result.config;
  CHECK(c.source_file == path);

  CHECK(c.nats.url == "nats://a.example:4222, nats://b.example:4222");
  CHECK(c.nats.name == "sidecar-eu-1");
  CHECK(c.nats.credentials_file == "/etc/nats/sidecar.creds");
  CHECK(c.nats.user == "sidecar");
  CHECK(c.nats.password == "s3cret");
  CHECK(c.nats.token == "tok-123");
  CHECK(c.nats.tls.ca_file == "/etc/nats/ca.pem");
  CHECK(c.nats.tls.cert_file == "/etc/nats/client.pem");
  CHECK(c.nats.tls.key_file == "/etc/nats/client-key.pem");
  CHECK(c.nats.connect_timeout_ms == 3000);
  CHECK(c.nats.reconnect_wait_ms == 250);
  CHECK(c.nats.ping_interval_ms == 60000);
  CHECK(c.nats.pending_messages_limit == 5000);
  CHECK(c.nats.pending_bytes_limit == 1048576);
  CHECK(c.nats.drain_timeout_ms == 1500);

  CHECK(c.subjects.task_assigned == "fleet.task.assigned");
  CHECK(c.subjects.task_completed == "fleet.task.completed");
  CHECK(c.subjects.task_failed == "fleet.task.failed");
  CHECK(c.subjects.agent_metrics == "fleet.agent.*.metrics");
  CHECK(c.subjects.work_steal == "fleet.work.steal");
  CHECK(c.subjects.work_stats == "fleet.work.stats");
  CHECK(c.subjects.work_operations == "fleet.work.operations");
  CHECK(c.subjects.work_agents == "fleet.work.agents");
  CHECK(c.subjects.work_best_agent == "fleet.work.bestAgent");
  CHECK(c.subjects.queue_group == "sidecars");

  CHECK_FALSE(c.stealing.enabled);
  CHECK(c.stealing.steal_interval_ms == 500);
  CHECK(c.stealing.steal_threshold == 3);
  CHECK(c.stealing.max_steal_batch == 7);
  CHECK(c.stealing.min_tasks_to_steal == 4);
  CHECK(c.stealing.overloaded_task_count == 10);
  CHECK(c.stealing.overloaded_cpu == 85.5);
  CHECK(c.stealing.underloaded_task_count == 3);
  CHECK(c.stealing.underloaded_cpu == 25.0);
  CHECK(c.stealing.steal_timeout_ms == 2000);
  CHECK(c.stealing.agent_timeout_ms == 60000);
  CHECK(c.stealing.operation_retention_ms == 2LL * 3'600'000);
  CHECK(c.stealing.max_operations == 500);
  CHECK(c.stealing.duration_window == 20);
  CHECK(c.stealing.default_concurrency == 4);
  CHECK(c.stealing.default_task_duration_ms == 750.0);
  CHECK(c.stealing.operation_id_prefix == "eu1");

  CHECK(c.encoding == codec::Encoding::kJson);
  CHECK(c.log.level == "debug");
  CHECK(c.log.format == LogFormat::kJson);
  CHECK_FALSE(c.http.enabled);
  CHECK(c.http.listen == "[::1]:8080");
  CHECK(c.maintenance_interval_ms == 30000);
}

TEST_CASE("empty files and empty sections mean all defaults", "[config]") {
  const std::string name =
      GENERATE(as<std::string>{}, "empty.yaml", "comments_only.yaml", "sections_empty.yaml");
  const LoadResult result = loadFile(dataFile(name), {});
  INFO(name << ": " << result.error);
  REQUIRE(result.ok);
  checkDefaults(result.config);
  CHECK(result.config.source_file == dataFile(name));
}

TEST_CASE("defaults() without environment is the documented default", "[config]") {
  const Config config = defaults({});
  checkDefaults(config);
  CHECK(config.source_file.empty());
}

TEST_CASE("NATS_URL overrides nats.url, unless empty", "[config][env]") {
  const Env env = {{"NATS_URL", "nats://env.example:4333"}};
  SECTION("over the file") {
    const LoadResult result = loadFile(dataFile("full_valid.yaml"), env);
    REQUIRE(result.ok);
    CHECK(result.config.nats.url == "nats://env.example:4333");
    CHECK(result.config.nats.name == "sidecar-eu-1");  // nothing else changes
  }
  SECTION("over the defaults") {
    CHECK(defaults(env).nats.url == "nats://env.example:4333");
    const LoadResult result = loadString("", "inline.yaml", env);
    REQUIRE(result.ok);
    CHECK(result.config.nats.url == "nats://env.example:4333");
  }
  SECTION("an empty NATS_URL is ignored") {
    const Env empty = {{"NATS_URL", ""}};
    CHECK(defaults(empty).nats.url == "nats://127.0.0.1:4222");
    const LoadResult result = loadFile(dataFile("full_valid.yaml"), empty);
    REQUIRE(result.ok);
    CHECK(result.config.nats.url == "nats://a.example:4222, nats://b.example:4222");
  }
  SECTION("other variables are ignored") {
    CHECK(defaults({{"NATS_URLS", "nats://x:1"}}).nats.url == "nats://127.0.0.1:4222");
  }
  SECTION("an invalid file still fails with NATS_URL set") {
    CHECK_FALSE(loadFile(dataFile("unknown_key.yaml"), env).ok);
  }
}

// Single-threaded test, so setenv() and getenv() are safe here.
// NOLINTBEGIN(concurrency-mt-unsafe)
TEST_CASE("processEnvironment reads NATS_URL from the process", "[config][env]") {
  const char* outer = std::getenv("NATS_URL");
  const std::optional<std::string> saved =
      outer != nullptr ? std::optional<std::string>(outer) : std::nullopt;

  REQUIRE(setenv("NATS_URL", "nats://process.example:4222", 1) == 0);
  const Env env = processEnvironment();
  REQUIRE(env.contains("NATS_URL"));
  CHECK(env.at("NATS_URL") == "nats://process.example:4222");
  REQUIRE(unsetenv("NATS_URL") == 0);
  CHECK_FALSE(processEnvironment().contains("NATS_URL"));

  if (saved) REQUIRE(setenv("NATS_URL", saved->c_str(), 1) == 0);
}
// NOLINTEND(concurrency-mt-unsafe)

// One file per kind of error: each message names the file, the line and the key.
TEST_CASE("each bad file fails with FILE:LINE: key '...': and a reason", "[config][errors]") {
  struct Row {
    std::string file;
    int line;
    std::string key;
    std::string reason;  // a fragment of what follows the key
  };
  const Row row = GENERATE(values<Row>({
      {"unknown_key.yaml", 3, "stealing.stealIntervall", "unknown key"},
      {"unknown_top_key.yaml", 3, "stealng", "unknown key"},
      {"duplicate_key.yaml", 4, "stealing.maxStealBatch", "duplicate key (first set on line 2)"},
      {"map_for_scalar.yaml", 2, "stealing.stealInterval", "got a map"},
      {"list_for_scalar.yaml", 2, "nats.url", "expected a string, got a list"},
      {"scalar_for_section.yaml", 2, "stealing", "expected a map of settings, got 'true'"},
      {"null_value.yaml", 3, "stealing.maxStealBatch", "has no value"},
      {"not_an_integer.yaml", 2, "stealing.maxStealBatch",
       "expected an integer from 1 to 10000, got 'abc'"},
      {"negative_count.yaml", 3, "stealing.minTasksToSteal", "'-1' is negative"},
      {"not_a_bool.yaml", 2, "http.enabled", "expected true or false, got 'yes'"},
      {"bad_duration.yaml", 2, "nats.connectTimeout", "got '2 seconds'"},
      {"negative_duration.yaml", 2, "stealing.stealTimeout", "'-5s' is negative"},
      {"steal_interval_low.yaml", 2, "stealing.stealInterval",
       "'5ms' is out of range; expected a duration from 10ms to 1h"},
      {"steal_interval_high.yaml", 2, "stealing.stealInterval", "'2h' is out of range"},
      {"max_steal_batch_range.yaml", 2, "stealing.maxStealBatch",
       "'10001' is out of range; expected an integer from 1 to 10000"},
      {"cpu_range.yaml", 2, "stealing.overloadedCpu",
       "'101' is out of range; expected a number from 0 to 100"},
      {"cpu_not_number.yaml", 2, "stealing.underloadedCpu", "got 'high'"},
      {"cpu_order.yaml", 3, "stealing.underloadedCpu", "must not exceed stealing.overloadedCpu"},
      {"cpu_order_default.yaml", 3, "stealing.overloadedCpu",
       "must be at least stealing.underloadedCpu"},
      {"task_count_order.yaml", 2, "stealing.underloadedTaskCount",
       "must be at most stealing.overloadedTaskCount + 1"},
      {"duration_window_range.yaml", 2, "stealing.durationWindow",
       "'0' is out of range; expected an integer from 1 to 10000"},
      {"default_concurrency_range.yaml", 2, "stealing.defaultConcurrency",
       "expected an integer from 1 to 100000"},
      {"steal_timeout_zero.yaml", 2, "stealing.stealTimeout", "'0' is out of range"},
      {"subject_empty.yaml", 2, "subjects.taskAssigned", "must not be empty"},
      {"subject_space.yaml", 2, "subjects.taskCompleted", "contains whitespace"},
      {"subject_wildcard_publish.yaml", 3, "subjects.workSteal", "contains a wildcard"},
      {"subject_bad_wildcard.yaml", 2, "subjects.taskFailed", "misuses a wildcard"},
      {"subject_empty_token.yaml", 2, "subjects.workStats", "has an empty token"},
      {"subject_duplicate.yaml", 2, "subjects.taskFailed", "is also subjects.taskCompleted"},
      {"log_level.yaml", 2, "log.level",
       "expected one of trace, debug, info, warn, error, critical or off, got 'verbose'"},
      {"log_format.yaml", 2, "log.format", "expected one of text or json, got 'xml'"},
      {"encoding.yaml", 2, "encoding", "expected one of protobuf or json, got 'avro'"},
      {"http_listen_port.yaml", 2, "http.listen", "has a bad port '70000'"},
      {"http_listen_no_port.yaml", 3, "http.listen", "'localhost' has no port"},
      {"tls_cert_without_key.yaml", 4, "nats.tls.certFile", "set without nats.tls.keyFile"},
      {"user_without_password.yaml", 3, "nats.user", "set without nats.password"},
      {"pending_limit_range.yaml", 2, "nats.pendingBytesLimit", "is out of range"},
      {"nats_url_empty.yaml", 2, "nats.url", "must not be empty"},
  }));
  const std::string path = dataFile(row.file);
  const LoadResult result = loadFile(path, {});
  INFO(result.error);
  REQUIRE_FALSE(result.ok);
  const std::string prefix = path + ":" + std::to_string(row.line) + ": key '" + row.key + "': ";
  CHECK(result.error.rfind(prefix, 0) == 0);
  CHECK(result.error.find(row.reason, prefix.size()) != std::string::npos);
  CHECK(result.error.find('\n') == std::string::npos);  // one message, one line
}

TEST_CASE("error messages read in full", "[config][errors]") {
  SECTION("an unknown key") {
    const std::string path = dataFile("unknown_key.yaml");
    CHECK(loadFile(path, {}).error == path + ":3: key 'stealing.stealIntervall': unknown key");
  }
  SECTION("an out-of-range interval") {
    const std::string path = dataFile("steal_interval_low.yaml");
    CHECK(loadFile(path, {}).error ==
          path +
              ":2: key 'stealing.stealInterval': '5ms' is out of range; expected a duration from "
              "10ms to 1h (milliseconds, or a string like 500ms, 2s, 1m, 1h)");
  }
  SECTION("cpu thresholds in the wrong order") {
    const std::string path = dataFile("cpu_order.yaml");
    CHECK(loadFile(path, {}).error ==
          path +
              ":3: key 'stealing.underloadedCpu': must not exceed stealing.overloadedCpu, or an "
              "agent could be both (underloadedCpu 75 > overloadedCpu 70)");
  }
}

TEST_CASE("errors that are not about one key", "[config][errors]") {
  SECTION("a YAML syntax error names the file and line") {
    const std::string path = dataFile("syntax_error.yaml");
    const LoadResult result = loadFile(path, {});
    CHECK(loadFile(path, {}).error == path + ":4: invalid YAML: illegal map value (column 18)");
  }
  SECTION("two documents") {
    const std::string path = dataFile("two_documents.yaml");
    CHECK(loadFile(path, {}).error == path + ":4: expected one YAML document, found 2");
  }
  SECTION("a list at the top level") {
    const std::string path = dataFile("top_level_list.yaml");
    CHECK(loadFile(path, {}).error ==
          path + ":1: expected a map of settings at the top level, got a list");
  }
  SECTION("a missing file") {
    const std::string path = dataFile("no_such_file.yaml");
    const LoadResult result = loadFile(path, {});
    CHECK_FALSE(result.ok);
    CHECK(result.error == path + ": cannot read: No such file or directory");
  }
  SECTION("a directory") {
    const std::string path = dataFile("");
    const LoadResult result = loadFile(path, {});
    CHECK_FALSE(result.ok);
    CHECK(result.error == path + ": cannot read: Is a directory");
  }
  SECTION("a failed load carries default values, not half of the file") {
    const LoadResult result = loadFile(dataFile("user_without_password.yaml"), {});
    REQUIRE_FALSE(result.ok);
    CHECK(result.config.nats.url == "nats://127.0.0.1:4222");
    CHECK(result.config.nats.user.empty());
  }
}

TEST_CASE("loadString names the given file in messages", "[config]") {
  const LoadResult result = loadString("stealing:\n  maxStealBatch: 0\n", "inline.yaml", {});
  REQUIRE_FALSE(result.ok);
  CHECK(result.error ==
        "inline.yaml:2: key 'stealing.maxStealBatch': '0' is out of range; expected an integer "
        "from 1 to 10000");
}

TEST_CASE("values accepted in more than one spelling", "[config]") {
  SECTION("durations as integers, quoted integers and strings") {
    const LoadResult result = loadString(
        "stealing:\n  stealInterval: 750\n  stealTimeout: \"3000\"\n  agentTimeout: 1m\n"
        "maintenanceInterval: 1h\n",
        "x.yaml", {});
    REQUIRE(result.ok);
    CHECK(result.config.stealing.steal_interval_ms == 750);
    CHECK(result.config.stealing.steal_timeout_ms == 3000);
    CHECK(result.config.stealing.agent_timeout_ms == 60000);
    CHECK(result.config.maintenance_interval_ms == 3'600'000);
  }
  SECTION("booleans, cpu as integers, IPv4 and bracketed IPv6 listen addresses") {
    const LoadResult result = loadString(
        "stealing: {enabled: False, overloadedCpu: 90, underloadedCpu: 0}\n"
        "http: {enabled: TRUE, listen: \"[::]:9100\"}\n",
        "x.yaml", {});
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK_FALSE(result.config.stealing.enabled);
    CHECK(result.config.stealing.overloaded_cpu == 90.0);
    CHECK(result.config.stealing.underloaded_cpu == 0.0);
    CHECK(result.config.http.listen == "[::]:9100");
  }
  SECTION("boundaries are inclusive") {
    const LoadResult result = loadString(
        "stealing:\n  stealInterval: 10ms\n  maxStealBatch: 10000\n  underloadedTaskCount: 9\n"
        "  overloadedTaskCount: 8\n  underloadedCpu: 80\n  overloadedCpu: 80\n",
        "x.yaml", {});
    INFO(result.error);
    CHECK(result.ok);
  }
}

TEST_CASE("never throws, whatever the text", "[config]") {
  const std::string text =
      GENERATE(as<std::string>{}, "\t", "{", "[", "a: *undefined", "!!binary x: y", "? [a]\n: 1",
               "stealing: {? {a: 1} : 2}", "\xff\xfe", std::string("a: \0b", 5),
               "nats: &x\n  url: *x", "stealing: !!map\n  enabled: true\n", "%YAML 9.9\n---\na: 1");
  CAPTURE(text);
  LoadResult result;
  REQUIRE_NOTHROW(result = loadString(text, "fuzz.yaml", {}));
  if (!result.ok) CHECK(result.error.rfind("fuzz.yaml", 0) == 0);
}

TEST_CASE("the example deploy/sidecar.yaml loads and equals the defaults", "[config][example]") {
  const std::string path = std::string(WSS_SOURCE_DIR) + "/deploy/sidecar.yaml";
  const LoadResult result = loadFile(path, {});
  INFO(result.error);
  REQUIRE(result.ok);
  checkDefaults(result.config);
  const Config expected;
  const Config& c = result.config;
  CHECK(c.nats.reconnect_wait_ms == expected.nats.reconnect_wait_ms);
  CHECK(c.nats.ping_interval_ms == expected.nats.ping_interval_ms);
  CHECK(c.nats.pending_messages_limit == expected.nats.pending_messages_limit);
  CHECK(c.nats.drain_timeout_ms == expected.nats.drain_timeout_ms);
  CHECK(c.stealing.min_tasks_to_steal == expected.stealing.min_tasks_to_steal);
  CHECK(c.stealing.overloaded_task_count == expected.stealing.overloaded_task_count);
  CHECK(c.stealing.underloaded_task_count == expected.stealing.underloaded_task_count);
  CHECK(c.stealing.underloaded_cpu == expected.stealing.underloaded_cpu);
  CHECK(c.stealing.steal_timeout_ms == expected.stealing.steal_timeout_ms);
  CHECK(c.stealing.agent_timeout_ms == expected.stealing.agent_timeout_ms);
  CHECK(c.stealing.operation_retention_ms == expected.stealing.operation_retention_ms);
  CHECK(c.stealing.max_operations == expected.stealing.max_operations);
  CHECK(c.stealing.duration_window == expected.stealing.duration_window);
  CHECK(c.stealing.default_concurrency == expected.stealing.default_concurrency);
  CHECK(c.stealing.default_task_duration_ms == expected.stealing.default_task_duration_ms);
  CHECK(c.subjects.work_best_agent == expected.subjects.work_best_agent);
  CHECK(c.subjects.work_operations == expected.subjects.work_operations);
  CHECK(c.subjects.work_agents == expected.subjects.work_agents);
}

// Every key the loader accepts. Keep in step with config.cc, deploy/sidecar.yaml and
// docs/configuration.md: the tests below check the last two against this list.
const std::set<std::string>& allKeys() {
  static const std::set<std::string> keys = {
      "nats.url",
      "nats.name",
      "nats.credentialsFile",
      "nats.user",
      "nats.password",
      "nats.token",
      "nats.tls.caFile",
      "nats.tls.certFile",
      "nats.tls.keyFile",
      "nats.connectTimeout",
      "nats.reconnectWait",
      "nats.pingInterval",
      "nats.pendingMessagesLimit",
      "nats.pendingBytesLimit",
      "nats.drainTimeout",
      "subjects.taskAssigned",
      "subjects.taskCompleted",
      "subjects.taskFailed",
      "subjects.agentMetrics",
      "subjects.workSteal",
      "subjects.workStats",
      "subjects.workOperations",
      "subjects.workAgents",
      "subjects.workBestAgent",
      "subjects.queueGroup",
      "stealing.enabled",
      "stealing.stealInterval",
      "stealing.reactive",
      "stealing.reactiveDelay",
      "limits.maxAgents",
      "limits.maxTasks",
      "limits.maxCapabilityNames",
      "limits.maxCapabilitySets",
      "limits.maxIdLength",
      "stealing.stealThreshold",
      "stealing.maxStealBatch",
      "stealing.minTasksToSteal",
      "stealing.overloadedTaskCount",
      "stealing.overloadedCpu",
      "stealing.underloadedTaskCount",
      "stealing.underloadedCpu",
      "stealing.stealTimeout",
      "stealing.agentTimeout",
      "stealing.operationRetention",
      "stealing.maxOperations",
      "stealing.durationWindow",
      "stealing.defaultConcurrency",
      "stealing.defaultTaskDuration",
      "stealing.operationIdPrefix",
      "encoding",
      "log.level",
      "log.format",
      "http.enabled",
      "http.listen",
      "ha.enabled",
      "ha.bucket",
      "ha.bucketReplicas",
      "ha.group",
      "ha.leaseTtl",
      "ha.name",
      "ha.peerRestoreTimeout",
      "state.stream",
      "state.createStream",
      "state.streamMaxAge",
      "state.snapshotInterval",
      "state.snapshotBucket",
      "maintenanceInterval",
  };
  return keys;
}

void collectLeaves(const YAML::Node& node, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& pair : node) {
    const std::string path = prefix + pair.first.Scalar();
    if (pair.second.IsMap()) {
      collectLeaves(pair.second, path + ".", out);
    } else {
      out.insert(path);
    }
  }
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("every key is accepted, and a typo in any of them is not", "[config][coverage]") {
  for (const std::string& key : allKeys()) {
    // A file that nests the key's parent sections and gives the key a bad value.
    std::string yaml;
    std::string indent;
    std::size_t start = 0;
    for (std::size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
      yaml += indent + key.substr(start, dot - start) + ":\n";
      indent += "  ";
      start = dot + 1;
    }
    const std::string leaf = key.substr(start);
    INFO(key);
    const LoadResult typo = loadString(yaml + indent + leaf + "X: 1\n", "k.yaml", {});
    CHECK(typo.error.find("key '" + key + "X': unknown key") != std::string::npos);
    const LoadResult empty = loadString(yaml + indent + leaf + ":\n", "k.yaml", {});
    CHECK(empty.error.find("key '" + key + "': has no value") != std::string::npos);
  }
}

TEST_CASE("the example sets every key, and the docs describe every key", "[config][coverage]") {
  std::set<std::string> in_example;
  collectLeaves(YAML::LoadFile(std::string(WSS_SOURCE_DIR) + "/deploy/sidecar.yaml"), "",
                in_example);
  CHECK(in_example == allKeys());

  const std::string docs = readText(std::string(WSS_SOURCE_DIR) + "/docs/configuration.md");
  REQUIRE_FALSE(docs.empty());
  for (const std::string& key : allKeys()) {
    INFO(key);
    CHECK(docs.find("| `" + key + "` |") != std::string::npos);
  }
}

}  // namespace
}  // namespace wss::config

namespace wss::config {
namespace {

TEST_CASE("stealing.reactive and stealing.reactiveDelay: defaults, values and bounds") {
  const LoadResult defaults = loadString("stealing:\n  enabled: true\n", "r.yaml", {});
  REQUIRE(defaults.ok);
  CHECK(defaults.config.stealing.reactive);
  CHECK(defaults.config.stealing.reactive_delay_ms == 2);

  const LoadResult set =
      loadString("stealing:\n  reactive: false\n  reactiveDelay: 15ms\n", "r.yaml", {});
  REQUIRE(set.ok);
  CHECK_FALSE(set.config.stealing.reactive);
  CHECK(set.config.stealing.reactive_delay_ms == 15);

  const LoadResult too_long = loadString("stealing:\n  reactiveDelay: 1m\n", "r.yaml", {});
  CHECK_FALSE(too_long.ok);
  CHECK(too_long.error.find("key 'stealing.reactiveDelay'") != std::string::npos);
  const LoadResult not_bool = loadString("stealing:\n  reactive: sometimes\n", "r.yaml", {});
  CHECK_FALSE(not_bool.ok);
  CHECK(not_bool.error.find("key 'stealing.reactive'") != std::string::npos);
}

}  // namespace
}  // namespace wss::config

namespace wss::config {
namespace {

TEST_CASE("limits.*: defaults sized for 100k agents, values and bounds") {
  const LoadResult defaults = loadString("", "l.yaml", {});
  REQUIRE(defaults.ok);
  CHECK(defaults.config.stealing.limits.max_agents == 150000);
  CHECK(defaults.config.stealing.limits.max_tasks == 1000000);
  const LoadResult set = loadString(
      "limits:\n  maxAgents: 10\n  maxTasks: 20\n  maxCapabilityNames: 30\n"
      "  maxCapabilitySets: 40\n  maxIdLength: 50\n",
      "l.yaml", {});
  REQUIRE(set.ok);
  const core::Limits& l = set.config.stealing.limits;
  CHECK(l.max_agents == 10);
  CHECK(l.max_tasks == 20);
  CHECK(l.max_capability_names == 30);
  CHECK(l.max_capability_sets == 40);
  CHECK(l.max_id_length == 50);
  const LoadResult zero = loadString("limits:\n  maxAgents: 0\n", "l.yaml", {});
  CHECK_FALSE(zero.ok);
  CHECK(zero.error.find("key 'limits.maxAgents'") != std::string::npos);
}

}  // namespace
}  // namespace wss::config

namespace wss::config {
namespace {

// yaml-cpp 0.7 hangs on these (found by fuzzing): they must fail at once, with the line.
TEST_CASE("YAML that hangs yaml-cpp 0.7 is refused before parsing") {
  const LoadResult comma = loadString("nats:\n  url: x\n, a\n", "h.yaml", {});
  CHECK_FALSE(comma.ok);
  CHECK(comma.error == "h.yaml:3: invalid YAML: a line may not start with ','");
  const LoadResult first = loadString(", nat\n- steag\n", "h.yaml", {});
  CHECK_FALSE(first.ok);
  const LoadResult control = loadString(std::string("nats:\n  url: a\x01\n", 15), "h.yaml", {});
  CHECK_FALSE(control.ok);
  CHECK(control.error.find("h.yaml:2: invalid YAML: control character 1") == 0);
  // Any other input it would parse for ever: a dry run counts its events against a budget.
  for (const char* runaway : {"!,", "! ,\n"}) {
    const LoadResult bang = loadString(runaway, "h.yaml", {});
    CHECK_FALSE(bang.ok);
    CHECK_THAT(bang.error, Catch::Contains("the parser does not finish"));
  }
  const LoadResult flow = loadString("[a], b\n", "h.yaml", {});
  CHECK_FALSE(flow.ok);
  CHECK(flow.error == "h.yaml:1: invalid YAML: ',' after a flow collection outside of one");
  // Commas inside values, quotes, comments and flow sequences are fine.
  CHECK(loadString("nats:\n  url: nats://a:4222, nats://b:4222\n", "h.yaml", {}).ok);
  CHECK(loadString("stealing:\n  operationIdPrefix: '[x],y'  # [a], b\n", "h.yaml", {}).ok);
  CHECK(
      loadString("subjects:\n  taskAssigned: a.b\nlog: {level: info, format: text}\n", "h.yaml", {})
          .ok);
}

}  // namespace
}  // namespace wss::config

namespace wss::config {
namespace {

TEST_CASE("ha: off by default, every key read and checked") {
  const LoadResult none = loadString("", "c.yaml", {});
  REQUIRE(none.ok);
  CHECK_FALSE(none.config.ha.enabled);
  CHECK(none.config.ha.bucket == "wss_leases");
  CHECK(none.config.ha.group == "default");
  CHECK(none.config.ha.lease_ttl_ms == 10'000);
  CHECK(none.config.ha.bucket_replicas == 1);
  const LoadResult set = loadString(
      "ha:\n  enabled: true\n  bucket: leases_2\n  bucketReplicas: 3\n  group: pool.a/x\n"
      "  leaseTtl: 3s\n  name: pod-7\n",
      "c.yaml", {});
  REQUIRE(set.ok);
  CHECK(set.config.ha.enabled);
  CHECK(set.config.ha.bucket == "leases_2");
  CHECK(set.config.ha.bucket_replicas == 3);
  CHECK(set.config.ha.group == "pool.a/x");
  CHECK(set.config.ha.lease_ttl_ms == 3000);
  CHECK(set.config.ha.name == "pod-7");
  CHECK(none.config.ha.peer_restore_timeout_ms == 10'000);
  const LoadResult never = loadString("ha:\n  peerRestoreTimeout: 0\n", "c.yaml", {});
  REQUIRE(never.ok);
  CHECK(never.config.ha.peer_restore_timeout_ms == 0);
  CHECK_THAT(loadString("ha:\n  peerRestoreTimeout: 11m\n", "c.yaml", {}).error,
             Catch::Contains("peerRestoreTimeout"));
  CHECK_THAT(loadString("ha:\n  bucket: a.b\n", "c.yaml", {}).error, Catch::Contains("bucket"));
  CHECK(loadString("ha:\n  bucketReplicas: 5\n", "c.yaml", {}).config.ha.bucket_replicas == 5);
  for (const std::string bad : {"0", "6", "-1", "3.5", "three"}) {
    INFO(bad);
    CHECK_THAT(loadString("ha:\n  bucketReplicas: " + bad + "\n", "c.yaml", {}).error,
               Catch::Contains("ha.bucketReplicas") && Catch::Contains("from 1 to 5"));
  }
  CHECK_THAT(loadString("ha:\n  group: ''\n", "c.yaml", {}).error, Catch::Contains("empty"));
  CHECK_THAT(loadString("ha:\n  leaseTtl: 500ms\n", "c.yaml", {}).error,
             Catch::Contains("leaseTtl"));
  CHECK_THAT(loadString("ha:\n  name: a b\n", "c.yaml", {}).error, Catch::Contains("name"));
  CHECK_THAT(loadString("ha:\n  leader: x\n", "c.yaml", {}).error, Catch::Contains("leader"));
}

}  // namespace
}  // namespace wss::config

namespace wss::config {
namespace {

TEST_CASE("state: off by default, every key read and checked") {
  const LoadResult none = loadString("", "c.yaml", {});
  REQUIRE(none.ok);
  CHECK(none.config.state.stream.empty());
  CHECK_FALSE(none.config.state.create_stream);
  CHECK(none.config.state.stream_max_age_ms == 3'600'000);
  const LoadResult set = loadString(
      "state:\n  stream: WSS_EVENTS\n  createStream: true\n  streamMaxAge: 90m\n", "c.yaml", {});
  REQUIRE(set.ok);
  CHECK(set.config.state.stream == "WSS_EVENTS");
  CHECK(set.config.state.create_stream);
  CHECK(set.config.state.stream_max_age_ms == 90 * 60'000);
  CHECK(loadString("state:\n  stream: ''\n", "c.yaml", {}).ok);  // empty: no stream
}

TEST_CASE("state: snapshots every 30s into wss_state by default, 0 turns them off") {
  const LoadResult none = loadString("", "c.yaml", {});
  REQUIRE(none.ok);
  CHECK(none.config.state.snapshot_interval_ms == 30'000);
  CHECK(none.config.state.snapshot_bucket == "wss_state");
  const LoadResult set = loadString(
      "state:\n  stream: S\n  snapshotInterval: 2m\n  snapshotBucket: my-state_1\n", "c.yaml", {});
  REQUIRE(set.ok);
  CHECK(set.config.state.snapshot_interval_ms == 120'000);
  CHECK(set.config.state.snapshot_bucket == "my-state_1");
  const LoadResult off = loadString("state:\n  snapshotInterval: 0\n", "c.yaml", {});
  REQUIRE(off.ok);
  CHECK(off.config.state.snapshot_interval_ms == 0);
}

TEST_CASE("state: bad snapshot keys name the file, the line and the key") {
  CHECK(loadString("state:\n  snapshotInterval: 500ms\n", "c.yaml", {}).error ==
        "c.yaml:2: key 'state.snapshotInterval': must be 0 (no snapshots) or at least 1s");
  CHECK_THAT(loadString("state:\n  snapshotInterval: 721h\n", "c.yaml", {}).error,
             Catch::StartsWith("c.yaml:2: key 'state.snapshotInterval': '721h' is out of range"));
  CHECK_THAT(loadString("state:\n  snapshotInterval: soon\n", "c.yaml", {}).error,
             Catch::StartsWith("c.yaml:2: key 'state.snapshotInterval': "));
  CHECK(loadString("state:\n  snapshotBucket: a.b\n", "c.yaml", {}).error ==
        "c.yaml:2: key 'state.snapshotBucket': 'a.b' may only hold letters, digits, '_', '-'");
  CHECK(loadString("state:\n  snapshotBucket: ''\n", "c.yaml", {}).error ==
        "c.yaml:2: key 'state.snapshotBucket': must not be empty");
}

TEST_CASE("state: bad values name the file, the line and the key") {
  CHECK(loadString("state:\n  stream: a.b\n", "c.yaml", {}).error ==
        "c.yaml:2: key 'state.stream': 'a.b' may only hold letters, digits, '_', '-'");
  CHECK_THAT(loadString("state:\n  stream: S\n  streamMaxAge: 500ms\n", "c.yaml", {}).error,
             Catch::StartsWith("c.yaml:3: key 'state.streamMaxAge': '500ms' is out of range"));
  CHECK_THAT(loadString("state:\n  createStream: yes please\n", "c.yaml", {}).error,
             Catch::StartsWith("c.yaml:2: key 'state.createStream': expected true or false"));
  CHECK(loadString("state:\n  createStream: true\n", "c.yaml", {}).error ==
        "c.yaml:2: key 'state.createStream': set without state.stream; name the stream to create");
  CHECK_THAT(loadString("state:\n  snapshots: true\n", "c.yaml", {}).error,
             Catch::StartsWith("c.yaml:2: key 'state.snapshots': unknown key"));
}

TEST_CASE("state: a stream and a queue group exclude each other") {
  const LoadResult both = loadString(
      "subjects:\n  queueGroup: sidecars\nstate:\n  stream: EVENTS\n", "c.yaml", {});
  REQUIRE_FALSE(both.ok);
  CHECK_THAT(both.error, Catch::StartsWith("c.yaml:4: key 'state.stream': cannot be combined "
                                           "with subjects.queueGroup"));
  // Either alone is fine.
  CHECK(loadString("subjects:\n  queueGroup: sidecars\n", "c.yaml", {}).ok);
  CHECK(loadString("state:\n  stream: EVENTS\n", "c.yaml", {}).ok);
}

}  // namespace
}  // namespace wss::config
