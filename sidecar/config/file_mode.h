// Files holding secrets that other users may read: a warning at startup, not an error.
//
// A NATS credentials file, a TLS private key, or a config file that holds nats.password,
// nats.token or credentials inside nats.url, should be readable by its owner only (0600 or
// 0400; 0640 for a group the daemon shares). When the "others" read bit is set (mode & 0004),
// the daemon still starts, but says which file and which mode, so the operator can chmod it.
// Group-readable files are not warned about: Kubernetes mounts secrets 0440 with an fsGroup.
//
// No function here keeps state; any thread may call them (they stat() the files).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sidecar/config/config.h"

namespace wss::config {

// "WHAT PATH is readable by other users (mode 0644); ..." when `path` exists and has the
// others-read bit, else "". `what` names the setting, e.g. "nats.credentialsFile".
[[nodiscard]] std::string othersReadableWarning(const std::string& path, std::string_view what);

// The warnings above for every secret-holding file `config` names: nats.credentialsFile,
// nats.tls.keyFile, and config.source_file when the config holds a password or a token.
[[nodiscard]] std::vector<std::string> secretFileWarnings(const Config& config);

}  // namespace wss::config
