#include "sidecar/transport/library.h"

#include <nats/nats.h>
#include <openssl/ssl.h>
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
  // Once a TLS connection was made, cnats 3.4's final cleanup (run at exit, after main)
  // frees OpenSSL's own list of compression methods (sk_SSL_COMP_free), which OpenSSL >= 1.1
  // frees again in OPENSSL_cleanup: a SIGSEGV after a clean stop. Take the list out of both
  // their reach first; it is left to the exit (a small leak). The first call makes OpenSSL
  // load the list now, so cnats cannot load a fresh one.
  (void)SSL_COMP_get_compression_methods();
  (void)SSL_COMP_set0_compression_methods(nullptr);
  natsStatus status = nats_CloseAndWait(close_timeout_ms_);
  if (status != NATS_OK) {
    spdlog::warn("NATS library did not close within {} ms: {}", close_timeout_ms_,
                 statusText(status));
  }
}

}  // namespace wss::transport
