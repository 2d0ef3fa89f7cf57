// What the sidecar knows about its link to the NATS server, from the times things happened.
//
// Two questions, answered without calling into cnats (whose calls may wait on a hung server):
// - Is the server answering? A connect and every PONG count as an answer. Connected with no
//   answer for `stale_after` is stale: /readyz says 503 until the next answer.
// - Did this process stop running for a while (SIGSTOP, CPU starvation, swap)? A ticker
//   calls tick() a few times a second; a gap longer than `stall_threshold` is a stall. After a
//   stall the server gets `stale_after` again before the link counts as stale: the silence
//   was ours. A disconnect soon after a stall, when the server had answered up to the stall
//   and no write of ours had timed out, is the server cutting a slow consumer: the process
//   did not read its socket, so the server's write deadline or pending limit passed. (The
//   server sends no -ERR for that; the stall is the evidence.) A hung server instead falls
//   silent first, or makes a write time out.
// Pure logic over a mutex: times come in as arguments, so tests drive it by hand. Any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace wss::transport {

class LinkHealth {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = std::chrono::milliseconds;

  struct Settings {
    Duration stale_after{3000};
    Duration stall_threshold{1000};
    Duration stall_memory{10000};  // how long after a stall a server's cut is blamed on it
  };

  // What a tick found.
  struct Tick {
    bool became_stale = false;  // and by how long the last answer is overdue:
    Duration silent_for{0};
    Duration stall{0};  // > 0: the process did not run for this long before this tick
  };

  LinkHealth(Settings settings, Clock::time_point now);

  // The connection is up (connected or reconnected): that took a PING/PONG, so it answers.
  void connected(Clock::time_point now);
  void disconnected();
  // A PONG arrived. Returns how long it was stale when this ends a stale episode.
  std::optional<Duration> answered(Clock::time_point now);
  // A write to the server hit cnats' write deadline: the server stopped reading.
  void writeTimedOut(Clock::time_point now);
  // The ticker, a few times a second.
  Tick tick(Clock::time_point now);

  [[nodiscard]] bool isConnected() const;
  // Connected and answered within stale_after of `now`.
  [[nodiscard]] bool ready(Clock::time_point now) const;
  [[nodiscard]] bool stale() const;
  [[nodiscard]] std::uint64_t staleEpisodes() const;
  // The longest stall that ended within stall_memory of `now`, a tick overdue at `now`
  // counting as one; zero when there was none.
  [[nodiscard]] Duration recentStall(Clock::time_point now) const;
  // For a disconnect at `now`: the stall that explains it as a server-side slow-consumer cut
  // (see the file comment), or zero when it is not one.
  [[nodiscard]] Duration slowConsumerCut(Clock::time_point now) const;
  [[nodiscard]] const Settings& settings() const { return settings_; }

 private:
  const Settings settings_;
  mutable std::mutex mutex_;
  bool connected_ = false;
  bool stale_ = false;
  std::uint64_t stale_episodes_ = 0;
  Clock::time_point last_answer_;
  Clock::time_point last_tick_;
  Clock::time_point last_stall_end_;
  Duration last_stall_{0};
  Clock::time_point grace_until_;    // no stale verdict before: a stall of ours just ended
  Duration silent_before_stall_{0};  // how long the server had been silent when it began
  std::optional<Clock::time_point> last_write_timeout_;
};

}  // namespace wss::transport
