// Loopback sockets for the tests: free ports, a probe, raw exchanges and idle clients.
//
// Part of wss::test_process (see process.h). Only ever 127.0.0.1. Any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace wss::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close);
// -1 when no socket could be made.
[[nodiscard]] int findFreePort();

// True when something accepts TCP connections on 127.0.0.1:port.
[[nodiscard]] bool canConnect(int port);

// Sends `bytes` to 127.0.0.1:`port` and returns what comes back until the server closes the
// connection or `timeout` passes. With `half_close`, shuts down the sending side after writing.
// "<connect failed>" when nothing listens.
[[nodiscard]] std::string rawExchange(int port, std::string_view bytes,
                                      std::chrono::milliseconds timeout, bool half_close = false);

// A connected loopback socket that sends nothing (a slow client); closed on destruction.
class IdleConnection {
 public:
  explicit IdleConnection(int port);
  ~IdleConnection();
  IdleConnection(const IdleConnection&) = delete;
  IdleConnection& operator=(const IdleConnection&) = delete;
  [[nodiscard]] bool connected() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace wss::testing
