// The fleet's events consumed from a JetStream stream, so a restarted sidecar replays them.
//
// EventStream finds the stream (creating it when asked), then reads it with ONE ordered push
// consumer over every subject, from its first message: the stream's order is kept across the
// four inbound subjects (a task's assigned stays before its completed). Each message is routed
// by its subject to the first route whose (possibly wildcard) subject covers it, with its age
// from the stream's timestamp. cnats owns the consumer: it recreates it on a gap or a lost
// heartbeat, from the next sequence, and the same callback keeps receiving. A slow handler
// holds the server back through flow control; nothing is dropped in the client. The callback runs
// on cnats' delivery thread and only hands work off, like Subscription's. Created and drained by
// Connection (main thread); counters readable from any thread.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/transport/bus.h"
#include "sidecar/transport/subscription.h"

namespace wss::transport {

// What to consume: config::StateConfig and how long each API call may take; the routes give
// the subjects. No pending limits: see EventStream::subscribe in event_stream.cc.
struct StreamSpec {
  std::string stream;
  bool create = false;             // create it when absent: the route subjects, limits, file
  std::int64_t max_age_ms = 0;     // of a created stream
  std::int64_t timeout_ms = 2000;  // each JetStream API call
  // The first sequence to deliver (a restored snapshot's next); 0: the stream's first message.
  std::uint64_t start_sequence = 0;
};

// A subject (wildcards allowed) and the handler of the messages it covers.
struct StreamRoute {
  std::string subject;
  MessageHandler handler;
};

// Why a stream could not be consumed: the app falls back to plain subscriptions on any.
enum class StreamProblem : std::uint8_t {
  kNone,
  kNoJetStream,  // the server (or the account) has no JetStream
  kAbsent,       // no such stream, and create is false
  kNotCovered,   // the stream exists but does not capture every route's subject
  kFailed,       // anything else: not connected, timed out, refused
};

[[nodiscard]] std::string_view toString(StreamProblem problem);

// A stream's first and last sequence (first = last + 1 when it is empty).
struct StreamBounds {
  bool found = false;  // false: absent, or the lookup failed (error says which)
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  // When it was made (Unix ns): a stream deleted and made again under the same name is
  // another stream, whatever its sequences.
  std::int64_t created_ns = 0;
  std::string error;
};

// Looks the stream up, waiting at most `timeout_ms`. Blocking: the main thread, connected.
[[nodiscard]] StreamBounds streamBounds(natsConnection* nc, const std::string& stream,
                                        std::int64_t timeout_ms);

// The age of a message stamped `timestamp_ns` (Unix ns, the server's clock) at `now_ns`, in
// whole milliseconds; 0 when the stamp is missing or ahead of `now_ns` (clock skew). Pure.
[[nodiscard]] std::int64_t ageMs(std::int64_t timestamp_ns, std::int64_t now_ns);

class EventStream {
 public:
  struct OpenResult {
    std::unique_ptr<EventStream> stream;  // set when problem is kNone
    StreamProblem problem = StreamProblem::kNone;
    std::string error;  // one line naming the stream, when problem is not kNone
  };

  // Looks up (or creates) the stream and starts the ordered consumer. `handler_failures`
  // counts handlers that threw and must outlive the stream. Blocks for the API calls (at most
  // a few times spec.timeout_ms). The thread that owns the Connection, connected.
  [[nodiscard]] static OpenResult open(natsConnection* nc, const StreamSpec& spec,
                                       std::vector<StreamRoute> routes,
                                       std::atomic<std::uint64_t>* handler_failures);

  // Unsubscribes if still active, frees the consumer and the JetStream context.
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // As Subscription's: stop interest, deliver what was received, wait for it, stop for good.
  [[nodiscard]] Status startDrain(std::int64_t timeout_ms);
  [[nodiscard]] Status waitDrained(std::int64_t timeout_ms);
  void stop();

  // Messages dropped by cnats past the pending limits: none expected, as the stream has none
  // (flow control holds the server back instead). Any thread.
  [[nodiscard]] std::int64_t dropped() const;
  // Messages handed to a route's handler; messages on a subject no route covers (a stream
  // capturing more than the inbound subjects), dropped. Any thread.
  [[nodiscard]] std::uint64_t delivered() const { return delivered_.load(); }
  [[nodiscard]] std::uint64_t unrouted() const { return unrouted_.load(); }
  // Messages before StreamSpec::start_sequence, dropped: a restored snapshot holds them
  // already. cnats resets an ordered consumer at the sequence after the last one it delivered,
  // or at 1 when it delivered none yet, so a reset right after a restore replays them. Any thread.
  [[nodiscard]] std::uint64_t skipped() const { return skipped_.load(); }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  EventStream(std::string name, jsCtx* js, std::vector<StreamRoute> routes,
              std::atomic<std::uint64_t>* handler_failures, std::uint64_t start_sequence);
  [[nodiscard]] OpenResult subscribe(std::uint64_t start_sequence);
  static void onMessage(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);
  void route(natsMsg* msg);

  std::string name_;
  jsCtx* js_ = nullptr;
  natsSubscription* sub_ = nullptr;
  std::vector<StreamRoute> routes_;
  std::vector<std::string_view> patterns_;  // views of routes_' subjects, for firstMatch
  std::atomic<std::uint64_t>* handler_failures_;
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> unrouted_{0};
  std::uint64_t start_sequence_;
  std::atomic<std::uint64_t> skipped_{0};
};

}  // namespace wss::transport
