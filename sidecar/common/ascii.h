// ASCII case folding for protocol tokens (header names, media types), which are ASCII by
// definition. std::tolower consults the locale per character: in a protobuf burst that lookup
// was an eighth of the ingest path's CPU. Header-only; pure; any thread.
#pragma once

#include <string_view>

namespace wss::common {

constexpr char asciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool equalsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace wss::common
