#include "sidecar/snapshot/snapshot_codec.h"

#include <cmath>

#include "snapshot.pb.h"

namespace wss::snapshot {
namespace {

template <typename Repeated>
std::vector<std::string> strings(const Repeated& field) {
  return {field.begin(), field.end()};
}

void toProto(const core::AgentImage& a, v1::Agent& out) {
  out.set_id(a.id);
  for (const auto& c : a.capabilities) out.add_capabilities(c);
  out.set_cpu(a.cpu);
  out.set_memory(a.memory);
  out.set_priority(a.priority);
  out.set_concurrency(a.concurrency);
  out.set_status(a.status == core::AgentStatus::kUnspecified ? ""
                                                              : std::string(toString(a.status)));
  out.set_departed(a.departed);
  out.set_seen_ago_ms(a.seen_ago);
  out.set_slot_started_ago_ms(a.slot_started_ago);
  for (const double d : a.durations) out.add_durations(d);
  out.set_count_tasks(a.count_tasks);
  out.set_timed_out_steals(a.timed_out_steals);
  out.set_benched_for_ms(a.benched_for);
  for (const auto& t : a.tasks) {
    v1::Task* task = out.add_tasks();
    task->set_id(t.id);
    for (const auto& r : t.required) task->add_required(r);
  }
}

void toProto(const core::StealImage& s, v1::Steal& out) {
  out.set_operation_id(s.operation_id);
  out.set_source(s.source);
  out.set_target(s.target);
  out.set_reason(s.reason);
  for (const auto& id : s.task_ids) out.add_task_ids(id);
  out.set_age_ms(s.age);
}

// An error text, empty when the agent is one a coordinator could hold.
std::string fromProto(const v1::Agent& a, core::AgentImage& out) {
  if (a.seen_ago_ms() < 0 || a.slot_started_ago_ms() < 0 || a.benched_for_ms() < 0) {
    return "agent '" + a.id().substr(0, 64) + "': a negative age";
  }
  out.status = core::parseAgentStatus(a.status());
  if (!a.status().empty() && out.status == core::AgentStatus::kUnspecified) {
    return "agent '" + a.id().substr(0, 64) + "': unknown status '" + a.status().substr(0, 16) + "'";
  }
  out.id = a.id();
  out.capabilities = strings(a.capabilities());
  out.cpu = a.cpu();
  out.memory = a.memory();
  out.priority = a.priority();
  out.concurrency = a.concurrency();
  out.departed = a.departed();
  out.seen_ago = a.seen_ago_ms();
  out.slot_started_ago = a.slot_started_ago_ms();
  out.durations.assign(a.durations().begin(), a.durations().end());
  out.count_tasks = a.count_tasks();
  out.timed_out_steals = a.timed_out_steals();
  out.benched_for = a.benched_for_ms();
  out.tasks.reserve(static_cast<std::size_t>(a.tasks_size()));
  for (const auto& t : a.tasks()) out.tasks.push_back({t.id(), strings(t.required())});
  return {};
}

}  // namespace

std::string encode(const Snapshot& snapshot) {
  v1::Snapshot out;
  out.set_format(kFormat);
  for (const auto& agent : snapshot.image.agents) toProto(agent, *out.add_agents());
  for (const auto& steal : snapshot.image.steals) toProto(steal, *out.add_steals());
  for (const std::uint64_t hash : snapshot.recent_events) out.add_recent_events(hash);
  out.set_stream_sequence(snapshot.stream_sequence);
  out.set_taken_unix_ms(snapshot.taken_unix_ms);
  return out.SerializeAsString();
}

DecodeResult decode(std::string_view bytes) {
  DecodeResult result;
  v1::Snapshot in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    result.error = "not a snapshot (protobuf parse failed)";
    return result;
  }
  if (in.format() != kFormat) {
    result.error = "snapshot format " + std::to_string(in.format()) + ", this build reads " +
                   std::to_string(kFormat);
    return result;
  }
  core::StateImage& image = result.snapshot.image;
  image.agents.resize(static_cast<std::size_t>(in.agents_size()));
  for (int i = 0; i < in.agents_size(); ++i) {
    result.error = fromProto(in.agents(i), image.agents[static_cast<std::size_t>(i)]);
    if (!result.error.empty()) return result;
  }
  for (const auto& s : in.steals()) {
    if (s.age_ms() < 0) {
      result.error = "steal '" + s.operation_id().substr(0, 64) + "': a negative age";
      return result;
    }
    image.steals.push_back(
        {s.operation_id(), s.source(), s.target(), s.reason(), strings(s.task_ids()), s.age_ms()});
  }
  result.snapshot.recent_events.assign(in.recent_events().begin(), in.recent_events().end());
  result.snapshot.stream_sequence = in.stream_sequence();
  result.snapshot.taken_unix_ms = in.taken_unix_ms();
  result.ok = true;
  return result;
}

}  // namespace wss::snapshot
