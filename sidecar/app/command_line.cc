#include "sidecar/app/command_line.h"

namespace wss::app {

CommandLine parseCommandLine(int argc, const char* const* argv) {
  CommandLine out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" || arg == "-c") {
      if (i + 1 >= argc) {
        out.error = "option " + std::string(arg) + " needs a FILE";
        return out;
      }
      out.config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      out.config_path = std::string(arg.substr(9));
      if (out.config_path.empty()) {
        out.error = "option --config needs a FILE";
        return out;
      }
    } else if (arg == "--check-config") {
      out.check_config = true;
    } else if (arg == "--help" || arg == "-h") {
      out.help = true;
    } else if (arg == "--version" || arg == "-V") {
      out.version = true;
    } else {
      out.error = "unknown argument '" + std::string(arg) + "'";
      return out;
    }
  }
  return out;
}

std::string usage(std::string_view program) {
  std::string text = "Usage: " + std::string(program) + " [--config FILE] [--check-config]\n";
  text +=
      "\n"
      "Watches a fleet's task and agent events on NATS and publishes work-steal orders that\n"
      "move queued tasks from overloaded agents to idle ones.\n"
      "\n"
      "Options:\n"
      "  -c, --config FILE   YAML configuration (docs/configuration.md); without it, defaults\n"
      "                      (NATS at nats://127.0.0.1:4222)\n"
      "      --check-config  validate the configuration, print \"config OK: FILE\" and exit;\n"
      "                      exit 2 with the error otherwise\n"
      "  -h, --help          show this help and exit\n"
      "  -V, --version       show the version and exit\n"
      "\n"
      "Environment: NATS_URL overrides nats.url.\n"
      "Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the stealing section.\n"
      "Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad arguments or configuration.\n";
  return text;
}

}  // namespace wss::app
