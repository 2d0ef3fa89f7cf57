// Fuzz target: the YAML config loader (config::loadString), with and without the NATS_URL
// override. It must never throw or crash; an error names the file; an accepted config
// remembers its source and takes the override. Corpus: fuzz/corpus/config/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/checks.h"
#include "sidecar/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using wss::fuzz::require;
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  const wss::config::LoadResult plain = wss::config::loadString(yaml, "fuzz.yaml", {});
  if (!plain.ok) {
    require(plain.error.starts_with("fuzz.yaml"), "errors name the file");
    return 0;
  }
  require(plain.config.source_file == "fuzz.yaml", "the config remembers its file");
  const std::string url = "nats://127.0.0.1:4999";
  const wss::config::LoadResult env =
      wss::config::loadString(yaml, "fuzz.yaml", {{"NATS_URL", url}});
  if (env.ok) require(env.config.nats.url == url, "NATS_URL overrides nats.url");
  return 0;
}
