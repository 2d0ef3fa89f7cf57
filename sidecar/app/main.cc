// work-stealing-sidecar: parse the command line, load the config, run the App.
#include <iostream>
#include <string>

#include "sidecar/app/allocator.h"
#include "sidecar/app/app.h"
#include "sidecar/app/command_line.h"
#include "sidecar/app/logging.h"
#include "sidecar/app/signals.h"
#include "sidecar/config/config.h"

#ifndef WSS_VERSION
#define WSS_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask (see signals.h), and every
  // allocation follows the daemon's allocator settings (see allocator.h).
  wss::app::blockHandledSignals();
  wss::app::tuneAllocator();

  constexpr const char* kProgram = "work-stealing-sidecar";
  const wss::app::CommandLine command_line = wss::app::parseCommandLine(argc, argv);
  if (!command_line.error.empty()) {
    std::cerr << kProgram << ": " << command_line.error << "\n\n" << wss::app::usage(kProgram);
    return wss::app::kExitConfigError;
  }
  if (command_line.help) {
    std::cout << wss::app::usage(kProgram);
    return wss::app::kExitOk;
  }
  if (command_line.version) {
    std::cout << kProgram << " " << WSS_VERSION << "\n";
    return wss::app::kExitOk;
  }

  const auto env = wss::config::processEnvironment();
  wss::config::Config config;
  if (command_line.config_path.empty()) {
    config = wss::config::defaults(env);
  } else {
    wss::config::LoadResult loaded = wss::config::loadFile(command_line.config_path, env);
    if (!loaded.ok) {
      std::cerr << loaded.error << "\n";
      return wss::app::kExitConfigError;
    }
    config = std::move(loaded.config);
    if (config.source_file.empty()) config.source_file = command_line.config_path;
  }
  const std::string shown =
      command_line.config_path.empty() ? "(defaults)" : command_line.config_path;

  if (command_line.check_config) {
    if (std::string error = wss::app::App::checkConnectionSettings(config); !error.empty()) {
      std::cerr << shown << ": " << error << "\n";
      return wss::app::kExitConfigError;
    }
    std::cout << "config OK: " << shown << "\n";
    return wss::app::kExitOk;
  }

  wss::app::setupLogging(config.log);
  return wss::app::App(std::move(config)).run();
}
