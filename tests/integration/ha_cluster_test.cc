// Several replicas on a 3-node JetStream cluster (ha.bucketReplicas: 3): three sidecars elect
// a leader on a replicated (R3) lease bucket, and a fleet that fences (it drops every order
// whose epoch is below the highest it has seen) checks every order it applies: each named
// task is on the source, the target can run it. Faults: kill -9 of the leader in the middle
// of stealing, a leader SIGSTOPped past its lease and resumed, kill -9 of the nats-server
// that leads the lease bucket's stream.
//
// nats-server 2.9.10's compare-and-set on R3 streams is racy (nats-server issue 4320), so two
// replicas may both win one expiry: the tests assert fencing (no order applied below a
// higher epoch, none naming a task its source does not hold), not one leader at every
// instant.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/support/fleet_client.h"
#include "tests/support/http_probe.h"
#include "tests/support/http_sidecar.h"
#include "tests/support/loopback.h"
#include "tests/support/nats_cluster.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kTtl(2000);
constexpr const char* kStream = "KV_wss_leases";  // the default bucket's stream

std::uint64_t epochOf(const json& order) {
  if (!order.contains("epoch")) return 0;
  const json& epoch = order["epoch"];  // proto3 JSON: a number, or a string
  return epoch.is_string() ? std::stoull(epoch.get<std::string>()) : epoch.get<std::uint64_t>();
}

long long msSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// Three (or more) sidecars with HTTP, all given every server of the cluster.
struct ClusterReplicas {
  ClusterReplicas(const std::string& urls, int count, milliseconds lease_ttl = kTtl)
      : ttl(lease_ttl) {
    for (int i = 0; i < count; ++i) add(urls, 3);
  }
  std::size_t add(const std::string& urls, int bucket_replicas) {
    names.push_back("r" + std::to_string(names.size()));
    ports.push_back(findFreePort());
    SidecarOptions options = SidecarOptions::forServer(urls);
    options.extra_yaml = "ha:\n  enabled: true\n  leaseTtl: " + std::to_string(ttl.count()) +
                         "ms\n  bucketReplicas: " + std::to_string(bucket_replicas) +
                         "\n  name: " + names.back() + "\n";
    processes.push_back(std::make_unique<HttpSidecar>(options, ports.back()));
    paused.push_back(false);
    return processes.size() - 1;
  }
  bool live(std::size_t i) { return !paused[i] && processes[i]->running(); }
  double metric(std::size_t i, const std::string& name) {
    httplib::Client client = httpClient(ports[i]);
    return metricValue(client, name);
  }
  // The replicas that say they lead now, among the live ones.
  std::vector<std::size_t> leaders() {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < processes.size(); ++i) {
      if (live(i) && metric(i, "wss_ha_leader") == 1) out.push_back(i);
    }
    return out;
  }
  // The live replica leading under `epoch`; nullopt when none says so within `timeout`.
  std::optional<std::size_t> leaderOf(std::uint64_t epoch, milliseconds timeout = seconds(5)) {
    std::optional<std::size_t> found;
    (void)eventually(
        [&] {
          for (const std::size_t i : leaders()) {
            if (metric(i, "wss_ha_epoch") == static_cast<double>(epoch)) found = i;
          }
          return found.has_value();
        },
        timeout);
    return found;
  }
  // Every replica subscribed (none misses the events sent next) and one leading.
  bool ready(milliseconds timeout = seconds(20)) {
    return eventually(
        [&] {
          for (const auto& process : processes) {
            if (process->log().find("running: ") == std::string::npos) return false;
          }
          return !leaders().empty();
        },
        timeout);
  }
  // Each live replica's view and the tail of every log: for failure messages.
  std::string describe() {
    std::string out;
    for (std::size_t i = 0; i < processes.size(); ++i) {
      out += names[i] + (paused[i] ? " (paused)" : processes[i]->running() ? "" : " (gone)");
      if (live(i)) {
        out += ": leader " + std::to_string(metric(i, "wss_ha_leader")) + ", epoch " +
               std::to_string(metric(i, "wss_ha_epoch")) + ", lease errors " +
               std::to_string(metric(i, "wss_ha_lease_errors_total"));
      }
      const std::string log = processes[i]->log();
      out += "\n" + log.substr(log.size() > 6000 ? log.size() - 6000 : 0) + "\n----\n";
    }
    return out;
  }
  milliseconds ttl;
  std::vector<std::string> names;
  std::vector<int> ports;
  std::vector<std::unique_ptr<HttpSidecar>> processes;
  std::vector<bool> paused;
};

// A fleet that fences and keeps its own books. It applies an order only when its epoch is at
// least the highest seen; it checks each applied order against its books (every named task on
// the source, the target able to run it, tasksToSteal their number), moves the tasks and
// confirms them (task.assigned on the target). Orders below the highest epoch are dropped and
// kept in fenced(). Test thread only; orders are read from the recorded messages in arrival
// order.
class FencingFleet {
 public:
  explicit FencingFleet(const std::string& url) : fleet_(url) {
    REQUIRE(fleet_.connected());
    REQUIRE(fleet_.client().subscribe("work.steal"));
  }

  // `agent` declares `caps` and holds `count` queued tasks <agent>-t<i>, each needing `needs`.
  void load(const std::string& agent, int count, const std::vector<std::string>& caps,
            const std::vector<std::string>& needs) {
    caps_[agent] = caps;  // the fleet's books; the sidecar learns the agent from its tasks
    for (int i = 0; i < count; ++i) {
      const std::string task = agent + "-t" + std::to_string(i);
      owner_[task] = agent;
      needs_[task] = needs;
      REQUIRE(fleet_.assign(agent, task, needs));
    }
    REQUIRE(fleet_.flush());
  }
  void idle(const std::string& agent, const std::vector<std::string>& caps) {
    caps_[agent] = caps;
    REQUIRE(fleet_.metrics(agent, 1.0, caps, "idle"));
    REQUIRE(fleet_.flush());
  }

  // Applies (or fences off) every order received since the last call.
  void process() {
    const std::vector<ReceivedMessage> all = fleet_.client().received("work.steal");
    for (; next_ < all.size(); ++next_) handle(all[next_].payload);
    (void)fleet_.flush();
  }
  // Processes until an applied order has an epoch above `above` and names an agent of
  // `prefix` (source or target; empty: any); its epoch, or 0 when none came within `timeout`.
  std::uint64_t waitForOrder(std::uint64_t above, milliseconds timeout,
                             const std::string& prefix = "") {
    std::uint64_t found = 0;
    (void)eventually(
        [&] {
          process();
          for (std::size_t i = 0; i < applied_.size() && found == 0; ++i) {
            if (epochOf(applied_[i]) > above && names(applied_[i], prefix)) {
              found = epochOf(applied_[i]);
            }
          }
          return found > 0;
        },
        timeout);
    return found;
  }

  // The sidecar's view (work.agents, any replica) agrees with the books on every agent.
  bool sidecarAgrees(milliseconds timeout = seconds(10)) {
    return eventually(
        [&] {
          process();
          for (const auto& [agent, caps] : caps_) {
            if (fleet_.taskCount(agent) != tasksOn(agent)) return false;
          }
          return true;
        },
        timeout);
  }
  [[nodiscard]] int tasksOn(const std::string& agent) const {
    int count = 0;
    for (const auto& [task, owner] : owner_) count += owner == agent ? 1 : 0;
    return count;
  }
  [[nodiscard]] std::size_t tasks() const { return owner_.size(); }

  [[nodiscard]] std::uint64_t highest() const { return highest_; }
  [[nodiscard]] const std::vector<json>& applied() const { return applied_; }
  [[nodiscard]] const std::vector<json>& fenced() const { return fenced_; }
  // What the books refused: a task not on the source, a target that cannot run it, a count
  // that disagrees. Empty when every applied order was sound.
  [[nodiscard]] const std::vector<std::string>& violations() const { return violations_; }
  // Tasks an applied order named that its source no longer held (a leader acting on a view
  // that missed events): refused task by task, as an agent would, and kept here with the
  // epochs that named them.
  [[nodiscard]] const std::vector<std::string>& stale() const { return stale_; }
  [[nodiscard]] const std::set<std::uint64_t>& staleEpochs() const { return stale_epochs_; }
  // Every task ends (task.completed from the agent the books say holds it).
  void completeAll() {
    for (const auto& [task, owner] : owner_) REQUIRE(fleet_.complete(owner, task, 100.0));
    owner_.clear();
    REQUIRE(fleet_.flush());
  }
  // The epochs of the applied orders, in the order applied.
  [[nodiscard]] std::vector<std::uint64_t> appliedEpochs() const {
    std::vector<std::uint64_t> epochs;
    for (const json& order : applied_) epochs.push_back(epochOf(order));
    return epochs;
  }
  // Orders received (and processed) so far.
  [[nodiscard]] std::size_t received() const { return next_; }
  FleetClient& fleet() { return fleet_; }

 private:
  static bool names(const json& order, const std::string& prefix) {
    return order.value("sourceAgentId", "").rfind(prefix, 0) == 0 ||
           order.value("targetAgentId", "").rfind(prefix, 0) == 0;
  }
  void handle(const std::string& payload) {
    const json order = json::parse(payload, nullptr, false);
    if (order.is_discarded()) {
      violations_.push_back("not JSON: " + payload);
      return;
    }
    const std::uint64_t epoch = epochOf(order);
    if (epoch < highest_) {  // a deposed leader's: never applied
      fenced_.push_back(order);
      return;
    }
    highest_ = epoch;
    applied_.push_back(order);
    const std::string source = order.value("sourceAgentId", "");
    const std::string target = order.value("targetAgentId", "");
    const json ids = order.value("taskIds", json::array());
    if (order.value("tasksToSteal", -1) != static_cast<int>(ids.size())) {
      violations_.push_back("tasksToSteal disagrees with taskIds: " + payload);
    }
    for (const auto& id : ids) apply(id.get<std::string>(), source, target, payload);
  }
  void apply(const std::string& task, const std::string& source, const std::string& target,
             const std::string& payload) {
    const auto owner = owner_.find(task);
    if (owner == owner_.end() || owner->second != source) {
      stale_.push_back("names " + task + ", not on its source (" +
                       (owner == owner_.end() ? "unknown" : "on " + owner->second) +
                       "): " + payload);
      stale_epochs_.insert(epochOf(json::parse(payload)));
      return;
    }
    const std::vector<std::string>& have = caps_[target];
    for (const std::string& need : needs_[task]) {
      if (std::find(have.begin(), have.end(), need) == have.end()) {
        violations_.push_back("hands " + task + " to " + target + ", which lacks " + need + ": " +
                              payload);
        return;
      }
    }
    owner->second = target;
    REQUIRE(fleet_.assign(target, task, needs_[task]));  // the confirmation
  }

  FleetClient fleet_;
  std::map<std::string, std::string> owner_;  // task -> agent, as the fleet applied orders
  std::map<std::string, std::vector<std::string>> needs_;  // task -> required capabilities
  std::map<std::string, std::vector<std::string>> caps_;   // agent -> capabilities
  std::size_t next_ = 0;
  std::uint64_t highest_ = 0;
  std::vector<json> applied_;
  std::vector<json> fenced_;
  std::vector<std::string> violations_;
  std::vector<std::string> stale_;
  std::set<std::uint64_t> stale_epochs_;
};

// A steal opportunity for `prefix`: a busy gpu agent with 20 queued gpu tasks, three idle gpu
// agents, and an idle agent without gpu that must never get one.
void makeWork(FencingFleet& fleet, const std::string& prefix) {
  for (int i = 0; i < 3; ++i) fleet.idle(prefix + "-idle-" + std::to_string(i), {"gpu"});
  fleet.idle(prefix + "-cpu-only", {"cpu"});
  fleet.load(prefix + "-busy", 20, {"gpu"}, {"gpu"});
}

std::string describeOrders(const std::vector<json>& orders) {
  std::string out;
  for (const json& order : orders) out += order.dump() + "\n";
  return out;
}

// What every test ends with: nothing applied below a higher epoch (the fleet's rule), no
// applied order unsound, and the sidecars' view equal to the fleet's books (nothing lost or
// doubled).
// `may_be_stale`: a server died, so a replica may have missed events (core NATS loses what a
// dying server had not forwarded): then orders naming tasks their source no longer holds are
// refused by the books but not a failure, and the sidecars must agree once every task ended.
void checkBooks(FencingFleet& fleet, ClusterReplicas& replicas, bool may_be_stale = false) {
  fleet.process();
  INFO("applied:\n" << describeOrders(fleet.applied()));
  INFO("fenced:\n" << describeOrders(fleet.fenced()));
  for (const std::string& violation : fleet.violations()) {
    INFO(violation);
    CHECK(false);
  }
  for (const std::string& stale : fleet.stale()) {
    INFO(stale);
    CHECK(may_be_stale);
  }
  if (!fleet.stale().empty()) fleet.completeAll();
  const std::vector<std::uint64_t> epochs = fleet.appliedEpochs();
  CHECK(std::is_sorted(epochs.begin(), epochs.end()));
  const bool agrees = fleet.sidecarAgrees();
  if (!agrees) FAIL(replicas.describe());
}

struct ClusterUp {
  ClusterUp() {
    REQUIRE(cluster.running());
    REQUIRE(cluster.waitForJetStream());
  }
  NatsCluster cluster;
};

TEST_CASE("ha-cluster: the lease bucket is made with ha.bucketReplicas replicas",
          "[integration][ha]") {
  ClusterUp up;
  ClusterReplicas replicas(up.cluster.urls(), 3);
  if (!replicas.ready()) FAIL(replicas.describe());
  CHECK(up.cluster.streamReplicas(kStream) == 3);
  // A fourth replica asking for 1 uses the R3 bucket as it is, and says so.
  const std::size_t late = replicas.add(up.cluster.urls(), 1);
  INFO(replicas.describe());
  CHECK(eventually(
      [&] {
        return replicas.processes[late]->log().find(
                   "exists with 3 replicas, not ha.bucketReplicas 1: used as it is") !=
               std::string::npos;
      },
      seconds(10)));
  CHECK(up.cluster.streamReplicas(kStream) == 3);
}

TEST_CASE("ha-cluster: kill -9 of the leader mid-steal: a higher epoch steals within 2 x ttl",
          "[integration][ha]") {
  ClusterUp up;
  ClusterReplicas replicas(up.cluster.urls(), 3);
  FencingFleet fleet(up.cluster.server(0).url());
  if (!replicas.ready()) FAIL(replicas.describe());
  makeWork(fleet, "a");
  const std::uint64_t first = fleet.waitForOrder(0, seconds(10));
  REQUIRE(first > 0);
  const std::optional<std::size_t> leader = replicas.leaderOf(first);
  if (!leader) FAIL(replicas.describe());
  replicas.processes[*leader]->signal(SIGKILL);  // at its first order: mid-round
  const auto killed = Clock::now();
  REQUIRE(eventually([&] { return !replicas.processes[*leader]->running(); }, seconds(2)));

  makeWork(fleet, "b");
  const std::uint64_t next = fleet.waitForOrder(first, seconds(12), "b-");
  const long long failover_ms = msSince(killed);
  INFO(replicas.describe());
  REQUIRE(next > first);
  WARN("first steal of epoch " << next << " " << failover_ms << " ms after the kill of epoch "
                               << first << "'s leader");
  CHECK(failover_ms <= 2 * kTtl.count());
  CHECK(fleet.fenced().empty());  // nothing from the deposed epoch after the new one
  checkBooks(fleet, replicas);
}

TEST_CASE("ha-cluster: a leader paused past its lease publishes nothing under its old epoch",
          "[integration][ha]") {
  ClusterUp up;
  ClusterReplicas replicas(up.cluster.urls(), 3);
  FencingFleet fleet(up.cluster.server(0).url());
  if (!replicas.ready()) FAIL(replicas.describe());
  makeWork(fleet, "a");
  const std::uint64_t first = fleet.waitForOrder(0, seconds(10));
  REQUIRE(first > 0);
  const std::optional<std::size_t> leader = replicas.leaderOf(first);
  if (!leader) FAIL(replicas.describe());
  HttpSidecar& stopped = *replicas.processes[*leader];
  stopped.signal(SIGSTOP);  // at its first order: mid-round
  replicas.paused[*leader] = true;

  // Its lease runs out as another replica sees it: that one leads under a higher epoch.
  std::optional<std::size_t> successor;
  REQUIRE(eventually(
      [&] {
        for (const std::size_t i : replicas.leaders()) {
          if (replicas.metric(i, "wss_ha_epoch") > static_cast<double>(first)) successor = i;
        }
        return successor.has_value();
      },
      seconds(10)));
  makeWork(fleet, "b");
  const std::uint64_t second = fleet.waitForOrder(first, seconds(10), "b-");
  REQUIRE(second > first);

  const std::size_t before_resume = fleet.received();
  stopped.signal(SIGCONT);
  replicas.paused[*leader] = false;
  makeWork(fleet, "c");  // work it would steal if it still believed it led
  INFO(replicas.describe());
  REQUIRE(eventually([&] { return stopped.log().find("ha: lost the lease") != std::string::npos; },
                     seconds(10)));
  REQUIRE(fleet.waitForOrder(first, seconds(10), "c-") >= second);
  CHECK(replicas.metric(*leader, "wss_ha_leader") == 0);
  INFO("orders before the resume: " << before_resume);
  CHECK(fleet.fenced().empty());  // none under the old epoch after the new one
  checkBooks(fleet, replicas);
}

TEST_CASE("ha-cluster: kill -9 of the server leading the lease stream: stealing goes on",
          "[integration][ha]") {
  ClusterUp up;
  ClusterReplicas replicas(up.cluster.urls(), 3);
  if (!replicas.ready()) FAIL(replicas.describe());
  const std::optional<std::string> stream_leader = up.cluster.streamLeader(kStream);
  REQUIRE(stream_leader);
  const std::optional<std::size_t> doomed = up.cluster.indexOf(*stream_leader);
  REQUIRE(doomed);
  // The fleet on a server that stays: what it misses is then the sidecars' loss, not its own.
  const std::size_t stays = (*doomed + 1) % up.cluster.size();
  FencingFleet fleet(up.cluster.server(stays).url());
  makeWork(fleet, "a");
  const std::uint64_t first = fleet.waitForOrder(0, seconds(10));
  REQUIRE(first > 0);

  up.cluster.kill(*doomed);
  const auto killed = Clock::now();
  // The remaining two (a quorum) elect a new leader of the stream.
  const std::optional<std::string> next_leader = up.cluster.streamLeader(kStream, seconds(15));
  REQUIRE(next_leader);
  CHECK(*next_leader != *stream_leader);
  makeWork(fleet, "b");
  const std::uint64_t later = fleet.waitForOrder(first - 1, seconds(20), "b-");
  const long long resumed_ms = msSince(killed);
  INFO(replicas.describe());
  REQUIRE(later >= first);
  // Orders a deposed leader had buffered may arrive late: fenced off, never applied.
  WARN("steals resumed " << resumed_ms << " ms after the kill of stream leader " << *stream_leader
                         << " (now " << *next_leader << "), epoch " << first << " -> " << later
                         << ", " << fleet.fenced().size() << " fenced, " << fleet.stale().size()
                         << " stale task(s) refused");
  // A stale order comes only from a leader that was on the dead server (it reconnected).
  for (const std::uint64_t epoch : fleet.staleEpochs()) {
    INFO("stale orders of epoch " << epoch);
    bool reconnected = false;
    for (const auto& process : replicas.processes) {
      const std::string log = process->log();
      if (log.find("with epoch " + std::to_string(epoch) + "\n") != std::string::npos) {
        reconnected = log.find("reconnected to NATS") != std::string::npos;
      }
    }
    CHECK(reconnected);
  }
  checkBooks(fleet, replicas, true);
}

// The stream is leaderless while its servers elect (1-5 s here), and every lease call gets a
// 503 meanwhile: a lease longer than that (the default 10 s) is renewed under the same epoch
// once the new stream leader answers. (With 2 s, an election that takes 5 s lapses it: then a
// new term, as when the stream leader's server dies.)
TEST_CASE(
    "ha-cluster: the lease stream's leader moves: with a 10 s lease the leader keeps its term",
    "[integration][ha]") {
  ClusterUp up;
  ClusterReplicas replicas(up.cluster.urls(), 3, seconds(10));
  FencingFleet fleet(up.cluster.server(0).url());
  if (!replicas.ready()) FAIL(replicas.describe());
  makeWork(fleet, "a");
  const std::uint64_t first = fleet.waitForOrder(0, seconds(10));
  REQUIRE(first > 0);
  const std::optional<std::size_t> leader = replicas.leaderOf(first);
  if (!leader) FAIL(replicas.describe());
  // Five moves, each while the leader renews every ttl / 3.
  std::string moved_from = up.cluster.streamLeader(kStream).value_or("");
  for (int move = 0; move < 5; ++move) {
    INFO("move " << move);
    REQUIRE(up.cluster.stepDown(kStream));
    // Another server usually wins; on a loaded machine the election can take longer than
    // 10 s, or the same server win again: then it must at least have a leader again.
    if (!eventually(
            [&] { return up.cluster.streamLeader(kStream).value_or(moved_from) != moved_from; },
            seconds(20))) {
      REQUIRE(up.cluster.streamLeader(kStream).has_value());
    }
    moved_from = up.cluster.streamLeader(kStream).value_or("");
  }
  makeWork(fleet, "b");
  const std::uint64_t later = fleet.waitForOrder(0, seconds(10), "b-");
  INFO(replicas.describe());
  CHECK(later == first);  // the same term throughout
  CHECK(replicas.metric(*leader, "wss_ha_terms_lost_total") == 0);
  checkBooks(fleet, replicas);
}

}  // namespace
}  // namespace wss::testing
