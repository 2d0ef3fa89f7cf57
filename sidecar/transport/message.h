// One inbound NATS message as the transport hands it to a handler.
//
// A view, not a copy: every field points into the cnats message, which the transport
// destroys as soon as the handler returns. A handler that keeps anything copies it.
#pragma once

#include <cstdint>
#include <string_view>

namespace wss::transport {

struct InboundMessage {
  std::string_view subject;
  std::string_view reply;         // empty when the sender expects no reply
  std::string_view content_type;  // the Content-Type header, empty when absent
  std::string_view payload;
  // How long ago the server stored it, for an event replayed from a stream (event_stream.h);
  // 0 for a plain subscription's message, which is live.
  std::int64_t age_ms = 0;
  // The stream sequence of an event from a stream (event_stream.h), so the owner knows how far
  // a state snapshot covers it; 0 for a plain subscription's message.
  std::uint64_t stream_sequence = 0;
};

}  // namespace wss::transport
