// NATS subject matching, as the server does it: which configured subject a message belongs to.
//
// A message consumed from a stream arrives on its own subject; the sidecar routes it to an event
// kind by matching that subject against the configured ones, which may hold the wildcards `*`
// (one token) and `>` (one or more trailing tokens). Pure functions; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace wss::transport {

// Whether every subject that `subject` stands for also matches `filter` (the server's
// subset match). With a literal `subject` this is plain matching: "a.*" covers "a.b",
// "a.>" covers "a.b.c", neither covers "a". With wildcards in `subject` too it says whether
// `filter` captures all of it: "a.>" covers "a.*", "a.*" does not cover "a.>". Empty
// tokens ("a..b", ".a") never match.
[[nodiscard]] bool subjectCovers(std::string_view filter, std::string_view subject);

// The index of the first of `patterns` that covers `subject`; nullopt when none does.
[[nodiscard]] std::optional<std::size_t> firstMatch(const std::vector<std::string_view>& patterns,
                                                    std::string_view subject);

}  // namespace wss::transport
