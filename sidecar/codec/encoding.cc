// Content-Type <-> Encoding, and the contract's sniffing rule when the header is absent.
#include <string_view>

#include "sidecar/codec/codec.h"
#include "sidecar/common/ascii.h"

namespace wss::codec {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && isBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && isBlank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string_view contentType(Encoding encoding) {
  return encoding == Encoding::kJson ? kJsonContentType : kProtobufContentType;
}

Encoding detectEncoding(std::string_view content_type, std::string_view payload) {
  // The media type is what precedes any parameters ("application/json; charset=utf-8").
  const std::string_view media_type = trim(content_type.substr(0, content_type.find(';')));
  if (common::equalsIgnoreAsciiCase(media_type, kJsonContentType)) return Encoding::kJson;
  if (common::equalsIgnoreAsciiCase(media_type, kProtobufContentType) ||
      common::equalsIgnoreAsciiCase(media_type, "application/x-protobuf")) {
    return Encoding::kProtobuf;
  }
  // No header, or one we don't know: sniff. Protobuf can't start with '{' in practice: 0x7B
  // would be field 15 with the deprecated start-group wire type, which wss.v1 never uses.
  for (const char c : payload) {
    if (isBlank(c)) continue;
    return c == '{' ? Encoding::kJson : Encoding::kProtobuf;
  }
  return Encoding::kProtobuf;
}

}  // namespace wss::codec
