#include "bench/fleet_sim/replica_set.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "tests/support/http_probe.h"
#include "tests/support/loopback.h"
#include "tests/support/process.h"

extern char** environ;

namespace wss::sim {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string besideThisBinary(const std::string& name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? name : (self.parent_path() / name).string();
}

// This process's environment without NATS_URL, which would override the replica's nats.url.
std::vector<std::string> childEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "NATS_URL=", 9) != 0) env.emplace_back(*e);
  }
  return env;
}

std::vector<char*> cStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Forks and execs `argv` with `env`, stdout and stderr appended to `log`. Unlike
// wss::testing::spawn(), the child asks for SIGKILL when the thread that forked it ends
// (PR_SET_PDEATHSIG), so a replica never outlives fleet-sim, however fleet-sim ends. Only
// async-signal-safe calls after fork. The PID, or -1.
pid_t spawnWithDeathSignal(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env, const std::string& log) {
  std::vector<char*> args = cStrings(argv);
  std::vector<char*> envp = cStrings(env);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
  if (const int in = open("/dev/null", O_RDONLY | O_CLOEXEC); in >= 0) dup2(in, STDIN_FILENO);
  if (const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644); fd >= 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
  }
  sigset_t none;  // the child is single-threaded: sigprocmask is its own mask
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe)
  execve(args[0], args.data(), envp.data());
  _exit(127);
}

// The last warning or error in a replica's log (else its last line), for messages.
std::string lastComplaint(const std::string& path) {
  std::istringstream lines(testing::readFile(path));
  std::string line, last, complaint;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    last = line;
    if (line.find("[warn") != std::string::npos || line.find("[err") != std::string::npos) {
      complaint = line;
    }
  }
  return complaint.empty() ? last : complaint;
}

struct Replica {
  std::string name;
  int http_port = 0;
  std::string config_path;
  std::string log_path;
  pid_t pid = -1;                               // -1: not running
  std::optional<Clock::time_point> restart_at;  // killed by us, to start again then
};

// One replica's view of itself on /metrics.
struct Leadership {
  bool leading = false;
  std::uint64_t epoch = 0;
};

std::optional<Leadership> readLeadership(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(milliseconds(300));
  client.set_read_timeout(milliseconds(1000));
  const double leader = testing::metricValue(client, "wss_ha_leader");
  if (leader < 0) return std::nullopt;
  const double epoch = testing::metricValue(client, "wss_ha_epoch");
  return Leadership{leader >= 1, epoch > 0 ? static_cast<std::uint64_t>(epoch) : 0};
}

}  // namespace

struct ReplicaSet::Manager {
  explicit Manager(ReplicaSetOptions o) : options(std::move(o)) {
    if (options.sidecar_bin.empty())
      options.sidecar_bin = besideThisBinary("work-stealing-sidecar");
  }

  ReplicaSetOptions options;
  std::optional<testing::TempDir> temp_dir;  // when no log_dir is given
  std::vector<std::string> env = childEnvironment();
  std::vector<Replica> replicas;  // the manager thread's, once it runs
  std::thread thread;

  std::mutex mutex;  // guards what follows
  std::condition_variable cv;
  bool stop = false;
  enum class Phase : std::uint8_t { kStarting, kLeading, kFailed } phase = Phase::kStarting;
  std::string start_error;
  bool killing = false;
  Clock::time_point next_kill;
  Clock::time_point last_kill;
  std::vector<std::pair<Clock::time_point, LeaderKill>> kills;
  std::uint64_t kills_missed = 0;
  std::uint64_t restarts = 0;
  std::uint64_t unexpected_exits = 0;

  // --- configs (caller's thread, before the manager runs) --------------------------------

  bool writeConfigs(std::string* error) {
    std::string dir = options.log_dir;
    if (dir.empty()) dir = temp_dir.emplace().path();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    YAML::Node base;
    try {
      if (!options.base_config.empty()) base = YAML::LoadFile(options.base_config);
    } catch (const YAML::Exception& e) {
      *error = options.base_config + ": " + e.what();
      return false;
    }
    for (int i = 0; i < options.replicas; ++i) {
      Replica r;
      r.name = "r" + std::to_string(i);
      r.http_port = testing::findFreePort();
      r.config_path = dir + "/" + r.name + ".yaml";
      r.log_path = dir + "/" + r.name + ".log";
      if (!writeConfig(base, r)) {
        *error = "cannot write " + r.config_path;
        return false;
      }
      replicas.push_back(std::move(r));
    }
    return true;
  }

  bool writeConfig(const YAML::Node& base, const Replica& r) const {
    YAML::Node config = YAML::Clone(base);
    if (!config.IsMap()) config = YAML::Node(YAML::NodeType::Map);
    config["nats"]["url"] = options.nats_url;
    config["ha"]["enabled"] = true;
    config["ha"]["name"] = r.name;
    config["http"]["enabled"] = true;
    config["http"]["listen"] = "127.0.0.1:" + std::to_string(r.http_port);
    std::ofstream out(r.config_path, std::ios::trunc);
    out << "# written by fleet-sim --ha-replicas\n" << config << '\n';
    return static_cast<bool>(out);
  }

  // --- the manager thread ----------------------------------------------------------------

  bool spawn(Replica& r) {
    r.pid = spawnWithDeathSignal({options.sidecar_bin, "--config", r.config_path}, env, r.log_path);
    r.restart_at.reset();
    return r.pid > 0;
  }

  // The live replica that says it leads (the highest epoch, should two say so); -1: none.
  int findLeader(std::uint64_t* epoch) {
    int found = -1;
    for (std::size_t i = 0; i < replicas.size(); ++i) {
      if (replicas[i].pid <= 0) continue;
      const auto l = readLeadership(replicas[i].http_port);
      if (l && l->leading && (found < 0 || l->epoch > *epoch)) {
        found = static_cast<int>(i);
        *epoch = l->epoch;
      }
    }
    return found;
  }

  // Waits for `pred` (polled every 100 ms) until `deadline` or stop; true when it held.
  template <typename Pred>
  bool pollUntil(Clock::time_point deadline, Pred pred) {
    for (;;) {
      if (pred()) return true;
      std::unique_lock lock(mutex);
      const auto wake = std::min(deadline, Clock::now() + milliseconds(100));
      if (cv.wait_until(lock, wake, [&] { return stop; }) || Clock::now() >= deadline) {
        return false;
      }
    }
  }

  void setPhase(Phase p, std::string error = {}) {
    const std::lock_guard lock(mutex);
    phase = p;
    start_error = std::move(error);
    cv.notify_all();
  }

  void run(Clock::time_point leader_deadline) {
    for (auto& r : replicas) {
      if (!spawn(r)) {
        stopAll();
        return setPhase(Phase::kFailed, "cannot start " + options.sidecar_bin);
      }
    }
    std::uint64_t epoch = 0;
    bool all_ended = false;
    const auto leads = [&] {
      checkExits();
      all_ended = std::none_of(replicas.begin(), replicas.end(),
                               [](const Replica& r) { return r.pid > 0; });
      return all_ended || findLeader(&epoch) >= 0;
    };
    if (!pollUntil(leader_deadline, leads) || all_ended) {
      const std::string why = (all_ended ? "every replica ended" : "no replica became leader") +
                              std::string(" (JetStream on?); ") + replicas[0].name +
                              " said: " + lastComplaint(replicas[0].log_path);
      stopAll();
      return setPhase(Phase::kFailed, why);
    }
    setPhase(Phase::kLeading);
    while (turn()) {
    }
    stopAll();
  }

  // One turn of the manager's loop: exits, restarts, a kill when due. False once stopped.
  bool turn() {
    checkExits();
    restartDue();
    bool kill_due = false;
    {
      std::unique_lock lock(mutex);
      Clock::time_point wake = Clock::now() + milliseconds(200);
      if (killing) wake = std::min(wake, next_kill);
      for (const auto& r : replicas) {
        if (r.restart_at) wake = std::min(wake, *r.restart_at);
      }
      if (cv.wait_until(lock, wake, [&] { return stop; })) return false;
      kill_due = killing && Clock::now() >= next_kill;
      if (kill_due) {
        next_kill += std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(options.kill_every_s));
        killing = next_kill <= last_kill;
      }
    }
    if (kill_due) killLeader();
    return true;
  }

  void killLeader() {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options.kill_every_s));
    std::uint64_t epoch = 0;
    int leader = -1;
    const bool found = pollUntil(deadline, [&] {
      checkExits();
      restartDue();
      return (leader = findLeader(&epoch)) >= 0;
    });
    const std::lock_guard lock(mutex);
    if (!found) {
      if (!stop) ++kills_missed;
      return;
    }
    Replica& r = replicas[static_cast<std::size_t>(leader)];
    const auto at = Clock::now();
    testing::killAndReap(r.pid);
    r.pid = -1;
    r.restart_at = at + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(options.restart_after_s));
    LeaderKill kill;
    kill.replica = r.name;
    kill.epoch = epoch;
    kills.emplace_back(at, std::move(kill));
  }

  void restartDue() {
    for (auto& r : replicas) {
      if (!r.restart_at || Clock::now() < *r.restart_at) continue;
      if (spawn(r)) {
        const std::lock_guard lock(mutex);
        ++restarts;
      } else {
        std::fprintf(stderr, "fleet-sim: cannot restart replica %s\n", r.name.c_str());
      }
    }
  }

  // A replica that ended without being killed is counted, reported and left down.
  void checkExits() {
    for (auto& r : replicas) {
      if (r.pid <= 0) continue;
      const auto status = testing::waitFor(r.pid, milliseconds(0));
      if (!status) continue;
      r.pid = -1;
      noteUnexpectedExit(r, *status, "during the run");
    }
  }

  void noteUnexpectedExit(const Replica& r, const testing::ExitStatus& s, const char* when) {
    std::fprintf(stderr, "fleet-sim: replica %s ended %s (%s %d), see %s\n", r.name.c_str(), when,
                 s.exited ? "exit" : "signal", s.exited ? s.code : s.signal, r.log_path.c_str());
    const std::lock_guard lock(mutex);
    ++unexpected_exits;
  }

  // SIGTERM to every running replica, then each reaped (SIGKILL after 5 s). One that does not
  // exit 0 on SIGTERM counts as an unexpected exit.
  void stopAll() {
    checkExits();
    for (const auto& r : replicas) {
      if (r.pid > 0) kill(r.pid, SIGTERM);
    }
    for (auto& r : replicas) {
      if (r.pid <= 0) continue;
      const auto status = testing::waitFor(r.pid, std::chrono::seconds(5));
      if (!status) testing::killAndReap(r.pid);
      if (!status || !status->exited || status->code != 0) {
        noteUnexpectedExit(r, status.value_or(testing::ExitStatus{}), "badly on SIGTERM");
      }
      r.pid = -1;
    }
  }

  void join() {
    {
      const std::lock_guard lock(mutex);
      stop = true;
      cv.notify_all();
    }
    if (thread.joinable()) thread.join();
  }
};

ReplicaSet::ReplicaSet(ReplicaSetOptions options)
    : manager_(std::make_unique<Manager>(std::move(options))) {}

ReplicaSet::~ReplicaSet() { manager_->join(); }

bool ReplicaSet::start(std::chrono::milliseconds timeout, std::string* error) {
  Manager& m = *manager_;
  if (!m.writeConfigs(error)) return false;
  m.thread = std::thread(&Manager::run, &m, Clock::now() + timeout);
  std::unique_lock lock(m.mutex);
  m.cv.wait(lock, [&] { return m.phase != Manager::Phase::kStarting; });
  if (m.phase == Manager::Phase::kFailed) *error = m.start_error;
  return m.phase == Manager::Phase::kLeading;
}

void ReplicaSet::startKilling(TimePoint first, TimePoint last) {
  const std::lock_guard lock(manager_->mutex);
  manager_->next_kill = first;
  manager_->last_kill = last;
  manager_->killing = first <= last;
  manager_->cv.notify_all();
}

HaReport ReplicaSet::finish(TimePoint run_start) {
  Manager& m = *manager_;
  m.join();
  HaReport ha;
  ha.replicas = m.options.replicas;
  ha.kill_every_s = m.options.kill_every_s;
  ha.restart_after_s = m.options.restart_after_s;
  ha.kills_missed = m.kills_missed;
  ha.restarts = m.restarts;
  ha.unexpected_exits = m.unexpected_exits;
  for (auto [at, kill] : m.kills) {
    kill.at_us = std::chrono::duration_cast<std::chrono::microseconds>(at - run_start).count();
    ha.kills.push_back(std::move(kill));
  }
  return ha;
}

}  // namespace wss::sim
