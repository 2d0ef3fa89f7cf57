#include "sidecar/transport/options.h"

#include <fstream>

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

}  // namespace

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

  // Each step names the config key it came from, so a failure reads like a config error.
  auto check = [&result](natsStatus s, std::string_view what) {
    if (s == NATS_OK) return true;
    result.error = std::string(what) + ": " + describeStatus(s);
    return false;
  };

  const std::vector<std::string> servers = splitServers(config.url);
  if (servers.empty()) {
    result.error = "nats.url: no server given";
    return result;
  }
  std::vector<const char*> server_ptrs;
  server_ptrs.reserve(servers.size());
  bool any_tls_url = false;
  for (const auto& server : servers) {
    server_ptrs.push_back(server.c_str());
    any_tls_url = any_tls_url || startsWith(server, "tls://");
  }
  if (!check(natsOptions_SetServers(options.get(), server_ptrs.data(),
                                    static_cast<int>(server_ptrs.size())),
             "nats.url")) {
    return result;
  }
  if (!config.name.empty() &&
      !check(natsOptions_SetName(options.get(), config.name.c_str()), "nats.name")) {
    return result;
  }
  if (!check(natsOptions_SetTimeout(options.get(), config.connect_timeout_ms),
             "nats.connectTimeout") ||
      !check(natsOptions_SetMaxReconnect(options.get(), -1), "reconnect policy") ||
      !check(natsOptions_SetReconnectWait(options.get(), config.reconnect_wait_ms),
             "nats.reconnectWait") ||
      !check(natsOptions_SetPingInterval(options.get(), config.ping_interval_ms),
             "nats.pingInterval") ||
      !check(natsOptions_SetReconnectBufSize(options.get(), kReconnectBufferBytes),
             "reconnect buffer") ||
      !check(natsOptions_UseGlobalMessageDelivery(options.get(), true), "message delivery")) {
    return result;
  }

  const bool tls = any_tls_url || !config.tls.ca_file.empty() || !config.tls.cert_file.empty();
  if (tls) {
    if (!check(natsOptions_SetSecure(options.get(), true), "nats.tls")) return result;
    if (!config.tls.ca_file.empty() &&
        !check(natsOptions_LoadCATrustedCertificates(options.get(), config.tls.ca_file.c_str()),
               "nats.tls.caFile '" + config.tls.ca_file + "'")) {
      return result;
    }
    if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
      result.error = "nats.tls: certFile and keyFile must be given together";
      return result;
    }
    if (!config.tls.cert_file.empty() &&
        !check(natsOptions_LoadCertificatesChain(options.get(), config.tls.cert_file.c_str(),
                                                 config.tls.key_file.c_str()),
               "nats.tls.certFile '" + config.tls.cert_file + "'")) {
      return result;
    }
  }

  // cnats reads the credentials only when connecting, and with retry-on-failed-connect an
  // unreadable file would look like an unreachable server forever: check it now.
  if (!config.credentials_file.empty() && !readable(config.credentials_file)) {
    result.error = "nats.credentialsFile '" + config.credentials_file + "': cannot read it";
    return result;
  }
  if (!config.credentials_file.empty() &&
      !check(natsOptions_SetUserCredentialsFromFiles(options.get(), config.credentials_file.c_str(),
                                                     nullptr),
             "nats.credentialsFile '" + config.credentials_file + "'")) {
    return result;
  }
  if (!config.user.empty() &&
      !check(natsOptions_SetUserInfo(options.get(), config.user.c_str(), config.password.c_str()),
             "nats.user")) {
    return result;
  }
  if (!config.token.empty() &&
      !check(natsOptions_SetToken(options.get(), config.token.c_str()), "nats.token")) {
    return result;
  }
  result.options = std::move(options);
  return result;
}

}  // namespace wss::transport
