// Issue 8, "hold under hostile input and faults", against the real daemon and nats-server:
// credentials in nats.url never reach the log, and a config path that is a FIFO neither
// blocks a SIGHUP reload (and SIGTERM behind it) nor --check-config.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <string>

#include "tests/support/fleet_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kPassword = "pw-Zq81x";  // a string no log line has otherwise

bool logged(const SidecarProcess& sidecar, const std::string& needle) {
  return sidecar.log().find(needle) != std::string::npos;
}

TEST_CASE("hostile: credentials in nats.url are redacted in every log line",
          "[integration][hostile]") {
  NatsServer server({"--user", "bob", "--pass", kPassword});
  REQUIRE(server.running());
  const std::string hostport = "127.0.0.1:" + std::to_string(server.port());
  const std::string good = "nats://bob:" + std::string(kPassword) + "@" + hostport;

  SECTION("a list of servers, one unreachable: connect, running and not-reachable lines") {
    const std::string dead =
        "nats://bob:" + std::string(kPassword) + "@127.0.0.1:" + std::to_string(findFreePort());
    SidecarOptions options = SidecarOptions::forServer(dead + ", " + good);
    SidecarProcess sidecar(options);
    REQUIRE(eventually([&] { return logged(sidecar, "running: NATS"); }, seconds(10)));
    INFO("sidecar log:\n" << sidecar.log());
    CHECK(logged(sidecar, "nats://bob:***@" + hostport));
    CHECK(logged(sidecar, "connected to NATS at nats://bob:***@"));
    auto exit = sidecar.stop();
    REQUIRE(exit);
    CHECK(exit->code == 0);
    CHECK(sidecar.log().find(kPassword) == std::string::npos);
  }
  SECTION("a refused password: the critical line names the URL without it") {
    const std::string wrong = "nats://bob:wrong-" + std::string(kPassword) + "@" + hostport;
    SidecarProcess sidecar(SidecarOptions::forServer(wrong));
    REQUIRE(eventually([&] { return !sidecar.running(); }, seconds(10)));
    INFO("sidecar log:\n" << sidecar.log());
    CHECK(logged(sidecar, "NATS at nats://bob:***@" + hostport + " refused the connection"));
    CHECK(sidecar.log().find(kPassword) == std::string::npos);
  }
  SECTION("nats.password and nats.token are never logged, the file mode is") {
    SidecarOptions options = SidecarOptions::forServer(server.url());
    options.extra_nats = "  user: bob\n  password: " + std::string(kPassword) + "\n";
    SidecarProcess sidecar(options);
    REQUIRE(eventually([&] { return logged(sidecar, "running: NATS"); }, seconds(10)));
    auto exit = sidecar.stop();
    REQUIRE(exit);
    INFO("sidecar log:\n" << sidecar.log());
    CHECK(exit->code == 0);
    CHECK(sidecar.log().find(kPassword) == std::string::npos);
  }
}

TEST_CASE("hostile: a config file holding a password and readable by others is warned about",
          "[integration][hostile]") {
  NatsServer server({"--user", "bob", "--pass", kPassword});
  REQUIRE(server.running());
  SidecarOptions options = SidecarOptions::forServer(server.url());
  options.extra_nats = "  user: bob\n  password: " + std::string(kPassword) + "\n";
  TempDir dir;
  const std::string yaml = dir.writeFile("open.yaml", sidecarConfigYaml(options));
  REQUIRE(::chmod(yaml.c_str(), 0644) == 0);
  CommandResult run =
      runCommand({sidecarBinary(), "--config", yaml, "--check-config"}, seconds(10));
  CHECK(run.status.code == 0);
  const std::string log_file = dir.path() + "/daemon.log";
  const pid_t pid = spawn({sidecarBinary(), "--config", yaml}, log_file);
  REQUIRE(pid > 0);
  const bool warned = eventually(
      [&] { return readFile(log_file).find("running: NATS") != std::string::npos; }, seconds(10));
  ::kill(pid, SIGTERM);
  auto exit = waitFor(pid, seconds(5));
  if (!exit) killAndReap(pid);
  const std::string log = readFile(log_file);
  INFO("sidecar log:\n" << log);
  REQUIRE(warned);
  CHECK(log.find("[warning] the config file " + yaml + " is readable by other users (mode 0644)") !=
        std::string::npos);
  CHECK(log.find(kPassword) == std::string::npos);
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

TEST_CASE("hostile: a config path that is a FIFO fails the reload at once - SIGTERM exits 0",
          "[integration][hostile]") {
  NatsServer server;
  REQUIRE(server.running());
  SidecarProcess sidecar(SidecarOptions::forServer(server.url()));
  REQUIRE(eventually([&] { return logged(sidecar, "running: NATS"); }, seconds(10)));
  REQUIRE(::unlink(sidecar.configPath().c_str()) == 0);
  REQUIRE(::mkfifo(sidecar.configPath().c_str(), 0600) == 0);
  sidecar.signal(SIGHUP);
  const bool failed = eventually(
      [&] { return logged(sidecar, "SIGHUP: reload failed, keeping the running config"); },
      seconds(10));
  auto exit = sidecar.stop(seconds(5));
  INFO("sidecar log:\n" << sidecar.log());
  CHECK(failed);
  CHECK(logged(sidecar, "not a regular file (a FIFO)"));
  REQUIRE(exit);
  CHECK(exit->exited);
  CHECK(exit->code == 0);
}

TEST_CASE("hostile: --check-config on a FIFO exits 2 at once", "[integration][hostile][cli]") {
  TempDir dir;
  const std::string fifo = dir.path() + "/fifo.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CommandResult result =
      runCommand({sidecarBinary(), "--config", fifo, "--check-config"}, seconds(10));
  INFO(result.err);
  CHECK_FALSE(result.timed_out);
  CHECK(result.status.exited);
  CHECK(result.status.code == 2);
  CHECK(result.err.find(fifo + ": not a regular file (a FIFO)") != std::string::npos);
}

}  // namespace
}  // namespace wss::testing
