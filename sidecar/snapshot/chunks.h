// An encoded snapshot in pieces that each fit one NATS message, and the pieces put back
// together: every piece names its transfer, its index, the count and the whole's CRC-32, so
// a lost, repeated, foreign or corrupted piece is caught, never silently restored. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace wss::snapshot {

// The smallest piece split() makes (but the last): so a transfer's count is bounded by its
// size, and a piece announcing a huge count is refused before anything is allocated for it.
inline constexpr std::size_t kMinPiece = 64;

// Splits `whole` into Chunk messages of at most max(`max_data`, kMinPiece) payload bytes each
// (one chunk for an empty whole).
[[nodiscard]] std::vector<std::string> split(std::string_view whole, std::uint64_t transfer,
                                             std::size_t max_data);

class Assembler {
 public:
  enum class Step : std::uint8_t { kMore, kDone, kFailed };

  // Refuses a transfer announcing more than `max_bytes` in all. Memory grows only with the
  // bytes received, never with what a piece announces.
  explicit Assembler(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Takes the next piece (any order). After kDone, bytes() is the whole; after kFailed,
  // error() says why, and further pieces are ignored.
  Step add(std::string_view chunk);
  [[nodiscard]] const std::string& bytes() const { return whole_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::uint32_t received() const { return received_; }

 private:
  Step fail(std::string why);
  Step finish();

  std::size_t max_bytes_;
  bool started_ = false;
  std::uint64_t transfer_ = 0;
  std::uint32_t count_ = 0;
  std::uint64_t total_ = 0;
  std::uint32_t crc_ = 0;
  std::map<std::uint32_t, std::string> pieces_;  // by index
  std::uint64_t received_bytes_ = 0;
  std::uint32_t received_ = 0;
  std::string whole_;
  std::string error_;
};

}  // namespace wss::snapshot
