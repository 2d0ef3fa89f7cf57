#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace wss::testing {
namespace {

ExitStatus toExitStatus(int raw) {
  ExitStatus status;
  if (WIFEXITED(raw)) {
    status.exited = true;
    status.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    status.signal = WTERMSIG(raw);
  }
  return status;
}

// argv as execv wants it; built before fork, since the child of a multi-threaded parent
// may only call async-signal-safe functions (no malloc).
std::vector<char*> execArgs(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  return args;
}

// In the child, after fork: restore the default signal mask and exec.
[[noreturn]] void execChild(char* const* args) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(args[0], args);
  _exit(127);
}

// Reads both pipes into result.out / result.err until both close or `deadline` passes (then
// sets result.timed_out); closes both.
void readUntilClosed(int out_fd, int err_fd, std::chrono::steady_clock::time_point deadline,
                     CommandResult& result) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buffer[4096];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
}

}  // namespace

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file) {
  std::vector<char*> args = execArgs(argv);
  const pid_t pid = fork();
  if (pid != 0) return pid;  // parent (or -1)
  if (const int in = open("/dev/null", O_RDONLY | O_CLOEXEC); in >= 0) dup2(in, STDIN_FILENO);
  if (!log_file.empty()) {
    const int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
  }
  execChild(args.data());
}

std::optional<ExitStatus> waitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int raw = 0;
    const pid_t done = waitpid(pid, &raw, WNOHANG);
    if (done == pid) return toExitStatus(raw);
    if (done < 0 && errno != EINTR) return ExitStatus{};  // not our child any more
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void killAndReap(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  int raw = 0;
  while (waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
}

CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         std::string_view input) {
  CommandResult result;
  // stdin from a file, so a large input cannot fill a pipe while we read the output.
  const TempDir dir;
  const int in_fd = open(dir.writeFile("stdin", input).c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) return result;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_fd);
    return result;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(in_fd);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return result;
  }
  std::vector<char*> args = execArgs(argv);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execChild(args.data());
  }
  close(in_fd);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  readUntilClosed(out_pipe[0], err_pipe[0], deadline, result);
  if (result.timed_out) {
    killAndReap(pid);
    return result;
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  auto status = waitFor(pid, std::max(left, std::chrono::milliseconds(100)));
  if (!status) {
    result.timed_out = true;
    killAndReap(pid);
    return result;
  }
  result.status = *status;
  return result;
}
ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_file) {
  if (argv.empty()) {
    error_ = "empty command";
    return;
  }
  if (access(argv[0].c_str(), X_OK) != 0) {
    error_ = argv[0] + ": " + std::strerror(errno);
    return;
  }
  pid_ = spawn(argv, log_file);
  if (pid_ < 0) error_ = std::string("fork: ") + std::strerror(errno);
}

ChildProcess::~ChildProcess() { stop(); }

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  if (!exit_) exit_ = waitFor(pid_, std::chrono::milliseconds(0));
  return !exit_;
}

std::optional<ExitStatus> ChildProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) return exit_;
  kill(pid_, SIGTERM);
  exit_ = waitFor(pid_, grace);
  if (!exit_) {
    killAndReap(pid_);
    exit_ = ExitStatus{.exited = false, .code = -1, .signal = SIGKILL};
  }
  return exit_;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/wss-test-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) != nullptr) path_ = buffer.data();
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::writeFile(const std::string& name, std::string_view text) const {
  const std::string full = path_ + "/" + name;
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out << text;
  return full;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace wss::testing
