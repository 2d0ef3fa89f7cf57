#include "sidecar/app/work_item.h"

namespace wss::app {

std::string_view toString(Service service) {
  switch (service) {
    case Service::kStats:
      return "work.stats";
    case Service::kOperations:
      return "work.operations";
    case Service::kAgents:
      return "work.agents";
    case Service::kBestAgent:
      return "work.bestAgent";
  }
  return "?";
}

}  // namespace wss::app
