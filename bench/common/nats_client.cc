#include "bench/common/nats_client.h"

#include <string>

namespace wss::bench {

std::unique_ptr<NatsClient> NatsClient::connect(const std::string& url, const std::string& name,
                                                std::string* error) {
  natsOptions* opts = nullptr;
  natsConnection* conn = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(opts, name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 3000);
  // Large buffers: the tools publish bursts and must not block on a small one.
  if (s == NATS_OK) s = natsOptions_SetIOBufSize(opts, 1 << 20);
  if (s == NATS_OK) s = natsOptions_SetMaxPendingMsgs(opts, 1'000'000);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts, 64 << 20);
  if (s == NATS_OK) s = natsConnection_Connect(&conn, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    if (error != nullptr) {
      *error = "cannot connect to " + url + ": " + natsStatus_GetText(s);
    }
    return nullptr;
  }
  return std::unique_ptr<NatsClient>(new NatsClient(conn));
}

NatsClient::~NatsClient() {
  if (conn_ != nullptr) {
    natsConnection_FlushTimeout(conn_, 2000);
    natsConnection_Destroy(conn_);
  }
}

natsStatus NatsClient::publish(const std::string& subject, std::string_view payload,
                               std::string_view content_type) {
  if (content_type.empty()) {
    return natsConnection_Publish(conn_, subject.c_str(), payload.data(),
                                  static_cast<int>(payload.size()));
  }
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                                static_cast<int>(payload.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Content-Type", std::string(content_type).c_str());
  if (s == NATS_OK) s = natsConnection_PublishMsg(conn_, msg);
  natsMsg_Destroy(msg);
  return s;
}

std::optional<std::string> NatsClient::request(const std::string& subject, std::string_view payload,
                                               int timeout_ms) {
  natsMsg* reply = nullptr;
  natsStatus s = natsConnection_Request(&reply, conn_, subject.c_str(), payload.data(),
                                        static_cast<int>(payload.size()), timeout_ms);
  if (s != NATS_OK) return std::nullopt;
  std::string out(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  return out;
}

natsStatus NatsClient::flush(int timeout_ms) {
  return natsConnection_FlushTimeout(conn_, timeout_ms);
}

std::string_view contentTypeOf(natsMsg* msg) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, "Content-Type", &value) == NATS_OK && value != nullptr) {
    return value;
  }
  return {};
}

std::optional<nlohmann::json> workStats(NatsClient& client, int timeout_ms) {
  const auto reply = client.request("work.stats", "", timeout_ms);
  if (!reply) return std::nullopt;
  auto j = nlohmann::json::parse(*reply, nullptr, false);
  if (j.is_discarded() || !j.contains("eventsProcessed")) return std::nullopt;
  return j;
}

}  // namespace wss::bench
