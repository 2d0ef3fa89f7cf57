// A plain cnats client for integration tests: it plays the fleet and the dashboards.
//
// It connects in plain text (user/password or a token can ride in the URL) or over TLS,
// publishes events (with or without a Content-Type header), sends requests, and records
// every message on the subjects it subscribes to so a test can wait for one with a
// deadline. Deliberately independent of the sidecar's transport module, so the tests check
// the wire, not our own wrapper. Methods are for the test thread; recording happens on
// cnats' thread behind a mutex.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace wss::testing {

struct ReceivedMessage {
  std::string subject;
  std::string content_type;
  std::string payload;
};

// PEM files for a TLS client; empty members are not loaded.
struct ClientTls {
  std::string ca_file;    // the CA that signed the server's certificate
  std::string cert_file;  // client certificate for mutual TLS, with key_file
  std::string key_file;
};

class TestClient {
 public:
  // Connects to `url`, waiting up to `timeout` for a server; check connected().
  explicit TestClient(const std::string& url,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The same over TLS (a tls:// URL) with `tls`'s files.
  TestClient(const std::string& url, const ClientTls& tls,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  [[nodiscard]] bool connected() const;

  // Publishes; content_type empty sends no header. Returns false on a cnats error.
  bool publish(const std::string& subject, const std::string& payload,
               const std::string& content_type = "");
  // Waits until the server has processed everything published so far.
  bool flush();

  // One request-reply; nullopt on timeout or no responders.
  [[nodiscard]] std::optional<std::string> request(
      const std::string& subject, const std::string& payload,
      std::chrono::milliseconds timeout = std::chrono::seconds(2));

  // Records every message on `subject` from now on (flushes, so the interest is live).
  bool subscribe(const std::string& subject);
  [[nodiscard]] std::vector<ReceivedMessage> received(const std::string& subject) const;
  // Waits until a recorded message on `subject` satisfies `match`; returns the first one.
  [[nodiscard]] std::optional<ReceivedMessage> waitFor(
      const std::string& subject, const std::function<bool(const ReceivedMessage&)>& match,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  void connect(const std::string& url, const ClientTls* tls, std::chrono::milliseconds timeout);
  static void onMessage(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);

  natsConnection* nc_ = nullptr;
  std::vector<natsSubscription*> subscriptions_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::vector<ReceivedMessage> received_;
};

// Polls `condition` every 20 ms until it is true or `timeout` passes; returns the last
// value. The bounded wait every integration test uses instead of sleeping.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace wss::testing
