// A real nats-server for integration tests, on a free loopback port.
//
// NatsServer starts /usr/sbin/nats-server (or nats-server from PATH) bound to 127.0.0.1
// on a port nobody uses, waits until it accepts TCP connections, and can be stopped and
// started again on the same port to simulate an outage. Extra arguments (auth, TLS, JetStream
// with jetStreamArgs()) can be appended to its command line. It only ever signals the PID it
// started, and kills it on destruction. Test thread only; not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/loopback.h"  // findFreePort, canConnect: most users need them

namespace wss::testing {

// The nats-server executable: WSS_NATS_SERVER if set, else /usr/sbin/nats-server, else PATH.
[[nodiscard]] std::string natsServerExecutable();

// The extra arguments that enable JetStream with its store in `store_dir`: {"-js", "-sd",
// store_dir}. Give each server a fresh directory (a TempDir that outlives it), so no test
// sees another's buckets or a previous run's.
[[nodiscard]] std::vector<std::string> jetStreamArgs(const std::string& store_dir);

class NatsServer {
 public:
  // Picks a free port and starts the server; check running() (REQUIRE it in tests).
  NatsServer();
  // Starts on `port` (e.g. one a client was already told to use).
  explicit NatsServer(int port);
  // Picks a free port and starts the server with `extra_args` appended to its command line,
  // e.g. {"--user", "u", "--pass", "p"} or the --tls flags; they apply to every start().
  explicit NatsServer(std::vector<std::string> extra_args);
  // Both: on `port`, with `extra_args`.
  NatsServer(int port, std::vector<std::string> extra_args);
  // Kills the server it started, if still running.
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Starts the server on port() and waits until it accepts connections, up to `timeout`.
  // Returns false (and kills what it started) when it did not come up.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Stops it (SIGTERM, then SIGKILL after `timeout`) and waits until the port is closed.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Sends `signo` to the server process it started (SIGSTOP / SIGCONT: a hung server and its
  // recovery); nothing when it is not running.
  void signal(int signo) const;

  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] int port() const { return port_; }
  // "nats://127.0.0.1:PORT"
  [[nodiscard]] std::string url() const;
  // Where the server writes its log (useful when a test fails).
  [[nodiscard]] const std::string& logFile() const { return log_file_; }

 private:
  int port_ = 0;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  std::string log_file_;
};

}  // namespace wss::testing
