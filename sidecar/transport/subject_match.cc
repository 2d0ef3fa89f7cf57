#include "sidecar/transport/subject_match.h"

namespace wss::transport {
namespace {

// The token of `text` starting at `pos`, and where the next one starts (npos after the last).
struct Token {
  std::string_view text;
  std::size_t next = std::string_view::npos;
};

Token tokenAt(std::string_view text, std::size_t pos) {
  const std::size_t dot = text.find('.', pos);
  if (dot == std::string_view::npos) return {text.substr(pos), std::string_view::npos};
  return {text.substr(pos, dot - pos), dot + 1};
}

}  // namespace

bool subjectCovers(std::string_view filter, std::string_view subject) {
  if (filter.empty() || subject.empty()) return false;
  std::size_t f = 0;
  std::size_t s = 0;
  while (f != std::string_view::npos && s != std::string_view::npos) {
    const Token ft = tokenAt(filter, f);
    const Token st = tokenAt(subject, s);
    if (ft.text.empty() || st.text.empty()) return false;
    if (ft.text == ">") return ft.next == std::string_view::npos;  // the rest, one token or more
    if (st.text == ">") return false;                              // wider than the filter
    if (ft.text != "*" && (st.text == "*" || ft.text != st.text)) return false;
    f = ft.next;
    s = st.next;
  }
  return f == std::string_view::npos && s == std::string_view::npos;  // same token count
}

std::optional<std::size_t> firstMatch(const std::vector<std::string_view>& patterns,
                                      std::string_view subject) {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (subjectCovers(patterns[i], subject)) return i;
  }
  return std::nullopt;
}

}  // namespace wss::transport
