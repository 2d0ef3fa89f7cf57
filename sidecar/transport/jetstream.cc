#include "sidecar/transport/jetstream.h"

#include <algorithm>

#include "sidecar/transport/nats_status.h"

namespace wss::transport {

jsCtx* openJetStream(natsConnection* nc, std::int64_t wait_ms, std::string* error) {
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = std::max<std::int64_t>(wait_ms, 1);
  jsCtx* js = nullptr;
  if (const natsStatus status = natsConnection_JetStream(&js, nc, &options); status != NATS_OK) {
    *error = "JetStream context: " + describeStatus(status);
    return nullptr;
  }
  return js;
}

}  // namespace wss::transport
