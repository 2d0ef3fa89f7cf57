// The daemon against a nats-server that requires authentication: user/password, a token, and
// mutual TLS with certificates the openssl CLI makes at test time. Each case proves the daemon
// really connected by asking work.stats as a client holding the same credentials, and that
// a server refusing its credentials stops it at startup with exit 2 and the reason (cnats
// 3.4 would otherwise give up on the connection after one refusal, without saying why).
// (An unreadable nats.tls.caFile under --check-config is covered in cli_test.cc.)
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/fleet_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"
#include "tests/support/sidecar_process.h"

namespace wss::testing {
namespace {

using std::chrono::seconds;

// How many times nats-server logged `needle` (its auth and TLS failures, one per attempt).
int countInLog(const std::string& log_file, const std::string& needle) {
  const std::string text = readFile(log_file);
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// The daemon started with `options` is refused by the server, which logs `server_error`:
// a configuration error, so the daemon stops at once with exit code 2 and a critical line
// naming the URL and `reason` (cnats' own words), and it never served anything.
void checkRefused(const SidecarOptions& options, const NatsServer& server,
                  const std::string& server_error, const std::string& reason, FleetClient& fleet) {
  const int before = countInLog(server.logFile(), server_error);  // e.g. the port probe
  SidecarProcess sidecar(options);
  const bool exited = eventually([&] { return !sidecar.running(); }, seconds(5));
  INFO("server log:\n" << readFile(server.logFile()));
  INFO("sidecar log:\n" << sidecar.log());
  REQUIRE(exited);
  auto exit = sidecar.stop();
  REQUIRE(exit);
  CHECK(exit->exited);
  CHECK(exit->code == 2);
  // The server may log the refusal just after the daemon heard of it: wait for the line.
  CHECK(eventually([&] { return countInLog(server.logFile(), server_error) > before; }));
  const std::string log = sidecar.log();
  CHECK(log.find("[critical] NATS at " + options.nats_url + " refused the connection") !=
        std::string::npos);
  CHECK(log.find(reason) != std::string::npos);
  CHECK(log.find("connected to NATS") == std::string::npos);
  CHECK(log.find("not reachable yet") == std::string::npos);
  CHECK_FALSE(fleet.ask("work.stats").has_value());
}

// work.stats answered over the authenticated connection, by the daemon that says it is
// connected.
void checkServes(SidecarProcess& sidecar, FleetClient& fleet) {
  REQUIRE(fleet.connected());
  auto stats = fleet.stats();
  INFO("sidecar log:\n" << sidecar.log());
  REQUIRE(stats);
  CHECK((*stats)["natsConnected"] == true);
  REQUIRE(fleet.metrics("agent-a", 10.0));
  REQUIRE(fleet.flush());
  CHECK(fleet.waitForStats([](const nlohmann::json& s) { return s["totalAgents"] == 1; }));
  auto exit = sidecar.stop();
  REQUIRE(exit);
  INFO("signal " << exit->signal);
  CHECK(exit->exited);
  CHECK(exit->code == 0);
}

TEST_CASE("auth: user and password", "[integration][auth]") {
  NatsServer server({"--user", "fleet", "--pass", "s3cret"});
  REQUIRE(server.running());
  const std::string port = std::to_string(server.port());
  FleetClient fleet("nats://fleet:s3cret@127.0.0.1:" + port);
  REQUIRE(fleet.connected());

  SidecarOptions options = SidecarOptions::forServer(server.url());
  SECTION("the right password connects and serves") {
    options.extra_nats = "  user: fleet\n  password: s3cret\n";
    SidecarProcess sidecar(options);
    checkServes(sidecar, fleet);
  }
  SECTION("a wrong password is refused: exit 2 with the reason") {
    options.extra_nats = "  user: fleet\n  password: wrong\n";
    checkRefused(options, server, "authentication error", "Authorization Violation", fleet);
  }
}

TEST_CASE("auth: token", "[integration][auth]") {
  NatsServer server({"--auth", "t0ken-42"});
  REQUIRE(server.running());
  FleetClient fleet("nats://t0ken-42@127.0.0.1:" + std::to_string(server.port()));
  REQUIRE(fleet.connected());

  SidecarOptions options = SidecarOptions::forServer(server.url());
  SECTION("the right token connects and serves") {
    options.extra_nats = "  token: t0ken-42\n";
    SidecarProcess sidecar(options);
    checkServes(sidecar, fleet);
  }
  SECTION("a wrong token is refused: exit 2 with the reason") {
    options.extra_nats = "  token: nope\n";
    checkRefused(options, server, "authentication error", "Authorization Violation", fleet);
  }
}

// The openssl CLI: /usr/bin/openssl, else from PATH.
std::string opensslExecutable() {
  if (access("/usr/bin/openssl", X_OK) == 0) return "/usr/bin/openssl";
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    const std::string paths(path);
    std::size_t start = 0;
    while (start <= paths.size()) {
      std::size_t end = paths.find(':', start);
      if (end == std::string::npos) end = paths.size();
      const std::string candidate = paths.substr(start, end - start) + "/openssl";
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
  }
  return "openssl";
}

// A throwaway PKI in a temp dir: a CA, a server certificate for 127.0.0.1/localhost and a
// client certificate, both signed by the CA. EC P-256 keys (fast), valid one day, made by
// the openssl CLI with fixed command lines; error() is empty when all went well.
class TestPki {
 public:
  TestPki() {
    const std::string openssl = opensslExecutable();
    const std::string dir = dir_.path();
    const std::string server_ext = dir_.writeFile(
        "server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    const std::string client_ext = dir_.writeFile("client.ext", "extendedKeyUsage=clientAuth\n");
    const std::vector<std::string> new_key = {"-newkey", "ec", "-pkeyopt",
                                              "ec_paramgen_curve:prime256v1", "-nodes"};
    auto request = [&](std::vector<std::string> argv, const std::string& name,
                       const std::string& subject) {
      argv.insert(argv.end(), new_key.begin(), new_key.end());
      argv.insert(argv.end(), {"-keyout", dir + "/" + name + ".key", "-subj", subject});
      return argv;
    };
    auto sign = [&](const std::string& name, const std::string& ext, const std::string& serial) {
      std::vector<std::string> argv = {openssl, "x509", "-req", "-in", dir + "/" + name + ".csr"};
      argv.insert(argv.end(), {"-CA", ca(), "-CAkey", dir + "/ca.key", "-set_serial", serial});
      argv.insert(argv.end(), {"-days", "1", "-extfile", ext, "-out", cert(name)});
      return argv;
    };
    const std::vector<std::vector<std::string>> commands = {
        request({openssl, "req", "-x509", "-days", "1", "-out", ca()}, "ca", "/CN=wss-test-ca"),
        request({openssl, "req", "-out", dir + "/server.csr"}, "server", "/CN=localhost"),
        sign("server", server_ext, "2"),
        request({openssl, "req", "-out", dir + "/client.csr"}, "client", "/CN=wss-test-client"),
        sign("client", client_ext, "3"),
    };
    for (const auto& argv : commands) {
      CommandResult result = runCommand(argv, seconds(10));
      if (!result.status.exited || result.status.code != 0) {
        error_ = argv[0] + " " + argv[1] + " " + argv[2] + " failed: " + result.err;
        return;
      }
    }
  }

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::string ca() const { return dir_.path() + "/ca.pem"; }
  [[nodiscard]] std::string cert(const std::string& name) const {
    return dir_.path() + "/" + name + ".pem";
  }
  [[nodiscard]] std::string key(const std::string& name) const {
    return dir_.path() + "/" + name + ".key";
  }

 private:
  TempDir dir_;
  std::string error_;
};

TEST_CASE("auth: mutual TLS with a client certificate", "[integration][auth][tls]") {
  TestPki pki;
  INFO(pki.error());
  REQUIRE(pki.error().empty());
  NatsServer server({"--tls", "--tlscert", pki.cert("server"), "--tlskey", pki.key("server"),
                     "--tlscacert", pki.ca(), "--tlsverify"});
  REQUIRE(server.running());
  const std::string url = "tls://127.0.0.1:" + std::to_string(server.port());
  FleetClient fleet(url, ClientTls{pki.ca(), pki.cert("client"), pki.key("client")});
  REQUIRE(fleet.connected());

  SidecarOptions options = SidecarOptions::forServer(url);
  SECTION("the CA and the client certificate connect and serve") {
    options.extra_nats = "  tls:\n    caFile: " + pki.ca() +
                         "\n    certFile: " + pki.cert("client") +
                         "\n    keyFile: " + pki.key("client") + "\n";
    SidecarProcess sidecar(options);
    checkServes(sidecar, fleet);
  }
  SECTION("without a client certificate the server refuses it: exit 2") {
    options.extra_nats = "  tls:\n    caFile: " + pki.ca() + "\n";
    checkRefused(options, server, "client didn't provide a certificate", "Protocol Error", fleet);
  }
}

}  // namespace
}  // namespace wss::testing
