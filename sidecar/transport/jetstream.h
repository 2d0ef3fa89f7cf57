// Opening a JetStream context, the one way every JetStream user of the transport does it
// (the lease, the snapshot store, the state stream and its bounds).
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <string>

namespace wss::transport {

// A JetStream context on `nc` whose API calls wait at most `wait_ms` (at least 1 ms). Null, with
// `error` set to one line ("JetStream context: ..."), when cnats refuses. The caller destroys it
// with jsCtx_Destroy. The thread that owns the connection's use.
[[nodiscard]] jsCtx* openJetStream(natsConnection* nc, std::int64_t wait_ms, std::string* error);

}  // namespace wss::transport
