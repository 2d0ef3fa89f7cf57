// What was built: the version and, when the build knew it, the git commit.
//
// Reported as `wss_build_info{version,commit} 1` so dashboards can tell releases apart.
#pragma once

#include <string>

namespace wss::observability {

struct BuildInfo {
  std::string version;             // the CMake project version, e.g. "0.1.0"
  std::string commit = "unknown";  // short git commit, or "unknown"
};

// The values compiled into this build (CMake: PROJECT_VERSION and WSS_GIT_COMMIT).
[[nodiscard]] BuildInfo currentBuildInfo();

}  // namespace wss::observability
