// Turning a cnats status into one line a human can act on.
//
// cnats reports errors as a natsStatus plus, on the calling thread, a "last error" text
// with the details (which file failed to load, which server refused). Every transport
// call checks its status at the edge and, when it is not NATS_OK, describes it with
// describeStatus() before logging or returning it.
#pragma once

#include <nats/nats.h>

#include <string>
#include <string_view>

namespace wss::transport {

// "NATS_ERR text: detail" for `status`, with cnats' last error of the calling thread when
// there is one. Call it on the thread that got the status, right after the failing call.
// Any thread.
[[nodiscard]] std::string describeStatus(natsStatus status);

// The short static text of `status` ("Connection Closed", ...). Any thread; never allocates.
[[nodiscard]] std::string_view statusText(natsStatus status);

}  // namespace wss::transport
