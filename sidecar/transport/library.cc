#include "sidecar/transport/library.h"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include "sidecar/transport/nats_status.h"

namespace wss::transport {

NatsLibrary::NatsLibrary() {
  natsStatus status = nats_Open(-1);
  if (status != NATS_OK) {
    error_ = "cannot initialise the NATS library: " + describeStatus(status);
    return;
  }
  // One delivery thread for every subscription that opts into the global pool (all of
  // ours do): keeps the server's order across subjects.
  status = nats_SetMessageDeliveryPoolSize(1);
  if (status != NATS_OK) {
    error_ = "cannot size the NATS delivery pool: " + describeStatus(status);
  }
}

NatsLibrary::~NatsLibrary() {
  if (!close_at_exit_) return;
  natsStatus status = nats_CloseAndWait(close_timeout_ms_);
  if (status != NATS_OK) {
    spdlog::warn("NATS library did not close within {} ms: {}", close_timeout_ms_,
                 statusText(status));
  }
}

}  // namespace wss::transport
