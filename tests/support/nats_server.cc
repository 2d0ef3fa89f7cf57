#include "tests/support/nats_server.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>
#include <utility>

#include "tests/support/loopback.h"
#include "tests/support/process.h"

namespace wss::testing {

std::string natsServerExecutable() {
  if (const char* env = std::getenv("WSS_NATS_SERVER"); env != nullptr && *env != '\0') {
    return env;
  }
  if (access("/usr/sbin/nats-server", X_OK) == 0) return "/usr/sbin/nats-server";
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string paths(path);
    std::size_t start = 0;
    while (start <= paths.size()) {
      std::size_t end = paths.find(':', start);
      if (end == std::string::npos) end = paths.size();
      const std::string candidate = paths.substr(start, end - start) + "/nats-server";
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
  }
  return "nats-server";
}

std::vector<std::string> jetStreamArgs(const std::string& store_dir) {
  return {"-js", "-sd", store_dir};
}

NatsServer::NatsServer() : NatsServer(findFreePort()) {}

NatsServer::NatsServer(int port) : NatsServer(port, {}) {}

NatsServer::NatsServer(std::vector<std::string> extra_args)
    : NatsServer(findFreePort(), std::move(extra_args)) {}

NatsServer::NatsServer(int port, std::vector<std::string> extra_args)
    : port_(port), extra_args_(std::move(extra_args)) {
  char name[64];
  std::snprintf(name, sizeof name, "/tmp/wss-nats-%d-%d.log", static_cast<int>(getpid()), port_);
  log_file_ = name;
  if (port_ > 0) start();
}

NatsServer::~NatsServer() {
  if (pid_ > 0) killAndReap(pid_);
  pid_ = -1;
  unlink(log_file_.c_str());
}

bool NatsServer::start(std::chrono::milliseconds timeout) {
  if (pid_ > 0) return true;
  std::vector<std::string> argv = {natsServerExecutable(), "-a", "127.0.0.1", "-p",
                                   std::to_string(port_)};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  pid_ = spawn(argv, log_file_);
  if (pid_ <= 0) {
    pid_ = -1;
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (canConnect(port_)) return true;
    if (waitFor(pid_, std::chrono::milliseconds(0))) {  // it died (port taken?)
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  killAndReap(pid_);
  pid_ = -1;
  return false;
}

void NatsServer::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (!waitFor(pid_, timeout)) killAndReap(pid_);
  pid_ = -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (canConnect(port_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void NatsServer::signal(int signo) const {
  if (pid_ > 0) kill(pid_, signo);
}

std::string NatsServer::url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

}  // namespace wss::testing
