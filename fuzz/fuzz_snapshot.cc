// Fuzz target: what a starting replica does with a peer's bytes (ha peer restore): the pieces
// assembled, the snapshot decoded, the image restored onto a fresh coordinator with small
// limits. Nothing may crash; a restored state must image and decode again. Corpus:
// fuzz/corpus/snapshot/ (encoded snapshots of small fleets, and single pieces).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/checks.h"
#include "sidecar/core/coordinator.h"
#include "sidecar/snapshot/chunks.h"
#include "sidecar/snapshot/snapshot_codec.h"

namespace {

void restoreChecked(std::string_view bytes) {
  const wss::snapshot::DecodeResult decoded = wss::snapshot::decode(bytes);
  if (!decoded.ok) return;
  wss::core::CoordinatorConfig config;
  config.limits.max_agents = 64;
  config.limits.max_tasks = 256;
  wss::core::Coordinator coordinator(config);
  if (!coordinator.restore(decoded.snapshot.image, 1'000'000).ok) return;
  const wss::snapshot::Snapshot again{coordinator.image(1'000'000), {}, 0};
  wss::fuzz::require(wss::snapshot::decode(wss::snapshot::encode(again)).ok,
                     "a restored state images and decodes again");
  (void)coordinator.stealRound(1'000'001);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  wss::fuzz::silenceProtobuf();
  restoreChecked(input);
  // The same bytes as one piece of a transfer, and as the whole of one split in pieces.
  wss::snapshot::Assembler one(1 << 20);
  (void)one.add(input);
  wss::snapshot::Assembler pieces(1 << 20);
  for (const std::string& piece : wss::snapshot::split(input, 7, 97)) {
    if (pieces.add(piece) == wss::snapshot::Assembler::Step::kDone) {
      wss::fuzz::require(pieces.bytes() == input, "pieces give back the whole");
    }
  }
  return 0;
}
