#include "sidecar/transport/options.h"

#include <algorithm>
#include <fstream>
#include <string_view>

#include "sidecar/transport/nats_status.h"

namespace wss::transport {
namespace {

bool startsWith(const std::string& text, std::string_view prefix) {
  return text.size() >= prefix.size() && std::string_view(text).substr(0, prefix.size()) == prefix;
}

bool readable(const std::string& path) {
  std::ifstream in(path);
  return in.good();
}

// Each step names the config key it came from, so a failure reads like a config error: true
// when `status` is NATS_OK, else sets `error` to "WHAT: STATUS" and returns false.
bool check(natsStatus status, std::string_view what, std::string& error) {
  if (status == NATS_OK) return true;
  error = std::string(what) + ": " + describeStatus(status);
  return false;
}

// nats.url: every server, at least one.
bool setServers(natsOptions* options, const std::vector<std::string>& servers, std::string& error) {
  if (servers.empty()) {
    error = "nats.url: no server given";
    return false;
  }
  std::vector<const char*> server_ptrs;
  server_ptrs.reserve(servers.size());
  for (const auto& server : servers) server_ptrs.push_back(server.c_str());
  return check(
      natsOptions_SetServers(options, server_ptrs.data(), static_cast<int>(server_ptrs.size())),
      "nats.url", error);
}

// nats.name, the timeouts, and the reconnect policy: forever, with a large buffer.
bool setConnectionPolicy(natsOptions* options, const config::NatsConfig& config,
                         std::string& error) {
  if (!config.name.empty() &&
      !check(natsOptions_SetName(options, config.name.c_str()), "nats.name", error)) {
    return false;
  }
  return check(natsOptions_SetTimeout(options, config.connect_timeout_ms), "nats.connectTimeout",
               error) &&
         check(natsOptions_SetMaxReconnect(options, -1), "reconnect policy", error) &&
         check(natsOptions_SetReconnectWait(options, config.reconnect_wait_ms),
               "nats.reconnectWait", error) &&
         check(natsOptions_SetPingInterval(options, config.ping_interval_ms), "nats.pingInterval",
               error) &&
         check(natsOptions_SetMaxPingsOut(options, kMaxPingsOut), "ping policy", error) &&
         check(natsOptions_SetWriteDeadline(options, serverPatience(config).count()),
               "nats.connectTimeout (write deadline)", error) &&
         check(natsOptions_SetReconnectBufSize(options, kReconnectBufferBytes), "reconnect buffer",
               error) &&
         check(natsOptions_UseGlobalMessageDelivery(options, true), "message delivery", error);
}

// nats.tls: on when a URL is tls:// or a CA file or client certificate is given; loads the
// files now.
bool setTls(natsOptions* options, const config::TlsConfig& tls, bool any_tls_url,
            std::string& error) {
  if (!any_tls_url && tls.ca_file.empty() && tls.cert_file.empty()) return true;
  if (!check(natsOptions_SetSecure(options, true), "nats.tls", error)) return false;
  if (!tls.ca_file.empty() &&
      !check(natsOptions_LoadCATrustedCertificates(options, tls.ca_file.c_str()),
             "nats.tls.caFile '" + tls.ca_file + "'", error)) {
    return false;
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    error = "nats.tls: certFile and keyFile must be given together";
    return false;
  }
  return tls.cert_file.empty() || check(natsOptions_LoadCertificatesChain(
                                            options, tls.cert_file.c_str(), tls.key_file.c_str()),
                                        "nats.tls.certFile '" + tls.cert_file + "'", error);
}

// nats.credentialsFile (checked readable now), nats.user/password, nats.token.
bool setAuth(natsOptions* options, const config::NatsConfig& config, std::string& error) {
  const std::string& credentials = config.credentials_file;
  // cnats reads the credentials only when connecting, and with retry-on-failed-connect an
  // unreadable file would look like an unreachable server forever: check it now.
  if (!credentials.empty() && !readable(credentials)) {
    error = "nats.credentialsFile '" + credentials + "': cannot read it";
    return false;
  }
  if (!credentials.empty() &&
      !check(natsOptions_SetUserCredentialsFromFiles(options, credentials.c_str(), nullptr),
             "nats.credentialsFile '" + credentials + "'", error)) {
    return false;
  }
  if (!config.user.empty() &&
      !check(natsOptions_SetUserInfo(options, config.user.c_str(), config.password.c_str()),
             "nats.user", error)) {
    return false;
  }
  return config.token.empty() ||
         check(natsOptions_SetToken(options, config.token.c_str()), "nats.token", error);
}

}  // namespace

std::chrono::milliseconds serverPatience(const config::NatsConfig& config) {
  return std::max(std::chrono::milliseconds(config.connect_timeout_ms),
                  std::chrono::milliseconds(1000));
}

std::chrono::milliseconds staleAfter(const config::NatsConfig& config) {
  return serverPatience(config) + std::chrono::milliseconds(1000);
}

std::vector<std::string> splitServers(const std::string& url) {
  std::vector<std::string> servers;
  std::size_t start = 0;
  while (start <= url.size()) {
    std::size_t end = url.find(',', start);
    if (end == std::string::npos) end = url.size();
    std::string part = url.substr(start, end - start);
    const auto first = part.find_first_not_of(" \t\r\n");
    const auto last = part.find_last_not_of(" \t\r\n");
    if (first != std::string::npos) servers.push_back(part.substr(first, last - first + 1));
    start = end + 1;
  }
  return servers;
}

OptionsResult buildOptions(const config::NatsConfig& config) {
  OptionsResult result;
  natsOptions* raw = nullptr;
  natsStatus status = natsOptions_Create(&raw);
  if (status != NATS_OK) {
    result.error = "cannot create NATS options: " + describeStatus(status);
    return result;
  }
  OptionsPtr options(raw);

  const std::vector<std::string> servers = splitServers(config.url);
  const bool any_tls_url = std::any_of(
      servers.begin(), servers.end(), [](const std::string& s) { return startsWith(s, "tls://"); });
  if (setServers(options.get(), servers, result.error) &&
      setConnectionPolicy(options.get(), config, result.error) &&
      setTls(options.get(), config.tls, any_tls_url, result.error) &&
      setAuth(options.get(), config, result.error)) {
    result.options = std::move(options);
  }
  return result;
}

}  // namespace wss::transport
