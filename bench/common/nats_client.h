// A small cnats client for the benchmark tools: connect, publish with a Content-Type header,
// request-reply, flush. Not the sidecar's transport: tools need a few calls, checked at the
// edge, and nothing else.
#pragma once

#include <nats/nats.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wss::bench {

class NatsClient {
 public:
  // Connects to `url` (comma-separated list allowed). On failure returns null and sets
  // `error`. `name` shows in the server's connection list.
  [[nodiscard]] static std::unique_ptr<NatsClient> connect(const std::string& url,
                                                           const std::string& name,
                                                           std::string* error);
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  [[nodiscard]] natsConnection* raw() const { return conn_; }

  // Publishes `payload` on `subject`, with a Content-Type header when `content_type` is not
  // empty. Thread-safe (cnats buffers; call flush() to push the buffer out).
  natsStatus publish(const std::string& subject, std::string_view payload,
                     std::string_view content_type);

  // Sends an empty-or-given request and waits up to `timeout_ms`; nullopt on timeout or
  // when nobody answers.
  [[nodiscard]] std::optional<std::string> request(const std::string& subject,
                                                   std::string_view payload, int timeout_ms);

  natsStatus flush(int timeout_ms);

 private:
  explicit NatsClient(natsConnection* conn) : conn_(conn) {}
  natsConnection* conn_ = nullptr;
};

// The Content-Type header of a received message, or empty.
[[nodiscard]] std::string_view contentTypeOf(natsMsg* msg);

// The sidecar's work.stats reply, or nullopt when none came within `timeout_ms` or it is not
// a stats object (no eventsProcessed).
[[nodiscard]] std::optional<nlohmann::json> workStats(NatsClient& client, int timeout_ms);

}  // namespace wss::bench
