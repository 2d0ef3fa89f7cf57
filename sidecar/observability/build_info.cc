#include "sidecar/observability/build_info.h"

#ifndef WSS_VERSION
#define WSS_VERSION "unknown"
#endif
#ifndef WSS_GIT_COMMIT
#define WSS_GIT_COMMIT "unknown"
#endif

namespace wss::observability {

BuildInfo currentBuildInfo() {
  BuildInfo info;
  info.version = WSS_VERSION;
  info.commit = std::string(WSS_GIT_COMMIT).empty() ? "unknown" : WSS_GIT_COMMIT;
  return info;
}

}  // namespace wss::observability
