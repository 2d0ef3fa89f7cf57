// The daemon's command line: --config FILE, --check-config, --help, --version.
//
// Parsing is pure so it can be tested; main.cc prints and exits. An unknown flag or a
// missing value is an error (usage on stderr, exit 2).
#pragma once

#include <string>
#include <string_view>

namespace wss::app {

struct CommandLine {
  std::string config_path;  // empty: defaults plus environment
  bool check_config = false;
  bool help = false;
  bool version = false;
  std::string error;  // set when the arguments are not usable
};

// Accepts --config FILE, --config=FILE, -c FILE, --check-config, --help/-h, --version/-V.
[[nodiscard]] CommandLine parseCommandLine(int argc, const char* const* argv);

// The usage text for `program` (argv[0]'s base name), ending with a newline.
[[nodiscard]] std::string usage(std::string_view program);

}  // namespace wss::app
