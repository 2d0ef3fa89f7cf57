// HTTP helpers for the tests of /healthz, /readyz and /metrics (cpp-httplib).
#pragma once

#include <httplib.h>

#include <chrono>
#include <sstream>
#include <string>

namespace wss::testing {

// A client for 127.0.0.1:`port` whose requests give up after 3 s: "answers" in a test means
// an answer arrived, not a figure of how fast.
inline httplib::Client httpClient(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(3));
  client.set_read_timeout(std::chrono::seconds(3));
  return client;
}

// The status of GET `path`, or 0 when no answer came.
inline int httpStatus(httplib::Client& client, const std::string& path) {
  auto result = client.Get(path);
  return result ? result->status : 0;
}

// The value of the unlabelled sample `name` on /metrics; -1 when it is not there.
inline double metricValue(httplib::Client& client, const std::string& name) {
  auto result = client.Get("/metrics");
  if (!result || result->status != 200) return -1;
  std::istringstream lines(result->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

}  // namespace wss::testing
