// The daemon's log: spdlog to stderr, as text for people or as JSON lines for collectors.
//
// The JSON format writes one object per line, {"ts","level","thread","msg"}, with ts in UTC
// (ISO 8601, milliseconds). The message is escaped by a custom spdlog flag, so quotes,
// control characters and invalid UTF-8 in a message (an agent id from a fleet) never break
// a line. The text format escapes the message by the same rules except quotes, so a newline
// or an ANSI escape in an agent id cannot forge a log line either (sidecar/common/json_escape.h
// holds the one escaper the logs and the codec share).
#pragma once

#include <string>
#include <string_view>

#include "sidecar/config/config.h"

namespace wss::app {

// Installs the default logger for `config` (level and format). Main thread, before starting
// threads that log; safe to call again (e.g. once the config is read).
void setupLogging(const config::LogConfig& config);

// Appends `text` to `out` as the inside of a JSON string: escapes quotes, backslashes and
// control characters, and replaces invalid UTF-8 with U+FFFD. Pure; any thread.
void appendJsonEscaped(std::string_view text, std::string& out);

// Appends `text` to `out` as the text log format writes a message: as appendJsonEscaped, but
// double quotes stay as they are. Pure; any thread.
void appendTextEscaped(std::string_view text, std::string& out);

}  // namespace wss::app
