// Child processes for integration tests: spawn, signal, wait with a deadline.
//
// Used by NatsServer and SidecarProcess. A ChildProcess only ever signals the PID it
// forked, never a process found by name. Test thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace wss::testing {

// How a child ended: its exit code, or the signal that killed it.
struct ExitStatus {
  bool exited = false;  // exited normally; `code` is its exit code
  int code = -1;
  int signal = 0;  // when !exited, the signal that ended it
};

// Forks and execs argv[0] (a path) with `argv`, stdout and stderr appended to `log_file`
// (or inherited when empty). Returns the PID, or -1 when fork failed.
[[nodiscard]] pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file);

// Waits for `pid` to end, at most `timeout`; nullopt when it is still running.
[[nodiscard]] std::optional<ExitStatus> waitFor(pid_t pid, std::chrono::milliseconds timeout);

// Sends SIGKILL to `pid` and reaps it.
void killAndReap(pid_t pid);

// Runs a command to completion (at most `timeout`, then SIGKILL), capturing stdout and
// stderr separately.
struct CommandResult {
  ExitStatus status;
  std::string out;
  std::string err;
  bool timed_out = false;
};
[[nodiscard]] CommandResult runCommand(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout);

// A fresh directory under $TMPDIR (or /tmp), removed with its files on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  // Writes `text` to path()/name and returns the full path.
  std::string writeFile(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

// The whole content of a file, empty when unreadable.
[[nodiscard]] std::string readFile(const std::string& path);

}  // namespace wss::testing
