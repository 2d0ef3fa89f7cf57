// One escaper for text that must stay on one line and inside a JSON string.
//
// Shared by the codec (JSON payloads) and the app's log formats (JSON lines and text lines), so
// that an agent id from the fleet is escaped by the same rules wherever it is written: quotes
// and backslashes get a backslash, \b \f \n \r \t their short forms, every other control
// character (0x00-0x1F, 0x7F, so ESC of an ANSI sequence too) becomes \u00XX, and bytes that are
// not valid UTF-8 become \ufffd, one per bad byte. Valid UTF-8 is copied as it is.
//
// Header-only and standard library only, so any module may include it (the codec does not
// depend on the app, nor the core on anything). Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wss::common {

// kJsonString escapes `"` (the inside of a JSON string); kTextLine leaves it, for text logs,
// where only line breaks, terminal escapes, backslashes and bad UTF-8 need escaping.
enum class EscapeQuotes : std::uint8_t { kJsonString, kTextLine };

namespace internal {

// The length of the valid UTF-8 sequence at the start of `text` (2 to 4), or 0 when invalid
// (overlong, surrogate, beyond U+10FFFF, truncated). `text[0]` must be >= 0x80.
inline std::size_t utf8SequenceLength(std::string_view text) {
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t min = 0;
  std::uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min = 0x80, code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min = 0x800, code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// The escape for the ASCII byte `c`, or "" when it is written as it is.
inline std::string_view asciiEscape(unsigned char c, EscapeQuotes quotes) {
  static constexpr std::string_view kControls[0x20] = {
      "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
      "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
      "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
      "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};
  if (c < 0x20) return kControls[c];
  if (c == 0x7F) return "\\u007f";
  if (c == '\\') return "\\\\";
  if (c == '"' && quotes == EscapeQuotes::kJsonString) return "\\\"";
  return {};
}

}  // namespace internal

// Appends `text` to `out`, escaped as described above: the inside of a JSON string
// (kJsonString) or one text log line (kTextLine). Runs of plain bytes are copied at once.
inline void appendEscaped(std::string_view text, std::string& out,
                          EscapeQuotes quotes = EscapeQuotes::kJsonString) {
  std::size_t run_start = 0;
  std::size_t i = 0;
  const auto flush = [&] { out.append(text.data() + run_start, i - run_start); };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      const std::string_view escape = internal::asciiEscape(c, quotes);
      if (!escape.empty()) {
        flush();
        out.append(escape);
        run_start = i + 1;
      }
      ++i;
      continue;
    }
    const std::size_t length = internal::utf8SequenceLength(text.substr(i));
    if (length == 0) {
      flush();
      out.append("\\ufffd");
      run_start = ++i;
    } else {
      i += length;
    }
  }
  flush();
}

}  // namespace wss::common
