// The public codec entry points: size guard, then dispatch on the encoding.
#include "sidecar/codec/codec.h"

#include <string>

#include "sidecar/codec/json_decoder.h"
#include "sidecar/codec/json_encoder.h"
#include "sidecar/codec/protobuf_codec.h"

namespace wss::codec {
namespace {

std::string tooLarge(std::size_t size) {
  return "payload of " + std::to_string(size) + " bytes exceeds the limit of " +
         std::to_string(kMaxPayloadBytes);
}

}  // namespace

DecodeResult decodeEvent(EventKind kind, Encoding encoding, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    DecodeResult result;
    result.error = tooLarge(payload.size());
    return result;
  }
  return encoding == Encoding::kJson ? internal::decodeJsonEvent(kind, payload)
                                     : internal::decodeProtobufEvent(kind, payload);
}

std::string encodeEvent(const core::Event& event, Encoding encoding) {
  return encoding == Encoding::kJson ? internal::encodeJsonEvent(event)
                                     : internal::encodeProtobufEvent(event);
}

std::string encodeStealOrder(const core::StealOrder& order, Encoding encoding) {
  return encoding == Encoding::kJson ? internal::encodeJsonStealOrder(order)
                                     : internal::encodeProtobufStealOrder(order);
}

StealOrderResult decodeStealOrder(Encoding encoding, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    StealOrderResult result;
    result.error = tooLarge(payload.size());
    return result;
  }
  return encoding == Encoding::kJson ? internal::decodeJsonStealOrder(payload)
                                     : internal::decodeProtobufStealOrder(payload);
}

BestAgentRequestResult decodeBestAgentRequest(Encoding encoding, std::string_view payload) {
  if (payload.empty()) {  // no requirement
    BestAgentRequestResult result;
    result.ok = true;
    return result;
  }
  if (payload.size() > kMaxPayloadBytes) {
    BestAgentRequestResult result;
    result.error = tooLarge(payload.size());
    return result;
  }
  return encoding == Encoding::kJson ? internal::decodeJsonBestAgentRequest(payload)
                                     : internal::decodeProtobufBestAgentRequest(payload);
}

}  // namespace wss::codec
