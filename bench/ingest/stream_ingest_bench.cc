// stream-ingest-bench: how fast the sidecar takes the fleet's events through a JetStream
// stream (state.stream), against a bare ordered consumer that only counts them, on the same
// stream in the same run; and how long a restarted sidecar needs to replay a stream.
//
// For each encoding, on a fresh stream capturing the four inbound subjects each time, with the
// same pre-encoded mix as ingest-bench's:
// - live: the reader is attached first, then the mix is published as fast as the server takes
//   it; timed from the first publish to the reader's last event (the steady state in
//   production: events pass through the stream as they come);
// - replay: the stream is filled first (until it holds every event), then the reader starts;
//   timed from its start (subscribe; the sidecar's process spawn) to its last event. For the
//   sidecar that is a whole restart: process start, connect, stream lookup, replay.
// The bare reader is one ordered push consumer (js_Subscribe), as the sidecar uses.
#include <nats/nats.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/nats_client.h"
#include "bench/ingest/event_mix.h"
#include "tests/support/process.h"

namespace {

using Clock = std::chrono::steady_clock;
using wss::bench::NatsClient;

constexpr const char* kStream = "WSS_INGEST_BENCH";
constexpr const char* kUsage = R"(usage: stream-ingest-bench [options]
  --nats-url URL       a nats-server with JetStream (default $NATS_URL or nats://127.0.0.1:4222)
  --sidecar PATH       the daemon (default: work-stealing-sidecar beside this binary)
  --events N           events in the stream (default 300000)
  --agents N           agents in the mix (default 1000)
  --encodings LIST     json,protobuf (default both)
  --json-out FILE      the results as JSON
  --restart-agents N   also time a restart at scale: a stream of N agents and N/2 x
                       --restart-depth queued tasks, snapshotted, the sidecar kill -9ed, more
                       events meanwhile, a fresh one timed until it knows every task (0: off)
  --restart-depth D    tasks per loaded agent (default 20: 1,000,000 tasks at 100,000 agents)
  --restart-only       skip the live and replay phases
)";

struct Args {
  std::string nats_url;
  std::string sidecar;
  std::size_t events = 300'000;
  std::size_t agents = 1'000;
  std::vector<std::string> encodings{"json", "protobuf"};
  std::string json_out;
  std::size_t restart_agents = 0;
  std::size_t restart_depth = 20;
  bool restart_only = false;
};

struct Run {
  std::uint64_t received = 0;
  double seconds = 0;  // start -> last event
  std::string error;
  [[nodiscard]] double rate() const { return seconds > 0 ? received / seconds : 0; }
};

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A JetStream context on `conn`; the caller destroys it.
jsCtx* jetStream(NatsClient& conn) {
  jsCtx* js = nullptr;
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = 10'000;
  return natsConnection_JetStream(&js, conn.raw(), &o) == NATS_OK ? js : nullptr;
}

// How many messages the stream holds; -1 when it cannot be read.
std::int64_t storedMessages(jsCtx* js) {
  jsStreamInfo* info = nullptr;
  if (js_GetStreamInfo(&info, js, kStream, nullptr, nullptr) != NATS_OK) return -1;
  const auto msgs = static_cast<std::int64_t>(info->State.Msgs);
  jsStreamInfo_Destroy(info);
  return msgs;
}

// Deletes any previous bench stream and creates it anew (file storage, as
// state.createStream does); false with `error` set when it cannot.
bool createStream(jsCtx* js, std::string* error) {
  (void)js_DeleteStream(js, kStream, nullptr, nullptr);
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = kStream;
  cfg.Subjects = const_cast<const char**>(wss::bench::kIngestSubjects);
  cfg.SubjectsLen = 4;
  cfg.Storage = js_FileStorage;
  jsErrCode code = static_cast<jsErrCode>(0);
  if (js_AddStream(nullptr, js, &cfg, nullptr, &code) != NATS_OK) {
    *error = "cannot create the stream (JetStream error " + std::to_string(code) + ")";
    return false;
  }
  return true;
}

// Publishes the mix (plain publishes, which the stream captures), flushing every 1,000 so
// the stream stores at its own pace rather than the client buffering everything.
void publishMix(NatsClient& pub, const wss::bench::EventMix& mix) {
  std::size_t n = 0;
  for (const auto& ev : mix.events) {
    (void)pub.publish(wss::bench::kIngestSubjects[ev.subject], ev.payload, {});
    if (++n % 1000 == 0) pub.flush(10'000);
  }
  pub.flush(30'000);
}

// Core publishes are stored asynchronously: waits until the stream holds `expected` or its
// count stops rising for 2 s; returns the count (-1: unreadable).
std::int64_t waitStored(jsCtx* js, std::size_t expected) {
  std::int64_t stored = -1;
  for (auto last = Clock::now(); since(last) < 2.0;) {
    const std::int64_t now_stored = storedMessages(js);
    if (now_stored != stored) last = Clock::now();
    stored = now_stored;
    if (stored == static_cast<std::int64_t>(expected)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return stored;
}

struct Counter {
  std::atomic<std::uint64_t> count{0};
  std::atomic<Clock::rep> last{0};
  static void onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* c = static_cast<Counter*>(closure);
    natsMsg_Destroy(msg);
    c->count.fetch_add(1, std::memory_order_relaxed);
    c->last.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
};

// Waits until `count()` reaches `target` or stops rising for 3 s; false on the stall.
template <typename Count>
bool waitFor(Count count, std::uint64_t target) {
  std::uint64_t seen = 0;
  for (auto last_rise = Clock::now(); count() < target;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::uint64_t c = count();
    if (c != seen) {
      seen = c;
      last_rise = Clock::now();
    }
    if (since(last_rise) > 3.0) return false;
  }
  return true;
}

enum class Phase : std::uint8_t { kLive, kReplay };

// What a reader needs: the stream is created; in replay it already holds `target` events, in
// live the reader publishes the mix itself once attached.
struct Feed {
  NatsClient& pub;
  const wss::bench::EventMix& mix;
  Phase phase;
  std::uint64_t target;
};

// The bare reader: one ordered push consumer over the stream, counting.
Run readBare(jsCtx* js, const Feed& feed) {
  Run run;
  Counter counter;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = kStream;
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* sub = nullptr;
  auto t0 = Clock::now();
  if (js_Subscribe(&sub, js, ">", Counter::onMessage, &counter, nullptr, &so, nullptr) !=
      NATS_OK) {
    run.error = "cannot create the ordered consumer";
    return run;
  }
  natsSubscription_SetPendingLimits(sub, -1, -1);
  if (feed.phase == Phase::kLive) {
    t0 = Clock::now();
    publishMix(feed.pub, feed.mix);
  }
  if (!waitFor([&] { return counter.count.load(); }, feed.target)) run.error = "bare: stalled";
  run.received = counter.count.load();
  const Clock::time_point last{Clock::duration(counter.last.load())};
  run.seconds = std::chrono::duration<double>(last - t0).count();
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  return run;
}

// work.stats' eventsProcessed; nullopt while the sidecar does not answer.
std::optional<std::uint64_t> eventsProcessed(NatsClient& client) {
  const auto stats = wss::bench::workStats(client, 1000);
  if (!stats) return std::nullopt;
  return (*stats)["eventsProcessed"].get<std::uint64_t>();
}

// A sidecar with state.stream set. Replay: timed from its spawn; live: from the first publish,
// once it answers work.stats (it consumes the stream before it serves requests).
Run readSidecar(const Args& args, const std::string& enc, const std::string& dir,
                const Feed& feed) {
  Run run;
  const std::string config = dir + "/stream-sidecar-" + enc + ".yaml";
  const std::string log = dir + "/stream-sidecar-" + enc + ".log";
  std::ofstream(config, std::ios::trunc)
      << "# generated by stream-ingest-bench\nnats:\n  url: " << args.nats_url
      << "\nencoding: " << enc << "\nstate:\n  stream: " << kStream
      << "\nhttp:\n  enabled: false\nlog:\n  level: warn\n";
  std::string error;
  auto client = NatsClient::connect(args.nats_url, "stream-ingest-bench-stats", &error);
  if (!client) {
    run.error = error;
    return run;
  }
  auto t0 = Clock::now();
  wss::testing::ChildProcess sidecar({args.sidecar, "--config", config}, log);
  if (!sidecar.started()) {
    run.error = "cannot start the sidecar: " + sidecar.error();
    return run;
  }
  std::uint64_t base = 0;
  if (feed.phase == Phase::kLive) {
    std::optional<std::uint64_t> ready;
    for (int i = 0; i < 100 && !ready && sidecar.running(); ++i) ready = eventsProcessed(*client);
    base = ready.value_or(0);
    t0 = Clock::now();
    publishMix(feed.pub, feed.mix);
  }
  std::uint64_t processed = 0;
  Clock::time_point last_rise = t0;
  const auto count = [&] {
    const std::uint64_t now_processed = eventsProcessed(*client).value_or(base) - base;
    if (now_processed > processed) {
      processed = now_processed;
      last_rise = Clock::now();
    }
    return processed;
  };
  if (!waitFor(count, feed.target)) run.error = "sidecar: stalled (see " + log + ")";
  if (!sidecar.running()) run.error = "the sidecar exited (see " + log + ")";
  run.received = processed;
  run.seconds = std::chrono::duration<double>(last_rise - t0).count();
  sidecar.stop(std::chrono::seconds(5));
  return run;
}

nlohmann::json toJson(const Run& bare, const Run& side, std::uint64_t target) {
  nlohmann::json out = {
      {"events", target},
      {"bare", {{"received", bare.received}, {"seconds", bare.seconds}, {"rate", bare.rate()}}},
      {"sidecar", {{"processed", side.received}, {"seconds", side.seconds}, {"rate", side.rate()}}},
      {"ratio", bare.rate() > 0 ? side.rate() / bare.rate() : 0},
      {"lost", static_cast<std::int64_t>(target) - static_cast<std::int64_t>(side.received)}};
  if (!bare.error.empty() || !side.error.empty()) out["error"] = bare.error + " " + side.error;
  return out;
}

// One phase: the bare reader, then the sidecar, each on a fresh stream fed the same mix.
nlohmann::json measurePhase(const Args& args, const std::string& enc, const std::string& dir,
                            const wss::bench::EventMix& mix, Phase phase, NatsClient& pub,
                            jsCtx* js) {
  Run runs[2];
  std::uint64_t target = mix.events.size();
  for (int reader = 0; reader < 2; ++reader) {
    std::string error;
    if (!createStream(js, &error)) return {{"error", error}};
    if (phase == Phase::kReplay) {
      publishMix(pub, mix);
      const std::int64_t stored = waitStored(js, mix.events.size());
      if (stored <= 0) return {{"error", "the stream stored nothing"}};
      target = static_cast<std::uint64_t>(stored);
    }
    const Feed feed{pub, mix, phase, target};
    runs[reader] = reader == 0 ? readBare(js, feed) : readSidecar(args, enc, dir, feed);
  }
  return toJson(runs[0], runs[1], target);
}

nlohmann::json measure(const Args& args, const std::string& enc, const std::string& dir) {
  std::string error;
  const auto mix = wss::bench::makeEventMix(
      args.events, args.agents, 42,
      enc == "json" ? wss::codec::Encoding::kJson : wss::codec::Encoding::kProtobuf);
  auto pub = NatsClient::connect(args.nats_url, "stream-ingest-bench", &error);
  jsCtx* js = pub ? jetStream(*pub) : nullptr;
  if (js == nullptr) return {{"error", pub ? "no JetStream" : error}};
  nlohmann::json out = {{"live", measurePhase(args, enc, dir, mix, Phase::kLive, *pub, js)},
                        {"replay", measurePhase(args, enc, dir, mix, Phase::kReplay, *pub, js)}};
  (void)js_DeleteStream(js, kStream, nullptr, nullptr);
  jsCtx_Destroy(js);
  return out;
}

// --- a restart at scale ---------------------------------------------------------------------

// work.stats of a sidecar, waited for until `done(stats)` or `limit` passes; the last answer.
template <typename Done>
std::optional<nlohmann::json> statsUntil(NatsClient& client, Done done, double limit_s) {
  std::optional<nlohmann::json> last;
  for (const auto t0 = Clock::now(); since(t0) < limit_s;) {
    if (auto stats = wss::bench::workStats(client, 2000)) {
      last = std::move(stats);
      if (done(*last)) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return last;
}

std::uint64_t field(const std::optional<nlohmann::json>& stats, const char* name) {
  return stats ? stats->value(name, std::uint64_t{0}) : 0;
}

// A stream of `agents` agents, half of them `depth` tasks deep (protobuf), ingested by a
// sidecar that snapshots every second; once a snapshot covers the whole stream it is kill -9ed
// and the agents' metrics published again (the events a restart replays after the snapshot).
// A fresh sidecar is timed from its spawn until work.stats knows every task and has replayed
// those events: restore (KV read, decode, restore) plus replay.
nlohmann::json measureRestart(const Args& args, const std::string& dir) {
  std::string error;
  const auto mix = wss::bench::makeBurstMix(args.restart_agents, args.restart_depth,
                                            wss::codec::Encoding::kProtobuf);
  const std::uint64_t tasks = mix.assigned;
  const wss::bench::EventMix again{
      {mix.events.begin(), mix.events.begin() + static_cast<long>(args.restart_agents)}};
  auto pub = NatsClient::connect(args.nats_url, "stream-ingest-bench-restart", &error);
  jsCtx* js = pub ? jetStream(*pub) : nullptr;
  if (js == nullptr || !createStream(js, &error)) return {{"error", "no JetStream: " + error}};
  publishMix(*pub, mix);
  const std::int64_t stored = waitStored(js, mix.events.size());
  const std::string config = dir + "/restart.yaml";
  std::ofstream(config, std::ios::trunc)
      << "nats:\n  url: " << args.nats_url << "\nstate:\n  stream: " << kStream
      << "\n  snapshotInterval: 1s\nlimits:\n  maxTasks: " << 2 * tasks + 1000
      << "\n  maxAgents: " << 2 * args.restart_agents + 1000
      << "\nhttp:\n  enabled: false\nlog:\n  level: warn\n";
  auto client = NatsClient::connect(args.nats_url, "stream-ingest-bench-restart-stats", &error);
  nlohmann::json out = {{"agents", args.restart_agents}, {"tasks", tasks}, {"stored", stored}};
  {
    wss::testing::ChildProcess first({args.sidecar, "--config", config}, dir + "/restart-1.log");
    const auto covered = statsUntil(
        *client,
        [&](const nlohmann::json& st) {
          return st.value("stateSnapshotSequence", std::uint64_t{0}) >=
                 static_cast<std::uint64_t>(stored);
        },
        300);
    out["snapshotBytes"] = field(covered, "stateSnapshotBytes");
    if (field(covered, "stateSnapshotSequence") < static_cast<std::uint64_t>(stored)) {
      out["error"] = "no snapshot covered the stream (see " + dir + "/restart-1.log)";
    }
    ::kill(first.pid(), SIGKILL);
  }
  publishMix(*pub, again);
  (void)waitStored(js, mix.events.size() + again.events.size());
  const auto t0 = Clock::now();
  wss::testing::ChildProcess second({args.sidecar, "--config", config}, dir + "/restart-2.log");
  const auto known = statsUntil(
      *client,
      [&](const nlohmann::json& st) {
        return st.value("inFlightTasks", std::uint64_t{0}) >= tasks &&
               st.value("eventsProcessed", std::uint64_t{0}) >= again.events.size();
      },
      300);
  out["restartSeconds"] = since(t0);
  out["restored"] = field(known, "stateSnapshotRestores");
  out["replayed"] = field(known, "eventsProcessed");
  out["knownTasks"] = field(known, "inFlightTasks");
  if (field(known, "inFlightTasks") < tasks) out["error"] = "the fresh sidecar did not know every task";
  second.stop();
  (void)js_DeleteStream(js, kStream, nullptr, nullptr);
  jsCtx_Destroy(js);
  return out;
}

bool parseArgs(int argc, char** argv, Args* a, std::string* error) {
  const char* url = std::getenv("NATS_URL");
  a->nats_url = url != nullptr ? url : "nats://127.0.0.1:4222";
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  a->sidecar = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / "work-stealing-sidecar";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--restart-only") {
      a->restart_only = true;
      continue;
    }
    if (i + 1 >= argc) {
      *error = arg + " needs a value";
      return false;
    }
    const std::string v = argv[++i];
    if (arg == "--nats-url") {
      a->nats_url = v;
    } else if (arg == "--sidecar") {
      a->sidecar = v;
    } else if (arg == "--events") {
      a->events = std::stoull(v);  // throws on garbage: main reports it
    } else if (arg == "--agents") {
      a->agents = std::stoull(v);
    } else if (arg == "--json-out") {
      a->json_out = v;
    } else if (arg == "--restart-agents") {
      a->restart_agents = std::stoull(v);
    } else if (arg == "--restart-depth") {
      a->restart_depth = std::stoull(v);
    } else if (arg == "--encodings" && (v == "json" || v == "protobuf")) {
      a->encodings = {v};
    } else if (arg != "--encodings" || v != "json,protobuf") {
      *error = "unknown option or value: " + arg + " " + v;
      return false;
    }
  }
  if (a->events == 0 || a->agents == 0) {
    *error = "--events and --agents must be > 0";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  std::string error;
  try {
    if (!parseArgs(argc, argv, &args, &error)) {
      std::fprintf(stderr, "stream-ingest-bench: %s\n%s", error.c_str(), kUsage);
      return 2;
    }
  } catch (const std::exception&) {
    std::fprintf(stderr, "stream-ingest-bench: a bad number\n%s", kUsage);
    return 2;
  }
  char tmpl[] = "/tmp/stream-ingest-bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("stream-ingest-bench: mkdtemp");
    return 1;
  }
  nlohmann::json out = {{"agents", args.agents}, {"encodings", nlohmann::json::object()}};
  bool ok = true;
  if (!args.restart_only) {
    std::printf("%-9s %-7s %9s %12s %13s %6s %6s %9s\n", "encoding", "phase", "events",
                "bare ev/s", "sidecar ev/s", "ratio", "lost", "sidecar s");
  }
  for (const std::string& enc : args.encodings) {
    if (args.restart_only) break;
    const nlohmann::json r = measure(args, enc, tmpl);
    out["encodings"][enc] = r;
    for (const char* phase : {"live", "replay"}) {
      const nlohmann::json& p = r.contains(phase) ? r[phase] : r;
      if (p.contains("error") || !p.contains("ratio")) {
        ok = false;
        std::printf("%-9s %-7s error: %s\n", enc.c_str(), phase,
                    p.value("error", std::string("?")).c_str());
        continue;
      }
      std::printf("%-9s %-7s %9llu %12.0f %13.0f %6.2f %6lld %9.2f\n", enc.c_str(), phase,
                  p["events"].get<unsigned long long>(), p["bare"]["rate"].get<double>(),
                  p["sidecar"]["rate"].get<double>(), p["ratio"].get<double>(),
                  p["lost"].get<long long>(), p["sidecar"]["seconds"].get<double>());
      ok = ok && p["lost"].get<long long>() == 0;
    }
  }
  if (!args.restart_only) std::printf("goal: ratio >= 0.8, 0 lost\n");
  if (args.restart_agents > 0) {
    const nlohmann::json r = measureRestart(args, tmpl);
    out["restart"] = r;
    ok = ok && !r.contains("error");
    std::printf("restart: %llu agents, %llu tasks, snapshot %.1f MB: a fresh sidecar knew every "
                "task and had replayed %llu events after %.2f s (restored %llu)%s%s\n",
                r.value("agents", 0ULL), r.value("tasks", 0ULL),
                static_cast<double>(r.value("snapshotBytes", 0ULL)) / 1e6,
                r.value("replayed", 0ULL), r.value("restartSeconds", 0.0),
                r.value("restored", 0ULL), r.contains("error") ? "; error: " : "",
                r.value("error", std::string()).c_str());
  }
  if (!args.json_out.empty()) std::ofstream(args.json_out, std::ios::trunc) << out.dump(2) << '\n';
  return ok ? 0 : 1;
}
