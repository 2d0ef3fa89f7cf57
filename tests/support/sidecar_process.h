// The daemon as a child process, for integration tests.
//
// SidecarProcess writes a YAML config into a temp dir (pointing at a test NatsServer, short
// steal interval, JSON encoding, HTTP off), starts build/bin/work-stealing-sidecar with
// --config, and stops it by its PID. The daemon's log goes to a file in the temp dir, which
// log() returns for failure messages. Test thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "tests/support/process.h"

namespace wss::testing {

// The daemon under test: $WSS_SIDECAR_BINARY if set, else the binary CMake built
// (compile definition WSS_SIDECAR_BINARY = $<TARGET_FILE:work-stealing-sidecar>).
[[nodiscard]] std::string sidecarBinary();

struct SidecarOptions {
  // The defaults: JSON, 100 ms rounds, debug log, for the server at `url`.
  static SidecarOptions forServer(std::string url) {
    SidecarOptions options;
    options.nats_url = std::move(url);
    return options;
  }

  std::string nats_url;
  std::string extra_nats;         // more YAML lines inside `nats:` (indented 2), e.g. auth, TLS
  std::string encoding = "json";  // what it publishes
  std::string steal_interval = "100ms";
  bool stealing_enabled = true;
  std::string extra_stealing;  // more YAML lines inside `stealing:` (indented 2)
  std::string extra_yaml;      // more top-level YAML
  std::string log_level = "debug";
};

// The YAML file SidecarProcess writes for `options`.
[[nodiscard]] std::string sidecarConfigYaml(const SidecarOptions& options);

class SidecarProcess {
 public:
  // Writes the config and starts the daemon; check running().
  explicit SidecarProcess(const SidecarOptions& options);
  // SIGKILL if it is still running.
  ~SidecarProcess();
  SidecarProcess(const SidecarProcess&) = delete;
  SidecarProcess& operator=(const SidecarProcess&) = delete;

  [[nodiscard]] bool running();
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& configPath() const { return config_path_; }
  // Rewrites the config file (for SIGHUP tests).
  void rewriteConfig(const SidecarOptions& options);

  void signal(int signo) const;
  // SIGTERM, then waits up to `timeout`; nullopt if it is still running (then SIGKILLed).
  std::optional<ExitStatus> stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Everything the daemon logged so far.
  [[nodiscard]] std::string log() const;

 private:
  TempDir dir_;
  std::string config_path_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
};

}  // namespace wss::testing
