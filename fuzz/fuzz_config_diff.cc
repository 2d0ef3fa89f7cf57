// Fuzz target: the SIGHUP diff (app::restartOnlyChanges) between two configs loaded from
// fuzzed YAML, the input split at its first NUL byte (before, then after). Identical configs
// differ nowhere; the diff is symmetric and names each known section at most once.
// Corpus: fuzz/corpus/config_diff/.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/checks.h"
#include "sidecar/app/config_diff.h"
#include "sidecar/config/config.h"

namespace {

using wss::fuzz::require;

bool knownSection(const std::string& name) {
  static const std::vector<std::string> known = {"nats", "subjects", "encoding",           "log",
                                                 "http", "ha",       "maintenanceInterval"};
  return std::find(known.begin(), known.end(), name) != known.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = std::min(input.find('\0'), input.size());
  const std::string_view rest = input.substr(std::min(split + 1, input.size()));
  const auto before = wss::config::loadString(std::string(input.substr(0, split)), "before", {});
  const auto after = wss::config::loadString(std::string(rest), "after", {});
  if (!before.ok || !after.ok) return 0;
  require(wss::app::restartOnlyChanges(before.config, before.config).empty(), "a == a");
  const auto forward = wss::app::restartOnlyChanges(before.config, after.config);
  require(forward == wss::app::restartOnlyChanges(after.config, before.config), "symmetric");
  for (std::size_t i = 0; i < forward.size(); ++i) {
    require(knownSection(forward[i]), "names only known sections");
    require(std::count(forward.begin(), forward.end(), forward[i]) == 1, "names each once");
  }
  return 0;
}
