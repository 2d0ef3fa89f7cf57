// What a config reload may change, and what it may not.
//
// SIGHUP reloads only the `stealing` section. Everything else (the NATS connection, the
// subjects, the encoding, logging, HTTP, the maintenance interval) is read once at startup;
// restartOnlyChanges() names the sections that differ so the reload can say a restart is
// needed for them instead of silently ignoring the edit.
#pragma once

#include <string>
#include <vector>

#include "sidecar/config/config.h"

namespace wss::app {

// The top-level keys outside `stealing` whose values differ, e.g. {"nats", "encoding"}.
// Pure; any thread.
[[nodiscard]] std::vector<std::string> restartOnlyChanges(const config::Config& before,
                                                          const config::Config& after);

}  // namespace wss::app
