// Helpers for the observability tests: child processes, temp dirs, free ports, raw sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace wss::observability::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void writeFile(const std::filesystem::path& path, std::string_view text);
[[nodiscard]] std::string readFile(const std::filesystem::path& path);

struct CommandResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs `argv` with `input` on its stdin and waits for it.
[[nodiscard]] CommandResult runCommand(const std::vector<std::string>& argv,
                                       std::string_view input);

// A child process with stdout and stderr in `log_file`. The destructor sends SIGTERM to this
// PID only, waits up to 5 s, then SIGKILLs it.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] bool running();
  void stop();

 private:
  int pid_ = -1;
};

// A loopback port that was free a moment ago (bind to port 0, read it back, close).
[[nodiscard]] std::uint16_t freeLoopbackPort();

// Sends `bytes` to 127.0.0.1:`port` and returns what comes back until the server closes the
// connection or `timeout` passes. With `half_close`, shuts down the sending side after writing.
[[nodiscard]] std::string rawExchange(std::uint16_t port, std::string_view bytes,
                                      std::chrono::milliseconds timeout, bool half_close = false);

// A connected loopback socket that sends nothing (a slow client); closed on destruction.
class IdleConnection {
 public:
  explicit IdleConnection(std::uint16_t port);
  ~IdleConnection();
  IdleConnection(const IdleConnection&) = delete;
  IdleConnection& operator=(const IdleConnection&) = delete;
  [[nodiscard]] bool connected() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace wss::observability::testing
