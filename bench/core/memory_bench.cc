// Resident memory per agent and per in-flight task of the core alone, measured as heap bytes
// in use (mallinfo2, mapped blocks included) and as RSS growth. bench/ingest/rss-bench measures
// the whole daemon through NATS. Goal: < 1 KiB per agent plus 128 B per in-flight task.
#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "sidecar/core/coordinator.h"

namespace {

// In use from the heap arenas plus the big blocks glibc maps on their own (tables past its mmap
// threshold: the agent table, the task records, the indexes).
std::size_t heapBytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::size_t rssBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint32_t agents = argc > 1 ? static_cast<std::uint32_t>(std::stoul(argv[1])) : 100'000;
  const std::uint32_t tasks_per_agent =
      argc > 2 ? static_cast<std::uint32_t>(std::stoul(argv[2])) : 10;
  wss::core::Coordinator coordinator{wss::core::CoordinatorConfig{}};
  wss::core::TimeMs now = 1'000'000;

  const std::size_t heap0 = heapBytes();
  const std::size_t rss0 = rssBytes();
  // Agents as a fleet describes them: metrics, capabilities and a full duration window.
  for (std::uint32_t i = 0; i < agents; ++i) {
    wss::core::AgentMetrics m;
    m.agent_id = "agent-" + std::to_string(i);
    m.cpu_usage = 42;
    m.memory_usage = 40;
    m.capabilities = {"python", i % 2 == 0 ? "gpu" : "browser"};
    m.status = wss::core::AgentStatus::kActive;
    (void)coordinator.apply(m, now);
    for (int d = 0; d < 50; ++d) {
      std::string task = "warmup-" + std::to_string(i) + "-" + std::to_string(d);
      (void)coordinator.apply(wss::core::TaskAssigned{m.agent_id, task, {}, 0}, now);
      (void)coordinator.apply(wss::core::TaskCompleted{m.agent_id, task, 500.0 + d}, now);
    }
  }
  const std::size_t heap1 = heapBytes();
  const std::size_t rss1 = rssBytes();
  // In-flight tasks with realistic ids (UUID-like ids would add their own length).
  std::uint64_t task_count = 0;
  for (std::uint32_t i = 0; i < agents; ++i) {
    const std::string agent = "agent-" + std::to_string(i);
    for (std::uint32_t t = 0; t < tasks_per_agent; ++t) {
      std::vector<std::string> need;
      if (t % 4 == 0) need = {"python"};
      (void)coordinator.apply(
          wss::core::TaskAssigned{agent, "t-" + std::to_string(task_count++), need, 0}, now);
    }
  }
  const std::size_t heap2 = heapBytes();
  const std::size_t rss2 = rssBytes();

  const double per_agent = static_cast<double>(heap1 - heap0) / agents;
  const double per_task = static_cast<double>(heap2 - heap1) / static_cast<double>(task_count);
  const double rss_agent = static_cast<double>(rss1 - rss0) / agents;
  const double rss_task = static_cast<double>(rss2 - rss1) / static_cast<double>(task_count);
  std::printf(
      "{\"agents\":%u,\"tasks\":%llu,\"heapBytesPerAgent\":%.0f,\"heapBytesPerTask\":%.0f,"
      "\"rssBytesPerAgent\":%.0f,\"rssBytesPerTask\":%.0f,\"inFlight\":%llu}\n",
      agents, static_cast<unsigned long long>(task_count), per_agent, per_task, rss_agent, rss_task,
      static_cast<unsigned long long>(coordinator.stats(now).in_flight_tasks));
  const bool ok = per_agent < 1024 && per_task < 128;
  std::fprintf(stderr, "memory: %.0f B/agent (goal < 1024), %.0f B/task (goal < 128): %s\n",
               per_agent, per_task, ok ? "within goal" : "OVER GOAL");
  return 0;
}
