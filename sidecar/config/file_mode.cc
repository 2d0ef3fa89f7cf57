#include "sidecar/config/file_mode.h"

#include <sys/stat.h>

#include <array>
#include <cstdio>

#include "sidecar/common/redact.h"

namespace wss::config {
namespace {

std::string octalMode(mode_t mode) {
  std::array<char, 8> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04o", static_cast<unsigned>(mode & 07777));
  return buffer.data();
}

bool holdsSecret(const NatsConfig& nats) {
  return !nats.password.empty() || !nats.token.empty() || common::redactUrl(nats.url) != nats.url;
}

}  // namespace

std::string othersReadableWarning(const std::string& path, std::string_view what) {
  struct stat info {};
  if (path.empty() || ::stat(path.c_str(), &info) != 0) return {};
  if ((info.st_mode & S_IROTH) == 0) return {};
  return std::string(what) + " " + path + " is readable by other users (mode " +
         octalMode(info.st_mode) + "); it holds a secret: chmod 600 it (or 640 for a group)";
}

std::vector<std::string> secretFileWarnings(const Config& config) {
  std::vector<std::string> warnings;
  const auto add = [&warnings](const std::string& path, std::string_view what) {
    if (std::string warning = othersReadableWarning(path, what); !warning.empty()) {
      warnings.push_back(std::move(warning));
    }
  };
  add(config.nats.credentials_file, "nats.credentialsFile");
  add(config.nats.tls.key_file, "nats.tls.keyFile");
  if (holdsSecret(config.nats)) add(config.source_file, "the config file");
  return warnings;
}

}  // namespace wss::config
