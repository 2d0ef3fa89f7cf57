#include "sidecar/snapshot/chunks.h"

#include <zlib.h>

#include <algorithm>

#include "snapshot.pb.h"

namespace wss::snapshot {
namespace {

std::uint32_t crcOf(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length: feed big wholes in pieces.
  constexpr std::size_t kStep = 1U << 30;
  for (std::size_t at = 0; at < bytes.size(); at += kStep) {
    const std::size_t n = std::min(kStep, bytes.size() - at);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(crc);
}

}  // namespace

std::vector<std::string> split(std::string_view whole, std::uint64_t transfer,
                               std::size_t max_data) {
  max_data = std::max(max_data, kMinPiece);
  const std::size_t count = std::max<std::size_t>(1, (whole.size() + max_data - 1) / max_data);
  const std::uint32_t crc = crcOf(whole);
  std::vector<std::string> out;
  out.reserve(count);
  v1::Chunk chunk;
  for (std::size_t i = 0; i < count; ++i) {
    chunk.set_transfer(transfer);
    chunk.set_index(static_cast<std::uint32_t>(i));
    chunk.set_count(static_cast<std::uint32_t>(count));
    chunk.set_total_bytes(whole.size());
    chunk.set_crc32(crc);
    chunk.set_data(std::string(whole.substr(i * max_data, max_data)));
    out.push_back(chunk.SerializeAsString());
  }
  return out;
}

Assembler::Step Assembler::fail(std::string why) {
  error_ = std::move(why);
  pieces_.clear();
  return Step::kFailed;
}

Assembler::Step Assembler::add(std::string_view bytes) {
  if (!error_.empty()) return Step::kFailed;
  v1::Chunk chunk;
  if (!chunk.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail("a piece that is not a snapshot chunk");
  }
  if (!started_) {
    if (chunk.count() == 0 || chunk.total_bytes() > max_bytes_ ||
        chunk.count() > chunk.total_bytes() / kMinPiece + 1) {
      return fail("a transfer of " + std::to_string(chunk.total_bytes()) + " bytes in " +
                  std::to_string(chunk.count()) + " pieces (at most " +
                  std::to_string(max_bytes_) + " bytes)");
    }
    started_ = true;
    transfer_ = chunk.transfer();
    count_ = chunk.count();
    total_ = chunk.total_bytes();
    crc_ = chunk.crc32();
  }
  if (chunk.transfer() != transfer_) return Step::kMore;  // another transfer's: not ours
  if (chunk.count() != count_ || chunk.total_bytes() != total_ || chunk.crc32() != crc_ ||
      chunk.index() >= count_) {
    return fail("pieces that disagree about the transfer");
  }
  if (pieces_.count(chunk.index()) > 0) return Step::kMore;  // a repeat
  if (chunk.data().size() > total_ - received_bytes_) {
    return fail("pieces larger than the announced size");
  }
  received_bytes_ += chunk.data().size();
  pieces_.emplace(chunk.index(), std::move(*chunk.mutable_data()));
  return ++received_ == count_ ? finish() : Step::kMore;
}

Assembler::Step Assembler::finish() {
  whole_.clear();
  whole_.reserve(total_);
  for (const auto& [index, piece] : pieces_) whole_ += piece;
  pieces_.clear();
  if (whole_.size() != total_) return fail("the pieces do not add up to the announced size");
  if (crcOf(whole_) != crc_) return fail("CRC-32 mismatch: the snapshot is corrupt");
  return Step::kDone;
}

}  // namespace wss::snapshot
