#include "sidecar/transport/reply_stream.h"

#include "sidecar/transport/nats_status.h"

namespace wss::transport {

ReplyStream::~ReplyStream() {
  if (sub_ != nullptr) {
    (void)natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }
}

Status ReplyStream::send(const std::string& subject, std::string_view payload) {
  natsInbox* inbox = nullptr;
  natsStatus s = natsInbox_Create(&inbox);
  if (s == NATS_OK) s = natsConnection_SubscribeSync(&sub_, nc_, inbox);
  if (s == NATS_OK) {
    s = natsConnection_PublishRequest(nc_, subject.c_str(), inbox, payload.data(),
                                      static_cast<int>(payload.size()));
  }
  natsInbox_Destroy(inbox);
  if (s != NATS_OK) return Status::failure("request on '" + subject + "': " + describeStatus(s));
  return {};
}

std::optional<Reply> ReplyStream::next(std::chrono::milliseconds timeout) {
  if (sub_ == nullptr || no_responders_) return std::nullopt;
  natsMsg* msg = nullptr;
  const natsStatus s = natsSubscription_NextMsg(&msg, sub_, static_cast<int64_t>(timeout.count()));
  // NextMsg reports the server's "no responders" as a status (cnats >= 2.4.1), older as a message.
  if (s == NATS_NO_RESPONDERS) no_responders_ = true;
  if (s != NATS_OK) return std::nullopt;
  if (natsMsg_IsNoResponders(msg)) {
    no_responders_ = true;
    natsMsg_Destroy(msg);
    return std::nullopt;
  }
  Reply reply;
  reply.payload.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  const char* type = nullptr;
  if (natsMsgHeader_Get(msg, "Content-Type", &type) == NATS_OK && type != nullptr) {
    reply.content_type = type;
  }
  natsMsg_Destroy(msg);
  return reply;
}

}  // namespace wss::transport
