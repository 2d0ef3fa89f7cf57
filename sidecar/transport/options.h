// natsOptions built from config::NatsConfig: servers, auth, TLS, timeouts, reconnect policy.
//
// The daemon must start when NATS is not up yet and must never give up reconnecting, so
// the options always retry a failed initial connect and reconnect forever, with a large
// reconnect buffer so steal orders published during a short outage are not lost.
// Callbacks are installed by Connection, not here.
#pragma once

#include <nats/nats.h>

#include <memory>
#include <string>
#include <vector>

#include "sidecar/config/config.h"

namespace wss::transport {

struct OptionsDeleter {
  void operator()(natsOptions* options) const { natsOptions_Destroy(options); }
};
using OptionsPtr = std::unique_ptr<natsOptions, OptionsDeleter>;

// Bytes buffered while disconnected (natsOptions_SetReconnectBufSize).
inline constexpr int kReconnectBufferBytes = 64 * 1024 * 1024;

struct OptionsResult {
  OptionsPtr options;  // set when error is empty
  std::string error;   // names the setting that failed, e.g. "nats.tls.caFile: ..."
};

// Splits "nats://a:4222, nats://b:4222" into trimmed, non-empty URLs.
[[nodiscard]] std::vector<std::string> splitServers(const std::string& url);

// Builds the options for `config`. Loads TLS files and credentials now, so a bad file is
// reported at startup. Any thread (cnats keeps the last-error text per thread).
[[nodiscard]] OptionsResult buildOptions(const config::NatsConfig& config);

}  // namespace wss::transport
