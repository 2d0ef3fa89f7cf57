// The process-wide cnats library: opened once, closed once at exit.
//
// cnats keeps global state (its timer thread, the message delivery pool). NatsLibrary
// opens it with a single-thread delivery pool, so that every subscription of the daemon
// is served by one delivery thread and messages are handed to the app in the order the
// server sent them, across subjects (a task.assigned followed by its task.completed must
// not be applied the other way round). Its destructor calls nats_CloseAndWait so no cnats
// thread outlives main.
#pragma once

#include <cstdint>
#include <string>

namespace wss::transport {

class NatsLibrary {
 public:
  // Opens the library. Check ok() before creating any connection. Main thread, once, after
  // the process blocked the signals it handles (cnats starts threads here).
  NatsLibrary();
  // Closes the library, waiting at most close_timeout_ms for cnats' threads.
  ~NatsLibrary();
  NatsLibrary(const NatsLibrary&) = delete;
  NatsLibrary& operator=(const NatsLibrary&) = delete;

  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }

  // How long the destructor waits for cnats' threads to end (default 1000 ms).
  void setCloseTimeout(std::int64_t close_timeout_ms) { close_timeout_ms_ = close_timeout_ms; }

  // Skips nats_Close in the destructor. For exits after a failed TLS setup only: with
  // OpenSSL also loaded by cpp-httplib, nats_Close after an OpenSSL error makes the process
  // crash at exit (in OPENSSL_cleanup), turning exit code 2 into SIGSEGV. The process is
  // about to exit, so leaving the library open loses nothing.
  void leaveOpenAtExit() { close_at_exit_ = false; }

 private:
  std::string error_;
  std::int64_t close_timeout_ms_ = 1000;
  bool close_at_exit_ = true;
};

}  // namespace wss::transport
