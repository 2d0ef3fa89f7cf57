// Fuzz target: the WorkSteal decoder, JSON and protobuf, on the same bytes (fuzz/checks.h has
// the invariants). Corpus: fuzz/corpus/work_steal/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  wss::fuzz::silenceProtobuf();
  wss::fuzz::checkStealOrder(wss::codec::Encoding::kJson, input);
  wss::fuzz::checkStealOrder(wss::codec::Encoding::kProtobuf, input);
  return 0;
}
