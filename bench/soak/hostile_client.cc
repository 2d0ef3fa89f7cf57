// hostile-client: sprays the sidecar's subjects with the probes of issue 8 (garbage bytes,
// deep nesting, invalid UTF-8, NaN and out-of-range numbers, wrong types, payloads near
// max_payload, unknown agents, duplicates, newlines and ANSI escapes in ids, Content-Type lies,
// huge list requests) for scripts/soak, and survives NATS restarts while doing it.
//
//   hostile-client --nats-url nats://127.0.0.1:4222 --rate 100 --json-out out/hostile.json
//   hostile-client --inspect agent- --json-out out/after.json   # the sidecar's view, at the end
//
// Everything it sends stays in its own namespace (agents `hostile-<n>`, tasks `h-<n>`, from
// bounded pools so that a long soak does not grow the sidecar's state by design), and it never
// publishes on work.steal: it attacks the sidecar, not the fleet, so fleet-sim's counters stay
// about the sidecar's moves. On SIGTERM or SIGINT (or after --duration-s) it completes its
// tasks and takes its agents offline, so the sidecar's in-flight count can return to the
// fleet's, then prints what it sent as one JSON object.
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/nats_client.h"

namespace {

constexpr const char* kUsage = R"(usage: hostile-client [options]
  --nats-url URL     default $NATS_URL or nats://127.0.0.1:4222
  --rate N           probes per second (default 100)
  --duration-s S     stop after S seconds (default 0: at SIGTERM or SIGINT)
  --seed N           random seed (default 1)
  --json-out FILE    what was sent, by probe kind, as JSON (also printed on stdout)
  --probes K,K,...   only these kinds (default: all; near-max-payload one probe in 50)
  --inspect PREFIX   send no probe: wait (up to --duration-s, default 15) until the sidecar
                     holds no task and no pending steal on agents whose id starts with PREFIX,
                     then print work.stats and those totals as JSON; exit 1 if it never does
)";

constexpr int kAgentPool = 64;   // hostile-0 .. hostile-63
constexpr int kTaskPool = 1000;  // h-0 .. h-999

std::atomic<bool> g_stop{false};

struct Counts {
  std::map<std::string, std::uint64_t> sent;  // by probe kind
  std::uint64_t publish_errors = 0;
  std::uint64_t requests = 0;
  std::uint64_t replies = 0;  // requests answered (an error reply counts: it answered)
};

class Hostile {
 public:
  Hostile(wss::bench::NatsClient& nats, std::uint64_t seed) : nats_(nats), rng_(seed) {
    assigned("h-1");
    assigned("h-4");
    assigned("h-5");
  }

  // Limits the probes to those named (the kinds of the JSON summary); empty: all of them.
  // False when a name is unknown.
  [[nodiscard]] bool only(const std::set<std::string>& kinds) {
    for (const auto& k : kinds) {
      const auto* const it = std::find_if(std::begin(kProbes), std::end(kProbes),
                                          [&](const Probe& p) { return k == p.kind; });
      if (it == std::end(kProbes)) return false;
      chosen_.push_back(&*it);
    }
    return true;
  }

  // One probe, chosen at random.
  void probe() {
    if (!chosen_.empty()) {
      (this->*chosen_[pick(chosen_.size())]->fn)();
      return;
    }
    // All but the last (near-max-payload), which is expensive for everyone: about one in 50.
    (this->*kProbes[pick(std::size(kProbes) - 1)].fn)();
    if (pick(50) == 0) nearMaxPayload();
  }

  [[nodiscard]] static bool known(const std::string& kind) {
    return std::any_of(std::begin(kProbes), std::end(kProbes),
                       [&](const Probe& p) { return kind == p.kind; });
  }

  [[nodiscard]] static std::string kinds() {
    std::string out;
    for (const auto& p : kProbes) out += std::string(out.empty() ? "" : ", ") + p.kind;
    return out;
  }

  // Completes every task it assigned and takes every pool agent offline.
  void cleanUp() {
    for (const auto& id : assigned_) {
      send("cleanup", "task.completed",
           R"({"agentId":"hostile-0","taskId":")" + id + R"(","duration":5})");
    }
    for (int a = 0; a < kAgentPool; ++a) {
      send("cleanup", "agent.metrics", R"({"agentId":")" + agent(a) + R"(","status":"offline"})");
    }
    nats_.flush(5000);
  }

  [[nodiscard]] const Counts& counts() const { return counts_; }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  static std::string agent(std::size_t n) { return "hostile-" + std::to_string(n); }
  std::string anyAgent() { return agent(pick(kAgentPool)); }
  std::string anyTask() { return "h-" + std::to_string(pick(kTaskPool)); }
  static std::string task(int n) { return "h-" + std::to_string(n); }
  const char* inbound() {
    static constexpr const char* kSubjects[] = {"task.assigned", "task.completed", "task.failed",
                                                "agent.metrics"};
    return kSubjects[pick(4)];
  }

  void send(const char* kind, const std::string& subject, const std::string& payload,
            const char* content_type = "") {
    ++counts_.sent[kind];
    if (nats_.publish(subject, payload, content_type) != NATS_OK) ++counts_.publish_errors;
  }

  void ask(const char* kind, const std::string& subject, const std::string& payload) {
    ++counts_.sent[kind];
    ++counts_.requests;
    // Short: during a SIGSTOP of the server this blocks the probe loop for at most this long.
    if (nats_.request(subject, payload, 1000)) ++counts_.replies;
  }

  void garbage() {
    std::string bytes(1 + pick(2000), '\0');
    for (auto& c : bytes) c = static_cast<char>(pick(256));
    send("garbage", inbound(), bytes, pick(2) == 0 ? "application/protobuf" : "");
  }

  void deepNesting() {
    const std::size_t depth = 1000 + pick(100000);
    std::string s;
    if (pick(2) == 0) {
      s = std::string(depth, '[') + std::string(depth, ']');
    } else {
      for (std::size_t i = 0; i < depth; ++i) s += R"({"a":)";
      s += "1" + std::string(depth, '}');
    }
    send("deep-nesting", inbound(), s);
  }

  void invalidUtf8() {
    send("invalid-utf8", "task.assigned",
         R"({"agentId":"hostile-)" + std::string("\xff\xfe\xc0\x80") + R"(","taskId":")" +
             assigned(anyTask() + "\xed\xa0\x80") + "\"}");
  }

  void poisonNumber() {
    static constexpr const char* kValues[] = {"1e39", "-1",      "1e308",
                                              "NaN",  "\"NaN\"", "Infinity",
                                              "-0",   "1e-320",  "18446744073709551616"};
    const std::string v = kValues[pick(std::size(kValues))];
    if (pick(2) == 0) {
      send("poison-number", "task.completed",
           R"({"agentId":")" + anyAgent() + R"(","taskId":")" + anyTask() + R"(","duration":)" + v +
               "}");
    } else {
      send("poison-number", "agent.metrics",
           R"({"agentId":")" + anyAgent() + R"(","cpuUsage":)" + v + R"(,"memoryUsage":)" + v +
               R"(,"concurrency":4294967295,"status":"active"})");
    }
  }

  void wrongTypes() {
    static constexpr const char* kBodies[] = {
        R"({"agentId":123,"taskId":["h-1"]})",
        R"({"agentId":"hostile-1","taskId":{"a":1}})",
        R"({"agentId":"hostile-2","cpuUsage":"high","capabilities":"gpu"})",
        R"({"agentId":"hostile-3","capabilities":[1,2,null],"status":7})",
        R"({"agentId":null,"taskId":null})",
        R"([1,2,3])",
        R"("just a string")",
        R"({"agentId":"hostile-4","taskId":"h-4","requiredCapabilities":{"gpu":true}})",
        R"({"agentId":"hostile-5","taskId":"h-5","agentId":"hostile-6"})",  // h-4, h-5: pool
        "",
    };
    send("wrong-types", inbound(), kBodies[pick(std::size(kBodies))]);
  }

  // Events of agents the fleet does not have: assignments, completions and failures of tasks
  // that were never assigned, metrics that say busy (never idle: a hostile idle agent would be
  // a steal target the fleet refuses, which says nothing about the sidecar).
  void unknownAgent() {
    const std::string a = anyAgent();
    const std::string t = anyTask();
    switch (pick(4)) {
      case 0:
        send("unknown-agent", "task.assigned",
             R"({"agentId":")" + a + R"(","taskId":")" + assigned(t) + R"("})");
        break;
      case 1:
        send("unknown-agent", "task.completed",
             R"({"agentId":")" + a + R"(","taskId":")" + t + R"(","duration":12})");
        break;
      case 2:
        send("unknown-agent", "task.failed",
             R"({"agentId":")" + a + R"(","taskId":")" + t + R"(","error":"boom"})");
        break;
      default:
        send("unknown-agent", "agent.metrics",
             R"({"agentId":")" + a + R"(","cpuUsage":99,"status":"busy","capabilities":["gpu"]})");
    }
  }

  void duplicate() {
    const std::string body = R"({"agentId":")" + anyAgent() + R"(","taskId":")" +
                             assigned(anyTask()) + R"(","duration":7})";
    const char* subject = pick(2) == 0 ? "task.assigned" : "task.completed";
    send("duplicate", subject, body);
    send("duplicate", subject, body);
  }

  void forgedIds() {
    // A newline and ANSI escapes in ids: a text log line must not be forged by them.
    const std::string forged =
        R"(hostile-\n2026-12-02 [info] FORGED line\u001b[31m\u001b[2J\r)" + std::to_string(pick(8));
    const std::string id = assigned(R"(h-\n\u001b[0m)" + std::to_string(pick(8)));
    send("forged-ids", pick(2) == 0 ? "task.assigned" : "agent.metrics",
         R"({"agentId":")" + forged + R"(","taskId":")" + id + R"(","status":"busy"})");
  }

  void contentTypeLie() {
    // JSON labelled protobuf, and the other way round (a protobuf-looking byte string).
    if (pick(2) == 0) {
      send("content-type-lie", inbound(),
           R"({"agentId":")" + anyAgent() + R"(","taskId":")" + assigned("h-1") + R"("})",
           "application/protobuf");
    } else {
      send("content-type-lie", inbound(), std::string("\x0a\x05hosti\x12\x03h-1", 12),
           "application/json");
    }
  }

  void longIds() {
    send("long-ids", "task.assigned",
         R"({"agentId":")" + std::string(300 + pick(70000), 'A') + R"(","taskId":")" +
             std::string(257, 'T') + R"("})");
  }

  void manyCapabilities() {
    // Names from a bounded pool: distinct enough to churn sets, bounded so RSS can stay flat.
    std::string caps;
    const std::size_t n = 1 + pick(200);
    for (std::size_t i = 0; i < n; ++i) {
      caps += (i > 0 ? "," : "") + std::string("\"cap-") + std::to_string(pick(500)) + "\"";
    }
    send("many-capabilities", "agent.metrics",
         R"({"agentId":")" + anyAgent() + R"(","status":"busy","capabilities":[)" + caps + "]}");
  }

  void listRequest() {
    static constexpr const char* kSubjects[] = {"work.agents", "work.operations"};
    ask("list-request", kSubjects[pick(2)], R"({"limit":100000})");
  }

  void garbageRequest() {
    static constexpr const char* kSubjects[] = {"work.stats", "work.agents", "work.operations",
                                                "work.bestAgent"};
    static constexpr const char* kBodies[] = {R"({"requiredCapabilities":[1,{}]})",
                                              R"({"limit":-1})",
                                              R"({"limit":1e39})",
                                              R"({"after":"\u0000"})",
                                              "\xff\xff",
                                              R"({"requiredCapabilities":"gpu"})"};
    ask("garbage-request", kSubjects[pick(4)], kBodies[pick(std::size(kBodies))]);
  }

  void nearMaxPayload() {
    const auto max = static_cast<std::size_t>(natsConnection_GetMaxPayload(nats_.raw()));
    if (max < 1024) return;
    // A valid-looking event whose error text fills the payload to within 100-600 bytes of it.
    const std::string head =
        R"({"agentId":")" + anyAgent() + R"(","taskId":")" + anyTask() + R"(","error":")";
    const std::size_t fill = max - head.size() - 2 - 100 - pick(500);
    send("near-max-payload", "task.failed", head + std::string(fill, 'x') + "\"}");
  }

  // `id` as JSON string text (escapes kept): what cleanUp() completes. Bounded by the pools.
  const std::string& assigned(std::string id) { return *assigned_.insert(std::move(id)).first; }

  struct Probe {
    const char* kind;
    void (Hostile::*fn)();
  };
  static constexpr Probe kProbes[] = {
      {"garbage", &Hostile::garbage},
      {"deep-nesting", &Hostile::deepNesting},
      {"invalid-utf8", &Hostile::invalidUtf8},
      {"poison-number", &Hostile::poisonNumber},
      {"wrong-types", &Hostile::wrongTypes},
      {"unknown-agent", &Hostile::unknownAgent},
      {"duplicate", &Hostile::duplicate},
      {"forged-ids", &Hostile::forgedIds},
      {"content-type-lie", &Hostile::contentTypeLie},
      {"long-ids", &Hostile::longIds},
      {"many-capabilities", &Hostile::manyCapabilities},
      {"list-request", &Hostile::listRequest},
      {"garbage-request", &Hostile::garbageRequest},
      {"near-max-payload", &Hostile::nearMaxPayload},  // last: see probe()
  };

  wss::bench::NatsClient& nats_;
  std::vector<const Probe*> chosen_;
  std::mt19937_64 rng_;
  Counts counts_;
  std::set<std::string> assigned_;
};

std::string toJson(const Counts& c, double seconds) {
  std::string out = "{\"seconds\":" + std::to_string(seconds) + ",\"sent\":{";
  std::uint64_t total = 0;
  bool first = true;
  for (const auto& [kind, n] : c.sent) {
    out += (first ? "\"" : ",\"") + kind + "\":" + std::to_string(n);
    first = false;
    total += n;
  }
  out += "},\"total\":" + std::to_string(total) +
         ",\"publishErrors\":" + std::to_string(c.publish_errors) +
         ",\"requests\":" + std::to_string(c.requests) +
         ",\"replies\":" + std::to_string(c.replies) + "}";
  return out;
}

// The sidecar's view of the agents whose id starts with `prefix`: every page of work.agents.
nlohmann::json inspectOnce(wss::bench::NatsClient& nats, const std::string& prefix) {
  nlohmann::json out = {{"answered", false}};
  const auto stats = nats.request("work.stats", "", 2000);
  if (!stats) return out;
  out["stats"] = nlohmann::json::parse(*stats, nullptr, false);
  std::uint64_t agents = 0;
  std::uint64_t tasks = 0;
  std::uint64_t steals = 0;
  std::uint64_t others = 0;
  std::string after;
  for (int page = 0; page < 10000; ++page) {
    nlohmann::json req = {{"limit", 1000}};
    if (!after.empty()) req["after"] = after;
    const auto reply = nats.request("work.agents", req.dump(), 2000);
    if (!reply) return out;
    const auto j = nlohmann::json::parse(*reply, nullptr, false);
    if (j.is_discarded() || !j.contains("agents")) return out;
    for (const auto& a : j["agents"]) {
      if (a.value("agentId", "").rfind(prefix, 0) != 0) {
        ++others;
        continue;
      }
      ++agents;
      tasks += a.value("taskCount", 0ULL);
      steals += a.value("incomingSteals", 0ULL) + a.value("outgoingSteals", 0ULL);
    }
    if (!j.contains("next")) break;
    after = j["next"].get<std::string>();
  }
  out["answered"] = true;
  out["prefix"] = prefix;
  out["agents"] = agents;
  out["tasks"] = tasks;
  out["pendingSteals"] = steals;
  out["otherAgents"] = others;
  return out;
}

int inspect(wss::bench::NatsClient& nats, const std::string& prefix, double wait_s,
            const std::string& json_out) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  nlohmann::json view;
  bool drained = false;
  for (;;) {
    view = inspectOnce(nats, prefix);
    drained = view["answered"].get<bool>() && view["tasks"] == 0 && view["pendingSteals"] == 0;
    if (drained || std::chrono::steady_clock::now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  view["drained"] = drained;
  std::printf("%s\n", view.dump().c_str());
  if (!json_out.empty()) std::ofstream(json_out, std::ios::trunc) << view.dump(2) << '\n';
  return drained ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env_url = std::getenv("NATS_URL");
  std::string url = env_url != nullptr ? env_url : "nats://127.0.0.1:4222";
  double rate = 100;
  double duration_s = 0;
  std::uint64_t seed = 1;
  std::string json_out;
  std::string inspect_prefix;
  std::set<std::string> probes;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "hostile-client: %s needs a value\n%s", arg.c_str(), kUsage);
      return 2;
    }
    const std::string v = argv[++i];
    try {
      if (arg == "--nats-url") {
        url = v;
      } else if (arg == "--rate") {
        rate = std::stod(v);
      } else if (arg == "--duration-s") {
        duration_s = std::stod(v);
      } else if (arg == "--seed") {
        seed = std::stoull(v);
      } else if (arg == "--json-out") {
        json_out = v;
      } else if (arg == "--probes") {
        for (std::size_t at = 0; at <= v.size();) {
          const std::size_t comma = std::min(v.find(',', at), v.size());
          if (comma > at) probes.insert(v.substr(at, comma - at));
          at = comma + 1;
        }
      } else if (arg == "--inspect") {
        inspect_prefix = v;
      } else {
        std::fprintf(stderr, "hostile-client: unknown option %s\n%s", arg.c_str(), kUsage);
        return 2;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "hostile-client: bad value for %s: %s\n", arg.c_str(), v.c_str());
      return 2;
    }
  }
  if (rate <= 0 || duration_s < 0) {
    std::fprintf(stderr, "hostile-client: --rate must be > 0 and --duration-s >= 0\n");
    return 2;
  }

  for (const auto& k : probes) {
    if (!Hostile::known(k)) {
      std::fprintf(stderr, "hostile-client: unknown probe kind '%s'; known: %s\n", k.c_str(),
                   Hostile::kinds().c_str());
      return 2;
    }
  }
  std::string error;
  const auto nats = wss::bench::NatsClient::connect(url, "hostile-client", &error);
  if (!nats) {
    std::fprintf(stderr, "hostile-client: %s\n", error.c_str());
    return 1;
  }
  if (!inspect_prefix.empty()) {
    return inspect(*nats, inspect_prefix, duration_s > 0 ? duration_s : 15, json_out);
  }
  std::signal(SIGTERM, [](int) { g_stop.store(true); });
  std::signal(SIGINT, [](int) { g_stop.store(true); });

  Hostile hostile(*nats, seed);
  if (!hostile.only(probes)) return 2;  // checked above
  const auto start = std::chrono::steady_clock::now();
  const auto period = std::chrono::duration<double>(1.0 / rate);
  auto next = start;
  while (!g_stop.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (duration_s > 0 && now - start >= std::chrono::duration<double>(duration_s)) break;
    if (now < next) {
      std::this_thread::sleep_for(next - now);
      continue;
    }
    hostile.probe();
    // Behind schedule (a blocked request): skip ahead rather than burst to catch up.
    next = std::max(next + std::chrono::duration_cast<std::chrono::steady_clock::duration>(period),
                    now - std::chrono::milliseconds(100));
  }
  hostile.cleanUp();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string summary = toJson(hostile.counts(), seconds);
  std::printf("%s\n", summary.c_str());
  if (!json_out.empty()) {
    std::ofstream out(json_out, std::ios::trunc);
    out << summary << '\n';
    if (!out) {
      std::fprintf(stderr, "hostile-client: cannot write %s\n", json_out.c_str());
      return 1;
    }
  }
  return 0;
}
