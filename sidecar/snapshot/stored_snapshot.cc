#include "sidecar/snapshot/stored_snapshot.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace wss::snapshot {
namespace {

using nlohmann::json;

template <typename T>
bool readField(const json& body, const char* name, T& out) {
  const auto it = body.find(name);
  if (it == body.end() || !it->is_number_integer()) return false;
  out = it->get<T>();
  return true;
}

}  // namespace

std::string headKey(std::string_view group) { return std::string(group) + ".head"; }

std::string pieceKey(std::string_view group, std::uint32_t slot, std::uint32_t index) {
  return std::string(group) + ".s" + std::to_string(slot) + "." + std::to_string(index);
}

std::string encodeHead(const StoredHead& head) {
  return json{{"format", head.format},
              {"slot", head.slot},
              {"transfer", head.transfer},
              {"pieces", head.pieces},
              {"streamSequence", head.stream_sequence},
              {"bytes", head.bytes},
              {"takenUnixMs", head.taken_unix_ms},
              {"streamCreatedNs", head.stream_created_ns}}
      .dump();
}

std::optional<StoredHead> decodeHead(std::string_view bytes) {
  const json body = json::parse(bytes, nullptr, false);
  if (!body.is_object()) return std::nullopt;
  StoredHead head;
  const bool complete =
      readField(body, "format", head.format) && readField(body, "slot", head.slot) &&
      readField(body, "transfer", head.transfer) && readField(body, "pieces", head.pieces) &&
      readField(body, "streamSequence", head.stream_sequence) &&
      readField(body, "bytes", head.bytes) && readField(body, "takenUnixMs", head.taken_unix_ms) &&
      readField(body, "streamCreatedNs", head.stream_created_ns);
  if (!complete || head.slot > 1 || head.pieces == 0) return std::nullopt;
  return head;
}

std::string incarnationProblem(std::int64_t covered_ns, std::int64_t created_ns) {
  if (covered_ns == created_ns) return {};
  return "it covers the stream made at " + std::to_string(covered_ns) +
         " ns, but this one was made at " + std::to_string(created_ns) +
         " ns (deleted and made again since)";
}

std::string coverageProblem(std::uint64_t sequence, std::uint64_t first, std::uint64_t last) {
  if (sequence == 0) return "it covers no stream sequence";
  if (sequence > last) {
    return "it covers sequence " + std::to_string(sequence) + " but the stream ends at " +
           std::to_string(last) + " (another stream, or one purged since)";
  }
  if (first > sequence + 1) {
    return "it covers up to sequence " + std::to_string(sequence) + " but the stream starts at " +
           std::to_string(first) + ": the events in between are gone";
  }
  return {};
}

void ageImage(core::StateImage& image, std::int64_t gap_ms) {
  const core::TimeMs gap = std::max<std::int64_t>(gap_ms, 0);
  for (core::AgentImage& agent : image.agents) {
    agent.seen_ago += gap;
    agent.slot_started_ago += gap;
    agent.benched_for = std::max<core::TimeMs>(agent.benched_for - gap, 0);
  }
  for (core::StealImage& steal : image.steals) steal.age += gap;
}

}  // namespace wss::snapshot
