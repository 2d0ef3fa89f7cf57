// Hiding secrets in text that gets logged: the credentials a NATS URL may embed.
//
// nats.url may carry credentials, "nats://bob:secret@host:4222" (user and password) or
// "nats://t0ken@host" (a token), in each server of a comma-separated list. Every place that
// logs or reports the URL (connection lines, the `running:` line, config errors) passes it
// through redactUrl() first, so the secret never reaches a log. nats.password and nats.token
// are never logged at all.
//
// Header-only and standard library only, so config, transport and app all use this one
// function. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace wss::common {

// The placeholder written where a secret was.
inline constexpr std::string_view kRedacted = "***";

// One server URL with its secret replaced: "nats://bob:secret@h" -> "nats://bob:***@h",
// "nats://t0ken@h" -> "nats://***@h". A URL without userinfo comes back as it is.
inline std::string redactServerUrl(std::string_view url) {
  const std::size_t scheme = url.find("://");
  const std::size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
  const std::size_t path = url.find_first_of("/?#", authority);
  const std::string_view host_part =
      url.substr(authority, path == std::string_view::npos ? path : path - authority);
  // The last '@' ends the userinfo: a password may itself hold an '@'.
  const std::size_t at = host_part.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const std::string_view userinfo = host_part.substr(0, at);
  const std::size_t colon = userinfo.find(':');
  std::string out(url.substr(0, authority));
  if (colon != std::string_view::npos) out.append(userinfo.substr(0, colon + 1));
  out.append(kRedacted);
  out.append(url.substr(authority + at));
  return out;
}

// Every server of a comma-separated list redacted as above; commas and spaces kept.
inline std::string redactUrl(std::string_view urls) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = urls.find(',', start);
    const std::string_view server =
        urls.substr(start, comma == std::string_view::npos ? comma : comma - start);
    out.append(redactServerUrl(server));
    if (comma == std::string_view::npos) return out;
    out += ',';
    start = comma + 1;
  }
}

}  // namespace wss::common
