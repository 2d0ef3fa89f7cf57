// The daemon's command line: --version, --help, unknown flags, --check-config.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using std::chrono::seconds;

TEST_CASE("command line: --version and --help exit 0", "[integration][cli]") {
  CommandResult version = runCommand({sidecarBinary(), "--version"}, seconds(10));
  CHECK(version.status.exited);
  CHECK(version.status.code == 0);
  CHECK(version.out.rfind("work-stealing-sidecar ", 0) == 0);

  CommandResult help = runCommand({sidecarBinary(), "--help"}, seconds(10));
  CHECK(help.status.code == 0);
  CHECK(help.out.find("--config") != std::string::npos);
  CHECK(help.out.find("--check-config") != std::string::npos);
}

TEST_CASE("command line: an unknown flag prints the usage on stderr and exits 2",
          "[integration][cli]") {
  CommandResult result = runCommand({sidecarBinary(), "--frobnicate"}, seconds(10));
  CHECK(result.status.exited);
  CHECK(result.status.code == 2);
  CHECK(result.err.find("--frobnicate") != std::string::npos);
  CHECK(result.err.find("Usage:") != std::string::npos);
  CHECK(result.out.empty());
}

TEST_CASE("command line: --check-config names the file, line and key of an error",
          "[integration][cli]") {
  TempDir dir;
  const std::string bad = dir.writeFile("bad.yaml",
                                        "nats:\n"
                                        "  url: nats://127.0.0.1:4222\n"
                                        "stealing:\n"
                                        "  stealIntervall: 100ms\n");
  CommandResult result =
      runCommand({sidecarBinary(), "--config", bad, "--check-config"}, seconds(10));
  CHECK(result.status.exited);
  CHECK(result.status.code == 2);
  INFO(result.err);
  CHECK(result.err.find(bad) != std::string::npos);
  CHECK(result.err.find(":4") != std::string::npos);
  CHECK(result.err.find("stealIntervall") != std::string::npos);

  SECTION("a bad value also stops a normal start before connecting") {
    CommandResult run = runCommand({sidecarBinary(), "--config", bad}, seconds(10));
    CHECK(run.status.code == 2);
    CHECK(run.err.find("stealIntervall") != std::string::npos);
  }
}

TEST_CASE("command line: --check-config accepts a good file and an unreadable one is an error",
          "[integration][cli]") {
  TempDir dir;
  SidecarOptions options;
  options.nats_url = "nats://127.0.0.1:4222";
  const std::string good = dir.writeFile("good.yaml", sidecarConfigYaml(options));
  CommandResult ok = runCommand({sidecarBinary(), "--config", good, "--check-config"}, seconds(10));
  CHECK(ok.status.code == 0);
  CHECK(ok.out == "config OK: " + good + "\n");

  CommandResult missing = runCommand(
      {sidecarBinary(), "--config", dir.path() + "/nope.yaml", "--check-config"}, seconds(10));
  CHECK(missing.status.code == 2);
  CHECK(missing.err.find("nope.yaml") != std::string::npos);

  // Files the YAML only names are checked too: an unreadable CA bundle.
  options.extra_yaml = "";
  std::string yaml = sidecarConfigYaml(options);
  yaml.replace(yaml.find("  reconnectWait"), 0, "  tls:\n    caFile: /nonexistent/ca.pem\n");
  const std::string tls = dir.writeFile("tls.yaml", yaml);
  CommandResult bad_tls =
      runCommand({sidecarBinary(), "--config", tls, "--check-config"}, seconds(10));
  CHECK(bad_tls.status.code == 2);
  CHECK(bad_tls.err.find("caFile") != std::string::npos);
}

}  // namespace
}  // namespace wss::testing
