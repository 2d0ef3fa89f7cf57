#include "sidecar/app/app.h"

#include <optional>
#include <string>
#include <utility>

#include "sidecar/app/runtime.h"
#include "sidecar/transport/library.h"
#include "sidecar/transport/options.h"

namespace wss::app {

App::App(config::Config config) : config_(std::move(config)) {}

std::string App::checkConnectionSettings(const config::Config& config) {
  transport::NatsLibrary library;
  if (!library.ok()) return library.error();
  transport::OptionsResult options = transport::buildOptions(config.nats);
  if (!options.error.empty()) library.leaveOpenAtExit();  // see NatsLibrary
  return options.error;
}

int App::run() {
  Runtime runtime(config_);
  if (const std::optional<int> failed = runtime.start()) return *failed;
  runtime.startOwner();
  if (const std::optional<int> failed = runtime.subscribe()) return runtime.stop(*failed);
  // A lead-or-follow step (high availability) goes here: subscribed, before the signal loop.
  runtime.announce();
  return runtime.stop(runtime.waitForStop());
}

}  // namespace wss::app
