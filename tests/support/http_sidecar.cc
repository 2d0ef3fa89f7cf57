#include "tests/support/http_sidecar.h"

#include <signal.h>

#include <chrono>
#include <stdexcept>

namespace wss::testing {
namespace {

// Replaces the one line `from` of the generated config with `to`.
void replaceLine(std::string& yaml, const std::string& from, const std::string& to) {
  const auto at = yaml.find(from);
  if (at == std::string::npos) throw std::runtime_error("sidecar config lacks: " + from);
  yaml.replace(at, from.size(), to);
}

}  // namespace

HttpSidecar::HttpSidecar(const SidecarOptions& options, int http_port,
                         const std::string& connect_timeout) {
  std::string yaml = sidecarConfigYaml(options);
  replaceLine(yaml, "connectTimeout: 1s\n", "connectTimeout: " + connect_timeout + "\n");
  replaceLine(yaml, "http:\n  enabled: false\n",
              "http:\n  enabled: true\n  listen: 127.0.0.1:" + std::to_string(http_port) + "\n");
  log_path_ = dir_.path() + "/sidecar.log";
  pid_ = spawn({sidecarBinary(), "--config", dir_.writeFile("sidecar.yaml", yaml)}, log_path_);
  if (pid_ <= 0) throw std::runtime_error("cannot start " + sidecarBinary());
}

HttpSidecar::~HttpSidecar() {
  if (pid_ > 0 && !exit_) {
    kill(pid_, SIGCONT);
    killAndReap(pid_);
  }
}

bool HttpSidecar::running() {
  if (!exit_) exit_ = waitFor(pid_, std::chrono::milliseconds(0));
  return !exit_;
}

void HttpSidecar::signal(int signo) const { kill(pid_, signo); }

std::optional<ExitStatus> HttpSidecar::stop() {
  if (!exit_) {
    kill(pid_, SIGTERM);
    exit_ = waitFor(pid_, std::chrono::seconds(5));
  }
  return exit_;
}

std::string HttpSidecar::log() const { return readFile(log_path_); }

}  // namespace wss::testing
