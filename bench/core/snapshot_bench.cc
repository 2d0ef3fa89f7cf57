// Peer snapshot cost (issue 9): a fleet of N agents each holding T tasks (ids like a fleet's,
// "agent-123/task-7"), timed step by step: image() and encode on the serving replica's owner
// thread, split into 1 MiB pieces, then assemble, decode and restore on the starting one.
// Prints one line per size: bytes, pieces, and each step's wall time (best of 3 runs).
//
//   build/bin/snapshot_bench                 # 100,000 agents x 10 tasks (1M in flight)
//   build/bin/snapshot_bench 10000 10
//
// The same steps price KV snapshots of the state stream (state.snapshotInterval): "image" is
// what the owner thread pays every interval; encode and split run on the snapshot writer's
// thread; assemble, decode and restore are a start's restore, before it replays the stream
// after the snapshot (at the rate of bench/ingest). The KV round trips themselves (one put per
// piece, then the head; one get each at start) are not in these figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sidecar/core/coordinator.h"
#include "sidecar/snapshot/chunks.h"
#include "sidecar/snapshot/snapshot_codec.h"

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

wss::core::Coordinator fleet(std::uint32_t agents, std::uint32_t tasks) {
  wss::core::CoordinatorConfig config;
  config.limits.max_agents = agents + 1;
  config.limits.max_tasks = agents * tasks + 1;
  wss::core::Coordinator c(config);
  const wss::core::TimeMs now = 1'000'000;
  for (std::uint32_t a = 0; a < agents; ++a) {
    const std::string id = "agent-" + std::to_string(a);
    wss::core::AgentMetrics m;
    m.agent_id = id;
    m.cpu_usage = 40;
    m.capabilities = {"python", a % 4 == 0 ? "gpu" : "browser"};
    (void)c.apply(m, now);
    for (std::uint32_t t = 0; t < tasks; ++t) {
      (void)c.apply(wss::core::TaskAssigned{id, id + "/task-" + std::to_string(t), {}, 0}, now);
    }
    (void)c.apply(wss::core::TaskCompleted{id, id + "/task-0", 500.0 + a % 1000}, now);
  }
  return c;
}

struct Times {
  double image = 1e18, encode = 1e18, split = 1e18, assemble = 1e18, decode = 1e18,
         restore = 1e18;
};

void keepBest(double& best, double value) { best = std::min(best, value); }

}  // namespace

int main(int argc, char** argv) {
  const auto agents = static_cast<std::uint32_t>(argc > 1 ? std::atoi(argv[1]) : 100'000);
  const auto tasks = static_cast<std::uint32_t>(argc > 2 ? std::atoi(argv[2]) : 10);
  const wss::core::Coordinator source = fleet(agents, tasks);
  Times best;
  std::size_t bytes = 0;
  std::size_t pieces = 0;
  for (int run = 0; run < 3; ++run) {
    auto t = Clock::now();
    wss::snapshot::Snapshot snapshot{source.image(2'000'000), {}, 0};
    keepBest(best.image, msSince(t));
    t = Clock::now();
    const std::string encoded = wss::snapshot::encode(snapshot);
    keepBest(best.encode, msSince(t));
    t = Clock::now();
    const auto split = wss::snapshot::split(encoded, 1, 1024 * 1024);
    keepBest(best.split, msSince(t));
    t = Clock::now();
    wss::snapshot::Assembler assembler(encoded.size());
    for (const auto& piece : split) (void)assembler.add(piece);
    keepBest(best.assemble, msSince(t));
    t = Clock::now();
    const wss::snapshot::DecodeResult decoded = wss::snapshot::decode(assembler.bytes());
    keepBest(best.decode, msSince(t));
    t = Clock::now();
    wss::core::Coordinator restored(source.config());
    const wss::core::RestoreResult result = restored.restore(decoded.snapshot.image, 5'000'000);
    keepBest(best.restore, msSince(t));
    if (!decoded.ok || !result.ok || result.tasks != source.stats(2'000'000).in_flight_tasks) {
      std::fprintf(stderr, "round trip failed: %s%s\n", decoded.error.c_str(),
                   result.error.c_str());
      return 1;
    }
    bytes = encoded.size();
    pieces = split.size();
  }
  std::printf(
      "agents=%u tasks_in_flight=%llu bytes=%zu (%.0f per task) pieces=%zu | serving: image "
      "%.0f ms, encode %.0f ms, split %.0f ms | starting: assemble %.0f ms, decode %.0f ms, "
      "restore %.0f ms\n",
      agents, static_cast<unsigned long long>(source.stats(2'000'000).in_flight_tasks), bytes,
      static_cast<double>(bytes) / std::max<double>(1, static_cast<double>(agents) * (tasks - 1)),
      pieces, best.image, best.encode, best.split, best.assemble, best.decode, best.restore);
  return 0;
}
