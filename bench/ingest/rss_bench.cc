// rss-bench: the sidecar's resident memory per agent and per in-flight task, measured the way
// a deployment sees it: RSS of the real daemon (VmRSS) fed through a real nats-server.
//
// Every agent announces itself (metrics with capabilities), completes --durations tasks (a
// full duration window), then keeps --tasks-per-agent tasks in flight. RSS is read once the
// sidecar answers and again once work.stats shows every event processed; the difference over
// the agents and tasks is what each costs, the final RSS what a manifest must allow.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "bench/common/nats_client.h"
#include "sidecar/codec/codec.h"
#include "tests/support/process.h"

namespace {

using wss::bench::NatsClient;
using wss::bench::workStats;

struct Args {
  std::string nats_url = "nats://127.0.0.1:4222";
  std::string sidecar;
  std::size_t agents = 100'000;
  std::size_t durations = 50;
  std::size_t tasks_per_agent = 1;
  std::string log_dir = "/tmp";
};

constexpr const char* kUsage = R"(usage: rss-bench --sidecar FILE [options]
  --nats-url URL          (default nats://127.0.0.1:4222)
  --agents N              agents (default 100000)
  --durations N           completed tasks per agent first: a full window (default 50)
  --tasks-per-agent N     tasks each agent keeps in flight (default 1)
  --log-dir DIR           the sidecar's config and log (default /tmp)
)";

bool parseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    const std::string v = argv[i + 1];
    if (arg == "--nats-url")
      a->nats_url = v;
    else if (arg == "--sidecar")
      a->sidecar = v;
    else if (arg == "--agents")
      a->agents = std::stoul(v);
    else if (arg == "--durations")
      a->durations = std::stoul(v);
    else if (arg == "--tasks-per-agent")
      a->tasks_per_agent = std::stoul(v);
    else if (arg == "--log-dir")
      a->log_dir = v;
    else
      return false;
  }
  return argc % 2 == 1 && !a->sidecar.empty() && a->agents > 0;
}

// VmRSS of `pid` in bytes, 0 when unreadable.
std::size_t rssOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

// Publishes the fleet's life as described above; returns the number of events.
std::uint64_t publishFleet(NatsClient& pub, const Args& args) {
  const auto enc = wss::codec::Encoding::kProtobuf;
  const auto type = wss::codec::contentType(enc);
  std::uint64_t sent = 0;
  const auto send = [&](const char* subject, const wss::core::Event& event) {
    (void)pub.publish(subject, wss::codec::encodeEvent(event, enc), type);
    if (++sent % 10'000 == 0) pub.flush(30'000);
  };
  const auto agent = [](std::size_t a) { return "agent-" + std::to_string(a); };
  for (std::size_t a = 0; a < args.agents; ++a) {
    wss::core::AgentMetrics m;
    m.agent_id = agent(a);
    m.cpu_usage = 40;
    m.memory_usage = 30;
    m.capabilities = {"linux", a % 5 == 0 ? "gpu" : "browser"};
    m.status = wss::core::AgentStatus::kActive;
    m.concurrency = static_cast<std::uint32_t>(args.tasks_per_agent + 1);
    send("agent.metrics", m);
  }
  std::uint64_t task = 0;
  for (std::size_t d = 0; d < args.durations; ++d) {
    for (std::size_t a = 0; a < args.agents; ++a) {
      const std::string id = "t-" + std::to_string(task++);
      send("task.assigned", wss::core::TaskAssigned{agent(a), id, {}, 0});
      send("task.completed", wss::core::TaskCompleted{agent(a), id, 400.0 + 10.0 * (d % 20)});
    }
  }
  for (std::size_t k = 0; k < args.tasks_per_agent; ++k) {
    for (std::size_t a = 0; a < args.agents; ++a) {
      send("task.assigned",
           wss::core::TaskAssigned{agent(a), "t-" + std::to_string(task++), {}, 0});
    }
  }
  pub.flush(30'000);
  return sent;
}

// Waits until work.stats counts `target` processed events; false when it stops rising.
bool waitProcessed(NatsClient& client, std::uint64_t target) {
  std::uint64_t last = 0;
  auto last_rise = std::chrono::steady_clock::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto stats = workStats(client, 2000);
    const auto now = std::chrono::steady_clock::now();
    if (stats) {
      const auto processed = (*stats)["eventsProcessed"].get<std::uint64_t>();
      if (processed >= target) return true;
      if (processed != last) last = processed, last_rise = now;
    }
    if (now - last_rise > std::chrono::seconds(30)) return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parseArgs(argc, argv, &args)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string config = args.log_dir + "/rss-bench.yaml";
  std::ofstream(config) << "nats:\n  url: " << args.nats_url
                        << "\nhttp:\n  enabled: false\nlog:\n  level: warn\n"
                        << "maintenanceInterval: 1s\n";
  std::string error;
  wss::testing::ChildProcess sidecar({args.sidecar, "--config", config},
                                     args.log_dir + "/rss-bench.log");
  auto client = NatsClient::connect(args.nats_url, "rss-bench", &error);
  if (!sidecar.started() || !client) {
    std::fprintf(stderr, "rss-bench: %s\n",
                 sidecar.started() ? error.c_str() : sidecar.error().c_str());
    return 1;
  }
  std::optional<nlohmann::json> stats;
  for (int i = 0; i < 100 && !(stats = workStats(*client, 2000)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!stats) {
    std::fprintf(stderr, "rss-bench: the sidecar never answered work.stats\n");
    return 1;
  }
  const std::size_t rss0 = rssOf(sidecar.pid());
  const std::uint64_t base = (*stats)["eventsProcessed"].get<std::uint64_t>();
  const std::uint64_t events = publishFleet(*client, args);
  if (!waitProcessed(*client, base + events) || !(stats = workStats(*client, 2000))) {
    std::fprintf(stderr, "rss-bench: the sidecar did not process all %llu events\n",
                 static_cast<unsigned long long>(events));
    return 1;
  }
  const std::size_t rss_settling = rssOf(sidecar.pid());
  // Steady state: a maintenance pass (every second here) has given the burst's pages back.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const std::size_t rss1 = rssOf(sidecar.pid());
  const auto agents = (*stats)["totalAgents"].get<std::uint64_t>();
  const auto tasks = (*stats)["inFlightTasks"].get<std::uint64_t>();
  const double grown = static_cast<double>(rss1) - static_cast<double>(rss0);
  std::printf(
      "rss-bench: %llu agents, %llu in-flight tasks, %llu events through %s\n"
      "  RSS %.1f MiB at start, %.1f MiB when the last event was processed, %.1f MiB at rest\n"
      "  %.0f B per agent with its %zu task(s) (goal <= 600 with one), %.0f B per agent or task\n",
      static_cast<unsigned long long>(agents), static_cast<unsigned long long>(tasks),
      static_cast<unsigned long long>(events), args.nats_url.c_str(), rss0 / 1048576.0,
      rss_settling / 1048576.0, rss1 / 1048576.0, grown / static_cast<double>(agents),
      args.tasks_per_agent, grown / static_cast<double>(agents + tasks));
  sidecar.stop();
  return agents == args.agents && tasks == args.agents * args.tasks_per_agent ? 0 : 1;
}
