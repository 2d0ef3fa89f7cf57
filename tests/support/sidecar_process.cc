#include "tests/support/sidecar_process.h"

#include <signal.h>

#include <cstdlib>

namespace wss::testing {

std::string sidecarBinary() {
  if (const char* env = std::getenv("WSS_SIDECAR_BINARY"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef WSS_SIDECAR_BINARY
  return WSS_SIDECAR_BINARY;
#else
  return "build/bin/work-stealing-sidecar";
#endif
}

std::string sidecarConfigYaml(const SidecarOptions& options) {
  std::string yaml;
  yaml += "nats:\n";
  yaml += "  url: " + options.nats_url + "\n";
  yaml += "  reconnectWait: 100ms\n";
  yaml += "  connectTimeout: 1s\n";
  yaml += "  drainTimeout: 2s\n";
  yaml += options.extra_nats;
  yaml += "stealing:\n";
  yaml += std::string("  enabled: ") + (options.stealing_enabled ? "true" : "false") + "\n";
  yaml += "  stealInterval: " + options.steal_interval + "\n";
  yaml += "  stealThreshold: 2\n";
  yaml += "  maxStealBatch: 5\n";
  yaml += "  minTasksToSteal: 2\n";
  yaml += options.extra_stealing;
  yaml += "encoding: " + options.encoding + "\n";
  yaml += "log:\n";
  yaml += "  level: " + options.log_level + "\n";
  yaml += "http:\n";
  yaml += "  enabled: false\n";
  yaml += options.extra_yaml;
  return yaml;
}

SidecarProcess::SidecarProcess(const SidecarOptions& options) {
  config_path_ = dir_.writeFile("sidecar.yaml", sidecarConfigYaml(options));
  log_path_ = dir_.path() + "/sidecar.log";
  pid_ = spawn({sidecarBinary(), "--config", config_path_}, log_path_);
}

SidecarProcess::~SidecarProcess() {
  if (pid_ > 0 && !exit_) killAndReap(pid_);
}

bool SidecarProcess::running() {
  if (pid_ <= 0 || exit_) return false;
  exit_ = waitFor(pid_, std::chrono::milliseconds(0));
  return !exit_;
}

void SidecarProcess::rewriteConfig(const SidecarOptions& options) {
  (void)dir_.writeFile("sidecar.yaml", sidecarConfigYaml(options));
}

void SidecarProcess::signal(int signo) const {
  if (pid_ > 0 && !exit_) kill(pid_, signo);
}

std::optional<ExitStatus> SidecarProcess::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  if (exit_) return exit_;
  kill(pid_, SIGTERM);
  exit_ = waitFor(pid_, timeout);
  if (!exit_) {
    killAndReap(pid_);
    exit_ = ExitStatus{};
    return std::nullopt;
  }
  return exit_;
}

std::string SidecarProcess::log() const { return readFile(log_path_); }

}  // namespace wss::testing
