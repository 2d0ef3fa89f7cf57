#include "tests/support/nats_client.h"

#include <thread>

namespace wss::testing {

TestClient::TestClient(const std::string& url, std::chrono::milliseconds timeout) {
  connect(url, nullptr, timeout);
}

TestClient::TestClient(const std::string& url, const ClientTls& tls,
                       std::chrono::milliseconds timeout) {
  connect(url, &tls, timeout);
}

void TestClient::connect(const std::string& url, const ClientTls* tls,
                         std::chrono::milliseconds timeout) {
  natsOptions* options = nullptr;
  if (natsOptions_Create(&options) != NATS_OK) return;
  natsOptions_SetURL(options, url.c_str());
  natsOptions_SetMaxReconnect(options, -1);
  natsOptions_SetReconnectWait(options, 100);
  natsOptions_SetTimeout(options, 1000);
  if (tls != nullptr) {
    bool ok = natsOptions_SetSecure(options, true) == NATS_OK;
    if (ok && !tls->ca_file.empty()) {
      ok = natsOptions_LoadCATrustedCertificates(options, tls->ca_file.c_str()) == NATS_OK;
    }
    if (ok && !tls->cert_file.empty()) {
      ok = natsOptions_LoadCertificatesChain(options, tls->cert_file.c_str(),
                                             tls->key_file.c_str()) == NATS_OK;
    }
    if (!ok) {
      natsOptions_Destroy(options);
      return;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (natsConnection_Connect(&nc_, options) != NATS_OK) {
    nc_ = nullptr;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  natsOptions_Destroy(options);
}

TestClient::~TestClient() {
  for (natsSubscription* sub : subscriptions_) {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
  if (nc_ != nullptr) {
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
}

bool TestClient::connected() const {
  return nc_ != nullptr && natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

bool TestClient::publish(const std::string& subject, const std::string& payload,
                         const std::string& content_type) {
  if (nc_ == nullptr) return false;
  natsMsg* msg = nullptr;
  natsStatus status = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                                     static_cast<int>(payload.size()));
  if (status == NATS_OK && !content_type.empty()) {
    status = natsMsgHeader_Set(msg, "Content-Type", content_type.c_str());
  }
  if (status == NATS_OK) status = natsConnection_PublishMsg(nc_, msg);
  natsMsg_Destroy(msg);
  return status == NATS_OK;
}

bool TestClient::flush() {
  return nc_ != nullptr && natsConnection_FlushTimeout(nc_, 5000) == NATS_OK;
}

std::optional<std::string> TestClient::request(const std::string& subject,
                                               const std::string& payload,
                                               std::chrono::milliseconds timeout) {
  if (nc_ == nullptr) return std::nullopt;
  natsMsg* reply = nullptr;
  const natsStatus status =
      natsConnection_Request(&reply, nc_, subject.c_str(), payload.data(),
                             static_cast<int>(payload.size()), timeout.count());
  if (status != NATS_OK) return std::nullopt;
  std::string text(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  return text;
}

bool TestClient::subscribe(const std::string& subject) {
  if (nc_ == nullptr) return false;
  natsSubscription* sub = nullptr;
  if (natsConnection_Subscribe(&sub, nc_, subject.c_str(), &TestClient::onMessage, this) !=
      NATS_OK) {
    return false;
  }
  subscriptions_.push_back(sub);
  return flush();
}

std::vector<ReceivedMessage> TestClient::received(const std::string& subject) const {
  std::lock_guard lock(mutex_);
  std::vector<ReceivedMessage> out;
  for (const auto& message : received_) {
    if (message.subject == subject) out.push_back(message);
  }
  return out;
}

std::optional<ReceivedMessage> TestClient::waitFor(
    const std::string& subject, const std::function<bool(const ReceivedMessage&)>& match,
    std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  std::optional<ReceivedMessage> found;
  cv_.wait_for(lock, timeout, [&] {
    for (const auto& message : received_) {
      if (message.subject == subject && match(message)) {
        found = message;
        return true;
      }
    }
    return false;
  });
  return found;
}

void TestClient::onMessage(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                           void* closure) {
  auto* self = static_cast<TestClient*>(closure);
  ReceivedMessage message;
  message.subject = natsMsg_GetSubject(msg);
  const char* data = natsMsg_GetData(msg);
  if (data != nullptr) {
    message.payload.assign(data, static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  }
  const char* content_type = nullptr;
  if (natsMsgHeader_Get(msg, "Content-Type", &content_type) == NATS_OK && content_type != nullptr) {
    message.content_type = content_type;
  }
  natsMsg_Destroy(msg);
  {
    std::lock_guard lock(self->mutex_);
    self->received_.push_back(std::move(message));
  }
  self->cv_.notify_all();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace wss::testing
