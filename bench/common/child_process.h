// A child process the benchmark tools start and always stop: the sidecar under test.
//
// The destructor stops the child (SIGTERM, then SIGKILL after a grace period), so a tool that
// returns early never leaves it running.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace wss::bench {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`; stdout and stderr go to `log_file` (appended) when not
  // empty. Null and `error` set when it cannot start.
  [[nodiscard]] static std::unique_ptr<ChildProcess> start(const std::vector<std::string>& argv,
                                                           const std::string& log_file,
                                                           std::string* error);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // True while the child has not exited.
  [[nodiscard]] bool running();
  // SIGTERM, wait up to `grace_ms`, then SIGKILL. Returns the exit status as from waitpid.
  int stop(int grace_ms);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace wss::bench
