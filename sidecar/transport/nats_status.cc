#include "sidecar/transport/nats_status.h"

namespace wss::transport {

std::string_view statusText(natsStatus status) {
  const char* text = natsStatus_GetText(status);
  return text != nullptr ? std::string_view(text) : std::string_view("unknown status");
}

std::string describeStatus(natsStatus status) {
  std::string out(statusText(status));
  natsStatus last_status = NATS_OK;
  const char* last = nats_GetLastError(&last_status);
  if (last != nullptr && *last != '\0' && last_status != NATS_OK) {
    std::string_view detail(last);
    if (detail != out) {
      out += ": ";
      out += detail;
    }
  }
  return out;
}

}  // namespace wss::transport
