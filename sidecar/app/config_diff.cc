#include "sidecar/app/config_diff.h"

#include <tuple>

namespace wss::app {
namespace {

auto fields(const config::NatsConfig& n) {
  return std::tie(n.url, n.name, n.credentials_file, n.user, n.password, n.token, n.tls.ca_file,
                  n.tls.cert_file, n.tls.key_file, n.connect_timeout_ms, n.reconnect_wait_ms,
                  n.ping_interval_ms, n.pending_messages_limit, n.pending_bytes_limit,
                  n.drain_timeout_ms);
}

auto fields(const config::SubjectsConfig& s) {
  return std::tie(s.task_assigned, s.task_completed, s.task_failed, s.agent_metrics, s.work_steal,
                  s.work_stats, s.work_operations, s.work_agents, s.work_best_agent, s.queue_group);
}

auto fields(const config::LogConfig& l) { return std::tie(l.level, l.format); }
auto fields(const config::HttpConfig& h) { return std::tie(h.enabled, h.listen); }
auto fields(const config::HaConfig& h) {
  return std::tie(h.enabled, h.bucket, h.group, h.lease_ttl_ms, h.name, h.peer_restore_timeout_ms);
}
auto fields(const config::StateConfig& s) {
  return std::tie(s.stream, s.create_stream, s.stream_max_age_ms, s.snapshot_interval_ms,
                  s.snapshot_bucket);
}

}  // namespace

std::vector<std::string> restartOnlyChanges(const config::Config& before,
                                            const config::Config& after) {
  std::vector<std::string> changed;
  if (fields(before.nats) != fields(after.nats)) changed.emplace_back("nats");
  if (fields(before.subjects) != fields(after.subjects)) changed.emplace_back("subjects");
  if (before.encoding != after.encoding) changed.emplace_back("encoding");
  if (fields(before.log) != fields(after.log)) changed.emplace_back("log");
  if (fields(before.http) != fields(after.http)) changed.emplace_back("http");
  if (fields(before.ha) != fields(after.ha)) changed.emplace_back("ha");
  if (fields(before.state) != fields(after.state)) changed.emplace_back("state");
  if (before.maintenance_interval_ms != after.maintenance_interval_ms) {
    changed.emplace_back("maintenanceInterval");
  }
  return changed;
}

}  // namespace wss::app
