#include "sidecar/snapshot/event_hash.h"

namespace wss::snapshot {
namespace {

constexpr std::uint64_t kOffset = 14695981039346656037ULL;
constexpr std::uint64_t kPrime = 1099511628211ULL;

std::uint64_t mix(std::uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kPrime;
  }
  return hash;
}

}  // namespace

std::uint64_t eventHash(std::string_view subject, std::string_view payload) {
  // A separator no subject contains, so ("a", "bc") and ("ab", "c") differ.
  return mix(mix(mix(kOffset, subject), std::string_view("\0", 1)), payload);
}

}  // namespace wss::snapshot
