// parseCommandLine: every flag, every error; usage names them all.
#include "sidecar/app/command_line.h"

#include <catch2/catch.hpp>
#include <vector>

namespace wss::app {
namespace {

CommandLine parse(std::vector<const char*> args) {
  args.insert(args.begin(), "work-stealing-sidecar");
  return parseCommandLine(static_cast<int>(args.size()), args.data());
}

TEST_CASE("no arguments: defaults - nothing to do but run") {
  const CommandLine cl = parse({});
  CHECK(cl.error.empty());
  CHECK(cl.config_path.empty());
  CHECK_FALSE(cl.check_config);
  CHECK_FALSE(cl.help);
  CHECK_FALSE(cl.version);
}

TEST_CASE("the config file comes from --config FILE or --config=FILE or -c FILE") {
  CHECK(parse({"--config", "a.yaml"}).config_path == "a.yaml");
  CHECK(parse({"--config=b.yaml"}).config_path == "b.yaml");
  CHECK(parse({"-c", "c.yaml"}).config_path == "c.yaml");
  CHECK(parse({"--config", "a.yaml", "--config", "z.yaml"}).config_path == "z.yaml");  // last wins
  // A value that looks like a flag is still the value.
  CHECK(parse({"--config", "--help"}).config_path == "--help");
  CHECK_FALSE(parse({"--config", "--help"}).help);
  for (const auto& cl : {parse({"--config", "a.yaml"}), parse({"--config=b.yaml"})}) {
    CHECK(cl.error.empty());
  }
}

TEST_CASE("check-config and help and version flags are set by long and short options") {
  const CommandLine check = parse({"--config", "x.yaml", "--check-config"});
  CHECK(check.error.empty());
  CHECK(check.check_config);
  CHECK(check.config_path == "x.yaml");
  CHECK(parse({"--help"}).help);
  CHECK(parse({"-h"}).help);
  CHECK(parse({"--version"}).version);
  CHECK(parse({"-V"}).version);
  const CommandLine both = parse({"-h", "-V"});
  CHECK(both.help);
  CHECK(both.version);
}

TEST_CASE("command line errors name the problem") {
  SECTION("a missing FILE") {
    CHECK(parse({"--config"}).error == "option --config needs a FILE");
    CHECK(parse({"-c"}).error == "option -c needs a FILE");
    CHECK(parse({"--config="}).error == "option --config needs a FILE");
  }
  SECTION("unknown flags and stray arguments") {
    CHECK(parse({"--verbose"}).error == "unknown argument '--verbose'");
    CHECK(parse({"config.yaml"}).error == "unknown argument 'config.yaml'");
    CHECK(parse({"-x"}).error == "unknown argument '-x'");
    CHECK(parse({"--check-config=yes"}).error == "unknown argument '--check-config=yes'");
    CHECK(parse({"--help", "--bogus"}).error == "unknown argument '--bogus'");
    CHECK(parse({"--config"}).config_path.empty());
  }
}

TEST_CASE("usage names the program and every option") {
  const std::string text = usage("wss");
  CHECK(text.rfind("Usage: wss ", 0) == 0);
  for (const char* option : {"--config FILE", "-c", "--check-config", "--help", "-h", "--version",
                             "-V", "NATS_URL", "SIGHUP"}) {
    INFO(option);
    CHECK(text.find(option) != std::string::npos);
  }
  CHECK(text.back() == '\n');
}

}  // namespace
}  // namespace wss::app
