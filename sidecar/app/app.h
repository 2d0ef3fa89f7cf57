// The daemon's wiring: config in, threads up, signals handled, everything down in order.
//
// App owns, in creation order: the cnats library, the optional HTTP endpoint for probes and
// metrics (up first, so /healthz answers while NATS is unreachable and /readyz says 503), the
// connection and its subscriptions (callbacks decode and queue, see inbound.h), and the owner
// thread that alone holds the coordinator (owner_loop.h). Steal operation ids get a fresh
// boot id (boot_id.h). The main thread waits for signals. On SIGTERM/SIGINT it stops HTTP,
// stops accepting (drains the subscriptions), lets the owner thread finish the queue
// (answering requests already received), flushes publishes, closes, and returns 0, all
// within about four seconds. The steps, and the members that hold those lifetimes, are in
// Runtime (runtime.h).
#pragma once

#include <string>

#include "sidecar/config/config.h"

namespace wss::app {

// Exit codes of the daemon.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitConfigError = 2;

class App {
 public:
  explicit App(config::Config config);

  // Runs until SIGTERM or SIGINT and returns the process exit code. Main thread, after
  // blockHandledSignals() and setupLogging(); call once.
  [[nodiscard]] int run();

  // Checks what loading the YAML cannot: that the NATS options build (TLS and credentials
  // files readable, URLs well formed). Connects nowhere. Returns an error or "". Main thread.
  [[nodiscard]] static std::string checkConnectionSettings(const config::Config& config);

 private:
  config::Config config_;
};

}  // namespace wss::app
