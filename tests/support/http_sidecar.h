// The daemon as a child process with HTTP on 127.0.0.1:`http_port` (SidecarProcess always
// turns HTTP off), for the tests of the probes; and a few HTTP helpers for them.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {

class HttpSidecar {
 public:
  // Starts the daemon with `options`, HTTP on `http_port` and nats.connectTimeout as given;
  // throws when it cannot.
  HttpSidecar(const SidecarOptions& options, int http_port,
              const std::string& connect_timeout = "1s");
  // Stops it (SIGCONT first: a failed test may leave it stopped).
  ~HttpSidecar();
  HttpSidecar(const HttpSidecar&) = delete;
  HttpSidecar& operator=(const HttpSidecar&) = delete;

  [[nodiscard]] bool running();
  void signal(int signo) const;
  // SIGTERM, then how it ended (nullopt: still running after 5 s).
  std::optional<ExitStatus> stop();
  [[nodiscard]] std::string log() const;

 private:
  TempDir dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
};

}  // namespace wss::testing
