// Boot ids: operation ids must not repeat across restarts.
#include "sidecar/app/boot_id.h"

#include <catch2/catch.hpp>
#include <set>

namespace wss::app {
namespace {

bool isLowerHex(const std::string& text) {
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST_CASE("formatBootId: eight lowercase hex digits - zero-padded") {
  CHECK(formatBootId(0) == "00000000");
  CHECK(formatBootId(0xdeadbeef) == "deadbeef");
  CHECK(formatBootId(0x2a) == "0000002a");
  CHECK(formatBootId(0xffffffff) == "ffffffff");
}

TEST_CASE("makeBootId draws a fresh id each time") {
  std::set<std::string> ids;
  for (int i = 0; i < 16; ++i) {
    const std::string id = makeBootId();
    CHECK(id.size() == kBootIdLength);
    CHECK(isLowerHex(id));
    ids.insert(id);
  }
  // 16 draws of 32 bits: a repeat has probability ~3e-8.
  CHECK(ids.size() == 16);
}

TEST_CASE("the effective operation id prefix is the configured one plus the boot id") {
  CHECK(operationIdPrefix("steal", "0badcafe") == "steal-0badcafe");
  CHECK(operationIdPrefix("eu1", "00000001") == "eu1-00000001");
  CHECK(operationIdPrefix("steal", "") == "steal");
}

}  // namespace
}  // namespace wss::app
