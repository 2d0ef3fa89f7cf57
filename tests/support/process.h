// Child processes for the tests and the benchmarks: spawn, signal, wait with a deadline, run a
// command to completion; temp dirs and whole-file reads.
//
// The one home of these helpers: the integration and observability tests (NatsServer,
// SidecarProcess, Prometheus) and bench/ (ingest-bench starts the sidecar) all link it
// (CMake target wss::test_process). A child is only ever signalled by the PID it was forked
// as, never found by name. Not thread-safe: the thread that started a child manages it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wss::testing {

// How a child ended: its exit code, or the signal that killed it.
struct ExitStatus {
  bool exited = false;  // exited normally; `code` is its exit code
  int code = -1;
  int signal = 0;  // when !exited, the signal that ended it
};

// Forks and execs argv[0] (a path) with `argv`, stdin from /dev/null, stdout and stderr
// appended to `log_file` (or inherited when empty). Returns the PID, or -1 when fork failed;
// a child that cannot exec exits with 127.
[[nodiscard]] pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file);

// Waits for `pid` to end, at most `timeout` (0: just looks); nullopt when it is still running.
[[nodiscard]] std::optional<ExitStatus> waitFor(pid_t pid, std::chrono::milliseconds timeout);

// Sends SIGKILL to `pid` and reaps it.
void killAndReap(pid_t pid);

// Runs a command to completion (at most `timeout`, then SIGKILL), with `input` on its stdin,
// capturing stdout and stderr separately.
struct CommandResult {
  ExitStatus status;
  std::string out;
  std::string err;
  bool timed_out = false;
};
[[nodiscard]] CommandResult runCommand(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout,
                                       std::string_view input = {});

// A child that is always stopped: the destructor calls stop(). For tools that may return
// early (a benchmark, a test fixture) and must never leave the child running.
class ChildProcess {
 public:
  // Starts argv[0] with `argv` as spawn() does. Check started(); error() says why not.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // True while it has not ended (reaps it when it has).
  [[nodiscard]] bool running();
  // SIGTERM, at most `grace` to end, then SIGKILL. How it ended; nullopt if it never started.
  std::optional<ExitStatus> stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
  std::string error_;
};

// A fresh directory under $TMPDIR (or /tmp), removed with its files on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  // Writes `text` to path()/name and returns the full path.
  std::string writeFile(const std::string& name, std::string_view text) const;

 private:
  std::string path_;
};

// The whole content of a file, empty when unreadable.
[[nodiscard]] std::string readFile(const std::string& path);

}  // namespace wss::testing
