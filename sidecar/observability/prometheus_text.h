// Renders a MetricsSnapshot in the Prometheus text exposition format, version 0.0.4.
//
// Naming follows the Prometheus conventions: one prefix (`wss_`), base units in the name
// (`_seconds`), `_total` on counters, HELP and TYPE before every family, and labels only of
// bounded cardinality (inbound kind, agent state, anomaly reason), never agent or task ids.
// docs/metrics.md lists every family; tests check the output with `promtool check metrics`.
#pragma once

#include <string>

#include "sidecar/observability/metrics_snapshot.h"

namespace wss::observability {

// Pure and thread-safe. Every family is always present, zeros included, so that series exist
// from the first scrape and rate() works from the start.
[[nodiscard]] std::string renderPrometheus(const MetricsSnapshot& snapshot);

}  // namespace wss::observability
