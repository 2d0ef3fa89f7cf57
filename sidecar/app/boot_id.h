// A short id for one start of the daemon, so the ids it mints are unique across restarts.
//
// The coordinator numbers steal operations from 1 at every start, so `<prefix>-1` would
// come back after each restart, and a fleet that dedupes steals by operationId would drop
// real ones. The daemon draws a boot id once at startup and makes the effective
// stealing.operationIdPrefix `<configured prefix>-<boot id>`; a SIGHUP reload keeps the
// boot id (see OwnerLoop), so ids stay unique for the life of the process too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wss::app {

inline constexpr std::size_t kBootIdLength = 8;

// `bits` as kBootIdLength lowercase hex digits, zero-padded. Pure.
[[nodiscard]] std::string formatBootId(std::uint32_t bits);

// A fresh boot id from std::random_device (the kernel's random source): two starts, or two
// replicas started in the same millisecond, collide with probability 2^-32. Any thread.
[[nodiscard]] std::string makeBootId();

// The effective operation id prefix: `configured` + "-" + `boot_id`; just `configured` when
// `boot_id` is empty (unit tests that want the coordinator's plain ids). Pure.
[[nodiscard]] std::string operationIdPrefix(std::string_view configured, std::string_view boot_id);

}  // namespace wss::app
