// natsOptions built from config::NatsConfig: servers, auth, TLS, timeouts, reconnect policy.
//
// The daemon must start when NATS is not up yet and must never give up reconnecting, so
// the options always retry a failed initial connect and reconnect forever, with a large
// reconnect buffer so steal orders published during a short outage are not lost.
// Callbacks are installed by Connection, not here.
#pragma once

#include <nats/nats.h>

#include <chrono>
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
// PINGs cnats lets go unanswered before it declares the connection stale and reconnects:
// 2 to 3 x nats.pingInterval after the server stopped answering.
inline constexpr int kMaxPingsOut = 2;

// How long a server may keep the sidecar waiting before it counts as hung: nats.connectTimeout,
// at least 1 s. It is cnats' write deadline: a write the server does not take within it fails,
// and cnats drops the socket and reconnects (a disconnect), so no cnats call holds its lock
// for longer.
[[nodiscard]] std::chrono::milliseconds serverPatience(const config::NatsConfig& config);
// How long the connection may go without an answer (a PONG) before it is stale and /readyz
// says 503: serverPatience() plus the one-second probe period (3 s by default).
[[nodiscard]] std::chrono::milliseconds staleAfter(const config::NatsConfig& config);

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
