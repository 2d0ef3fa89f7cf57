// A 64-bit fingerprint of one inbound message (subject and payload bytes), so two replicas
// can tell which events both have applied without any sequence number: core NATS has none.
// FNV-1a: stable across processes and builds, which std::hash does not promise. Pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace wss::snapshot {

[[nodiscard]] std::uint64_t eventHash(std::string_view subject, std::string_view payload);

}  // namespace wss::snapshot
