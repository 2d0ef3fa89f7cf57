#include "sidecar/app/boot_id.h"

#include <random>

namespace wss::app {

std::string formatBootId(std::uint32_t bits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kBootIdLength, '0');
  for (std::size_t i = kBootIdLength; i-- > 0;) {
    out[i] = kHex[bits & 0xFU];
    bits >>= 4;
  }
  return out;
}

std::string makeBootId() {
  std::random_device device;
  return formatBootId(static_cast<std::uint32_t>(device()));
}

std::string operationIdPrefix(std::string_view configured, std::string_view boot_id) {
  std::string out(configured);
  if (!boot_id.empty()) {
    out += '-';
    out += boot_id;
  }
  return out;
}

}  // namespace wss::app
