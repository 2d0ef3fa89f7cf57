// Fuzz target: the TaskCompleted decoder, JSON and protobuf, on the same bytes (fuzz/checks.h has
// the invariants). Corpus: fuzz/corpus/task_completed/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  wss::fuzz::checkEventBothEncodings(wss::codec::EventKind::kTaskCompleted, input);
  return 0;
}
