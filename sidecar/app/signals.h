// The signals the daemon handles, received synchronously on one thread.
//
// blockHandledSignals() runs first in main, before any thread exists, so every thread
// (cnats', spdlog's, the owner thread, HTTP) inherits a mask that blocks SIGTERM, SIGINT
// and SIGHUP; the main thread then takes them with waitForSignal() (sigtimedwait), where
// any code is safe to run, unlike in an asynchronous handler. SIGPIPE is ignored.
#pragma once

#include <chrono>
#include <cstdint>

namespace wss::app {

enum class SignalEvent : std::uint8_t { kNone, kStop, kReload };

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and all threads it starts later)
// and ignores SIGPIPE. Main thread, before starting any thread.
void blockHandledSignals();

// Waits up to `timeout` for a handled signal: kStop for SIGTERM/SIGINT, kReload for SIGHUP,
// kNone on timeout. The thread that blocked them (main).
[[nodiscard]] SignalEvent waitForSignal(std::chrono::milliseconds timeout);

}  // namespace wss::app
