// The HTTP surface the sidecar serves for Kubernetes and Prometheus, in one place.
//
// The deployment manifests (deploy/k8s/) point their probes and scrape annotations at these
// paths and this port; tests/deploy/ checks that they agree, so change both together.
#pragma once

#include <cstdint>
#include <string_view>

namespace wss::observability {

// Liveness: 200 while the owner thread keeps turning, 503 when it has stalled.
inline constexpr std::string_view kHealthzPath = "/healthz";
// Readiness: 200 once connected to NATS and subscribed while the server answers PINGs, 503
// otherwise (also while the connection is stale: a hung server).
inline constexpr std::string_view kReadyzPath = "/readyz";
// Prometheus text exposition format 0.0.4.
inline constexpr std::string_view kMetricsPath = "/metrics";

// The port of the default `http.listen` (0.0.0.0:9090).
inline constexpr std::uint16_t kDefaultPort = 9090;

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace wss::observability
