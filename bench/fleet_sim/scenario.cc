#include "bench/fleet_sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace wss::sim {
namespace {

// Task work: log-normal around 150 ms, clipped to 50-500 ms (agent tasks scaled down).
constexpr double kMedianWorkMs = 150;
constexpr double kWorkSigma = 0.5;
constexpr double kMinWorkMs = 50;
constexpr double kMaxWorkMs = 500;
// Agents announce themselves before the first task arrives.
constexpr Us kWarmupUs = 500 * kUsPerMs;

// Heavy tasks (LLM-call-like): a share of the tasks runs `min_x`-`max_x` times the median.
struct HeavyTail {
  double share = 0;  // 0: every task is the usual log-normal (no extra random draws)
  double min_x = 20;
  double max_x = 40;
};

// Draws task work: the usual clipped log-normal, and with a heavy tail a share of heavy tasks.
// One object per task stream: the normal distribution caches every second value, so keeping
// it is what makes scenarios without a heavy tail draw exactly the tasks they always did.
class WorkDraw {
 public:
  explicit WorkDraw(const HeavyTail& heavy)
      : heavy_(heavy), usual_(std::log(kMedianWorkMs), kWorkSigma) {}

  double operator()(std::mt19937_64& rng) {
    const double usual = std::clamp(usual_(rng), kMinWorkMs, kMaxWorkMs);
    if (heavy_.share <= 0) return usual;  // no extra draw
    if (std::uniform_real_distribution<double>(0, 1)(rng) >= heavy_.share) return usual;
    return kMedianWorkMs * std::uniform_real_distribution<double>(heavy_.min_x, heavy_.max_x)(rng);
  }

 private:
  HeavyTail heavy_;
  std::lognormal_distribution<double> usual_;
};

double meanWorkMs(const HeavyTail& heavy) {
  // Monte Carlo: the clipped log-normal has no neat closed form worth the code.
  std::mt19937_64 rng(7);
  WorkDraw draw(heavy);
  double sum = 0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) sum += draw(rng);
  return sum / kN;
}

AgentSpec makeAgent(std::size_t i, double speed, std::uint32_t concurrency) {
  AgentSpec a;
  a.id = "agent-" + std::to_string(i);
  a.speed = speed;
  a.concurrency = concurrency;
  a.capabilities = {"linux"};
  return a;
}

// Work-ms per second the fleet can do on average over the arrival window.
double capacityWorkMsPerS(const Scenario& s, Us window_start, Us window_end) {
  double total = 0;
  const double window = static_cast<double>(window_end - window_start);
  for (const auto& a : s.agents) {
    const Us from = std::max(a.join_us, window_start);
    const Us to = std::min(a.death_us.value_or(window_end), window_end);
    if (to <= from) continue;
    total += a.speed * a.concurrency * 1000.0 * static_cast<double>(to - from) / window;
  }
  return total;
}

// Poisson arrivals over [kWarmupUs, end) at `load` of the fleet's capacity; `caps` picks each
// task's required capabilities, `heavy` its share of heavy tasks.
template <typename CapsFn>
void addTasks(Scenario& s, std::mt19937_64& rng, double duration_s, double load, CapsFn caps,
              const HeavyTail& heavy = {}) {
  const Us end = kWarmupUs + static_cast<Us>(duration_s * kUsPerS);
  s.arrivals_end_us = end;
  const double capacity = capacityWorkMsPerS(s, kWarmupUs, end);
  const double rate_per_s = load * capacity / meanWorkMs(heavy);
  s.offered_load = load;
  std::exponential_distribution<double> gap_s(rate_per_s);
  WorkDraw work(heavy);
  double t = static_cast<double>(kWarmupUs);
  for (;;) {
    t += gap_s(rng) * kUsPerS;
    if (t >= static_cast<double>(end)) break;
    TaskSpec task;
    task.id = "t-" + std::to_string(s.tasks.size());
    task.arrival_us = static_cast<Us>(t);
    task.work_ms = work(rng);
    task.required_capabilities = caps(rng);
    s.tasks.push_back(std::move(task));
  }
}

std::vector<std::string> noCaps(std::mt19937_64& /*rng*/) { return {}; }

Scenario hotSpots(std::mt19937_64& rng, int agents, double duration_s, double load) {
  Scenario s;
  s.name = "hot-spots";
  s.description = "a few hot agents receive a large share of the tasks";
  s.policy = DispatchPolicy::kHotSpot;
  s.hot_share = 0.25;
  const int n = agents > 0 ? agents : 40;
  const int hot = std::max(1, n / 10);
  for (int i = 0; i < n; ++i) {
    AgentSpec a = makeAgent(i, 1.0, 2);
    a.hot = i < hot;
    s.agents.push_back(std::move(a));
  }
  addTasks(s, rng, duration_s > 0 ? duration_s : 15, load > 0 ? load : 0.5, noCaps);
  return s;
}

Scenario slowAgents(std::mt19937_64& rng, int agents, double duration_s, double load) {
  Scenario s;
  s.name = "slow-agents";
  s.description = "round-robin onto agents of speeds 1.0, 0.6 and 0.25";
  s.policy = DispatchPolicy::kRoundRobin;
  const int n = agents > 0 ? agents : 30;
  constexpr double kSpeeds[] = {1.0, 0.6, 0.25};
  for (int i = 0; i < n; ++i) {
    s.agents.push_back(makeAgent(i, kSpeeds[i % 3], 2));
  }
  addTasks(s, rng, duration_s > 0 ? duration_s : 15, load > 0 ? load : 0.55, noCaps);
  return s;
}

Scenario capabilities(std::mt19937_64& rng, int agents, double duration_s, double load) {
  Scenario s;
  s.name = "capabilities";
  s.description =
      "30% of tasks need gpu (1 agent in 5 has it), 10% need arm (1 in 5); two hot gpu "
      "agents and two hot plain agents";
  s.policy = DispatchPolicy::kHotSpot;
  s.hot_share = 0.3;
  const int n = agents > 0 ? agents : 40;
  for (int i = 0; i < n; ++i) {
    AgentSpec a = makeAgent(i, 1.0, 2);
    if (i % 5 == 0) a.capabilities.push_back("gpu");
    if (i % 5 == 1) a.capabilities.push_back("arm");
    // Hot: the first two gpu agents and two plain ones.
    a.hot = i == 0 || i == 5 || i == 2 || i == 3;
    s.agents.push_back(std::move(a));
  }
  addTasks(s, rng, duration_s > 0 ? duration_s : 15, load > 0 ? load : 0.5,
           [](std::mt19937_64& r) -> std::vector<std::string> {
             const double u = std::uniform_real_distribution<double>(0, 1)(r);
             if (u < 0.3) return {"gpu"};
             if (u < 0.4) return {"arm", "linux"};
             return {"linux"};
           });
  return s;
}

Scenario churn(std::mt19937_64& rng, int agents, double duration_s, double load) {
  Scenario s;
  s.name = "churn";
  s.description = "10 agents join and 8 die holding queued tasks; the dying ones are the busiest";
  s.policy = DispatchPolicy::kHotSpot;
  s.hot_share = 0.3;
  const int n = agents > 0 ? agents : 40;
  const double d = duration_s > 0 ? duration_s : 15;
  const Us end = kWarmupUs + static_cast<Us>(d * kUsPerS);
  std::uniform_int_distribution<Us> when(kWarmupUs + (end - kWarmupUs) / 6,
                                         end - (end - kWarmupUs) / 6);
  const int joiners = std::max(1, n / 4);
  const int dying = std::max(1, n / 5);
  for (int i = 0; i < n + joiners; ++i) {
    AgentSpec a = makeAgent(i, 1.0, 2);
    if (i >= n) a.join_us = when(rng);
    if (i < dying) {
      a.death_us = when(rng);
      a.hot = true;
    }
    s.agents.push_back(std::move(a));
  }
  addTasks(s, rng, d, load > 0 ? load : 0.5, noCaps);
  return s;
}

Scenario scale(std::mt19937_64& rng, int agents, double duration_s, double load) {
  Scenario s;
  s.name = "scale";
  s.description = "2000 agents of speeds 0.5-1.5, 2.5% hot, 10% with gpu";
  s.policy = DispatchPolicy::kHotSpot;
  s.hot_share = 0.1;
  const int n = agents > 0 ? agents : 2000;
  constexpr double kSpeeds[] = {1.0, 0.5, 1.5};
  const int hot = std::max(1, n / 40);
  for (int i = 0; i < n; ++i) {
    AgentSpec a = makeAgent(i, kSpeeds[i % 3], 1);
    if (i % 10 == 1) a.capabilities.push_back("gpu");
    a.hot = i % 3 == 0 && i / 3 < hot;  // hot agents all have speed 1
    s.agents.push_back(std::move(a));
  }
  addTasks(s, rng, duration_s > 0 ? duration_s : 15, load > 0 ? load : 0.3,
           [](std::mt19937_64& r) -> std::vector<std::string> {
             if (std::uniform_real_distribution<double>(0, 1)(r) < 0.1) return {"gpu"};
             return {};
           });
  return s;
}

Scenario heavyTails(std::mt19937_64& rng, int agents, double duration_s, double load) {
  Scenario s;
  s.name = "heavy-tails";
  s.description = "random dispatch; 4% of tasks run 20-40x the median (LLM calls)";
  s.policy = DispatchPolicy::kRandom;
  const int n = agents > 0 ? agents : 40;
  for (int i = 0; i < n; ++i) s.agents.push_back(makeAgent(i, 1.0, 2));
  addTasks(s, rng, duration_s > 0 ? duration_s : 15, load > 0 ? load : 0.55, noCaps,
           HeavyTail{.share = 0.04, .min_x = 20, .max_x = 40});
  return s;
}

}  // namespace

const std::vector<std::string>& scenarioNames() {
  static const std::vector<std::string> names = {"hot-spots", "slow-agents", "capabilities",
                                                 "churn",     "heavy-tails", "scale"};
  return names;
}

std::optional<Scenario> makeScenario(const ScenarioParams& p, std::string* error) {
  if (p.duration_s < 0 || p.agents < 0 || p.load < 0 || p.load > 1.5) {
    if (error != nullptr) *error = "duration, agents and load must be >= 0 (load <= 1.5)";
    return std::nullopt;
  }
  // One stream per scenario name and seed, so scenarios do not share random numbers.
  std::uint64_t name_hash = 1469598103934665603ULL;  // FNV-1a: stable across platforms
  for (const char c : p.name)
    name_hash = (name_hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  std::seed_seq seq{p.seed, name_hash};
  std::mt19937_64 rng(seq);
  std::optional<Scenario> s;
  if (p.name == "hot-spots") s = hotSpots(rng, p.agents, p.duration_s, p.load);
  if (p.name == "slow-agents") s = slowAgents(rng, p.agents, p.duration_s, p.load);
  if (p.name == "capabilities") s = capabilities(rng, p.agents, p.duration_s, p.load);
  if (p.name == "churn") s = churn(rng, p.agents, p.duration_s, p.load);
  if (p.name == "heavy-tails") s = heavyTails(rng, p.agents, p.duration_s, p.load);
  if (p.name == "scale") s = scale(rng, p.agents, p.duration_s, p.load);
  if (!s) {
    if (error != nullptr) *error = "unknown scenario '" + p.name + "'";
    return std::nullopt;
  }
  s->seed = p.seed;
  return s;
}

bool covers(const std::vector<std::string>& have, const std::vector<std::string>& need) {
  return std::all_of(need.begin(), need.end(), [&](const std::string& c) {
    return std::find(have.begin(), have.end(), c) != have.end();
  });
}

}  // namespace wss::sim
