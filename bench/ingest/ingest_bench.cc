// ingest-bench: how many fleet events per second the sidecar ingests through a real
// nats-server, against a bare cnats subscriber that only counts them (the transport's limit).
//
// For each encoding: publish the same pre-encoded stream of events once to the bare subscriber
// and once to the sidecar, started here as a child process with a generated config (stealing
// on its defaults); the sidecar's count is work.stats' eventsProcessed, polled until it stops
// rising. Reports events/s of each, the ratio sidecar/bare, the events lost and the work.steal
// orders the sidecar published meanwhile. Two streams (--mode): "mix", a realistic mix
// (default 1,000,000 events over 1,000 agents), and "burst", which leaves half the agents
// --burst-depth tasks deep and the other half idle, so the sidecar has steals to plan while
// the events pour in.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/nats_client.h"
#include "bench/ingest/event_mix.h"
#include "tests/support/process.h"

namespace {

using Clock = std::chrono::steady_clock;
using wss::bench::NatsClient;
using wss::bench::workStats;

constexpr const char* kUsage = R"(usage: ingest-bench [options]
  --nats-url URL       the nats-server to go through (default $NATS_URL or nats://127.0.0.1:4222)
  --sidecar FILE       the sidecar binary (default: work-stealing-sidecar beside this binary)
  --mode MODE          mix: a realistic mix of --events events (default); burst: every agent
                       announces itself, then agents 0..N/2-1 get --burst-depth task.assigned
                       each and agents N/2..N-1 nothing (N + N/2 * depth events; --events unused)
  --events N           events per measurement in mix mode (default 1000000)
  --agents N           agents in the fleet (default 1000)
  --burst-depth N      burst mode: tasks per loaded agent (default 1000)
  --encodings LIST     json,protobuf (default both)
  --targets LIST       bare,sidecar (default both)
  --flush-every N      natsConnection_Flush every N publishes (default 10000)
  --no-headers         publish without the Content-Type header (the sidecar then sniffs)
  --no-stealing        run the sidecar with stealing.enabled: false (what stealing costs)
  --settle-ms N        the count has stopped when it has not risen for N ms (default 2000)
  --json-out FILE      results as JSON
  --log-dir DIR        where the sidecar's config and log go (default a temp dir)
)";

struct Args {
  std::string nats_url;
  std::string sidecar;
  std::string mode = "mix";
  std::size_t events = 1'000'000;
  std::size_t agents = 1000;
  // 501,000 events by default: a burst longer than two default steal intervals (1 s) even at
  // the bare subscriber's speed, so steal rounds run while it pours in.
  std::size_t burst_depth = 1000;
  std::vector<std::string> encodings = {"json", "protobuf"};
  std::vector<std::string> targets = {"bare", "sidecar"};
  std::size_t flush_every = 10'000;
  bool headers = true;
  bool stealing = true;
  int settle_ms = 2000;
  std::string json_out;
  std::string log_dir;
};

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = s.find(',', start);
    const std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

double secondsSince(Clock::time_point t0, Clock::time_point t) {
  return std::chrono::duration<double>(t - t0).count();
}

struct Measurement {
  std::string encoding;
  std::string target;
  std::uint64_t published = 0;
  std::uint64_t processed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t steals = 0;  // work.steal orders seen while it ingested (sidecar only)
  double publish_s = 0;      // publishing alone
  double total_s = 0;        // first publish -> last event processed
  bool ok = false;
  std::string error;
  Measurement(std::string enc, std::string tgt)
      : encoding(std::move(enc)), target(std::move(tgt)) {}
  [[nodiscard]] double rate() const { return total_s > 0 ? processed / total_s : 0; }
  [[nodiscard]] double publishRate() const { return publish_s > 0 ? published / publish_s : 0; }
};

// Publishes the whole mix as fast as the server takes it; returns seconds spent.
double publishAll(NatsClient& pub, const wss::bench::EventMix& mix, const Args& args,
                  std::string_view content_type, std::uint64_t* errors) {
  const auto t0 = Clock::now();
  std::size_t n = 0;
  for (const auto& ev : mix.events) {
    if (pub.publish(wss::bench::kIngestSubjects[ev.subject], ev.payload,
                    args.headers ? content_type : std::string_view{}) != NATS_OK) {
      ++*errors;
    }
    if (++n % args.flush_every == 0) pub.flush(10000);
  }
  pub.flush(30000);
  return secondsSince(t0, Clock::now());
}

// Counts the messages of the subscriptions it is given, on cnats' threads, and when the last
// one came. Destroy it only after those subscriptions.
struct MessageCounter {
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::int64_t> last_ns{0};

  static void onMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* c = static_cast<MessageCounter*>(closure);
    natsMsg_Destroy(msg);
    c->count.fetch_add(1, std::memory_order_relaxed);
    c->last_ns.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
};

// Subscribes `counter` to `subject` with no pending limits; null on failure.
natsSubscription* subscribeCounter(NatsClient& conn, const char* subject, MessageCounter* counter) {
  natsSubscription* s = nullptr;
  if (natsConnection_Subscribe(&s, conn.raw(), subject, MessageCounter::onMessage, counter) !=
      NATS_OK) {
    return nullptr;
  }
  natsSubscription_SetPendingLimits(s, -1, -1);
  return s;
}

// Unsubscribes and destroys `s`; returns the messages it dropped as a slow consumer.
int64_t closeSubscription(natsSubscription* s) {
  int64_t dropped = 0;
  if (natsSubscription_GetDropped(s, &dropped) != NATS_OK) dropped = 0;
  natsSubscription_Unsubscribe(s);
  natsSubscription_Destroy(s);
  return dropped;
}

// The bare subscriber: counts messages on the four inbound subjects, nothing else.
Measurement runBare(const Args& args, const wss::bench::EventMix& mix, const std::string& enc,
                    std::string_view content_type) {
  Measurement m(enc, "bare");
  std::string error;
  auto sub_conn = NatsClient::connect(args.nats_url, "ingest-bench-bare", &error);
  auto pub = NatsClient::connect(args.nats_url, "ingest-bench-pub", &error);
  if (!sub_conn || !pub) {
    m.error = error;
    return m;
  }
  MessageCounter counter;
  std::vector<natsSubscription*> subs;
  for (const char* subject : wss::bench::kIngestSubjects) {
    natsSubscription* s = subscribeCounter(*sub_conn, subject, &counter);
    if (s == nullptr) {
      m.error = std::string("subscribe ") + subject;
      for (natsSubscription* opened : subs) closeSubscription(opened);
      return m;
    }
    subs.push_back(s);
  }
  sub_conn->flush(5000);

  std::uint64_t errors = 0;
  const auto t0 = Clock::now();
  m.publish_s = publishAll(*pub, mix, args, content_type, &errors);
  m.published = mix.events.size() - errors;
  // Wait until the count stops rising (or everything arrived).
  std::uint64_t last = 0;
  auto last_change = Clock::now();
  while (counter.count.load() < mix.events.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::uint64_t c = counter.count.load();
    if (c != last) {
      last = c;
      last_change = Clock::now();
    } else if (Clock::now() - last_change > std::chrono::milliseconds(args.settle_ms)) {
      break;
    }
  }
  m.processed = counter.count.load();
  const Clock::time_point last_msg{Clock::duration(counter.last_ns.load())};
  m.total_s = secondsSince(t0, last_msg);
  int64_t dropped = 0;
  for (natsSubscription* s : subs) dropped += closeSubscription(s);
  if (dropped > 0) m.error = std::to_string(dropped) + " dropped by the subscriber (slow consumer)";
  m.ok = true;
  return m;
}

// What the sidecar's work.stats said while it ingested.
struct Progress {
  std::uint64_t processed = 0;                   // eventsProcessed, absolute
  std::uint64_t rejected = 0;                    // eventsRejected, absolute
  std::uint64_t slow_consumer_drops = 0;         // slowConsumerDrops: events cnats dropped
  Clock::time_point last_change = Clock::now();  // when eventsProcessed last rose
  std::string error;
};

// Polls work.stats until eventsProcessed (`base` before the run) reaches `target` or, once
// `published` is set, stops rising: a reply at least `settle_ms` after the last rise shows no rise.
// Unanswered polls (a busy sidecar) never count as settled; a minute without any answer is an
// error.
Progress pollUntilSettled(NatsClient& client, wss::testing::ChildProcess& sidecar,
                          const std::atomic<bool>& published, std::uint64_t base,
                          std::uint64_t target, int settle_ms) {
  Progress p;
  p.processed = base;
  auto last_answer = Clock::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto s = workStats(client, 1000);
    const auto now = Clock::now();
    if (s) {
      last_answer = now;
      const auto c = (*s)["eventsProcessed"].get<std::uint64_t>();
      p.rejected = s->value("eventsRejected", std::uint64_t{0});
      p.slow_consumer_drops = s->value("slowConsumerDrops", std::uint64_t{0});
      if (c != p.processed) {
        p.processed = c;
        p.last_change = now;
      }
    }
    if (!sidecar.running()) {
      p.error = "the sidecar exited during the run";
      return p;
    }
    if (published && p.processed >= target) return p;
    if (published && s && now - p.last_change > std::chrono::milliseconds(settle_ms)) return p;
    if (now - last_answer > std::chrono::minutes(1)) {
      p.error = "the sidecar stopped answering work.stats";
      return p;
    }
  }
}

Measurement runSidecar(const Args& args, const wss::bench::EventMix& mix, const std::string& enc,
                       std::string_view content_type, const std::string& dir) {
  Measurement m(enc, "sidecar");
  const std::string config_file = dir + "/ingest-sidecar-" + enc + ".yaml";
  const std::string log_file = dir + "/ingest-sidecar-" + enc + ".log";
  {
    std::ofstream cfg(config_file, std::ios::trunc);
    cfg << "# generated by ingest-bench: defaults, unless --no-stealing\n"
        << "nats:\n  url: " << args.nats_url << "\n"
        << "stealing:\n  enabled: " << (args.stealing ? "true" : "false") << "\n"
        << "encoding: " << enc << "\n"
        << "http:\n  enabled: false\n"
        << "log:\n  level: warn\n";
  }
  std::string error;
  auto sidecar = std::make_unique<wss::testing::ChildProcess>(
      std::vector<std::string>{args.sidecar, "--config", config_file}, log_file);
  if (!sidecar->started()) {
    m.error = "cannot start sidecar: " + sidecar->error();
    return m;
  }
  auto client = NatsClient::connect(args.nats_url, "ingest-bench-stats", &error);
  auto pub = NatsClient::connect(args.nats_url, "ingest-bench-pub", &error);
  if (!client || !pub) {
    m.error = error;
    return m;
  }
  // Ready when work.stats answers (it subscribes to the inbound subjects before that).
  std::optional<nlohmann::json> stats;
  for (int i = 0; i < 100 && !stats; ++i) {
    if (!sidecar->running()) break;
    stats = workStats(*client, 1000);
    if (!stats) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!stats) {
    m.error = "the sidecar never answered work.stats (see " + log_file + ")";
    return m;
  }
  const std::uint64_t base = (*stats)["eventsProcessed"].get<std::uint64_t>();
  const std::uint64_t base_rejected = stats->value("eventsRejected", std::uint64_t{0});
  // The steal orders, as the fleet would see them.
  MessageCounter steals;
  natsSubscription* steal_sub = subscribeCounter(*client, "work.steal", &steals);
  if (steal_sub == nullptr) {
    m.error = "cannot subscribe to work.steal";
    return m;
  }
  client->flush(5000);

  std::uint64_t errors = 0;
  const auto t0 = Clock::now();
  std::atomic<bool> published{false};
  std::thread publisher([&] {
    m.publish_s = publishAll(*pub, mix, args, content_type, &errors);
    published = true;
  });
  const Progress progress = pollUntilSettled(*client, *sidecar, published, base,
                                             base + mix.events.size(), args.settle_ms);
  if (!progress.error.empty()) m.error = progress.error + " (see " + log_file + ")";
  if (progress.slow_consumer_drops > 0 && m.error.empty()) {
    m.error = std::to_string(progress.slow_consumer_drops) +
              " dropped by the sidecar's subscriptions (slow consumer)";
  }
  const std::uint64_t last = progress.processed;
  const std::uint64_t rejected = std::max(progress.rejected, base_rejected);
  const auto last_change = progress.last_change;
  m.steals = steals.count.load();
  publisher.join();
  closeSubscription(steal_sub);
  m.published = mix.events.size() - errors;
  m.processed = last - base;
  m.rejected = rejected - base_rejected;
  m.total_s = secondsSince(t0, last_change);
  m.ok = m.error.empty();
  sidecar->stop(std::chrono::seconds(5));
  return m;
}

bool parseArgs(int argc, char** argv, Args* a, std::string* error) {
  const char* env_url = std::getenv("NATS_URL");
  a->nats_url = env_url != nullptr ? env_url : "nats://127.0.0.1:4222";
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  a->sidecar = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / "work-stealing-sidecar";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg == "--no-headers") {
      a->headers = false;
      continue;
    }
    if (arg == "--no-stealing") {
      a->stealing = false;
      continue;
    }
    if (i + 1 >= argc) {
      *error = arg + " needs a value";
      return false;
    }
    const std::string v = argv[++i];
    try {
      if (arg == "--nats-url")
        a->nats_url = v;
      else if (arg == "--mode")
        a->mode = v;
      else if (arg == "--burst-depth")
        a->burst_depth = std::stoull(v);
      else if (arg == "--sidecar")
        a->sidecar = v;
      else if (arg == "--events")
        a->events = std::stoull(v);
      else if (arg == "--agents")
        a->agents = std::stoull(v);
      else if (arg == "--encodings")
        a->encodings = splitList(v);
      else if (arg == "--targets")
        a->targets = splitList(v);
      else if (arg == "--flush-every")
        a->flush_every = std::stoull(v);
      else if (arg == "--settle-ms")
        a->settle_ms = std::stoi(v);
      else if (arg == "--json-out")
        a->json_out = v;
      else if (arg == "--log-dir")
        a->log_dir = v;
      else {
        *error = "unknown option " + arg;
        return false;
      }
    } catch (const std::exception&) {
      *error = "bad value for " + arg;
      return false;
    }
  }
  for (const auto& e : a->encodings) {
    if (e != "json" && e != "protobuf") {
      *error = "unknown encoding " + e;
      return false;
    }
  }
  for (const auto& t : a->targets) {
    if (t != "bare" && t != "sidecar") {
      *error = "unknown target " + t;
      return false;
    }
  }
  if (a->mode != "mix" && a->mode != "burst") {
    *error = "unknown mode " + a->mode;
    return false;
  }
  if (a->events == 0 || a->agents == 0 || a->flush_every == 0 || a->burst_depth == 0) {
    *error = "--events, --agents, --flush-every and --burst-depth must be > 0";
    return false;
  }
  if (a->mode == "burst" && a->agents < 2) {
    *error = "burst mode needs --agents >= 2 (half loaded, half idle)";
    return false;
  }
  return true;
}

// The stream --mode asks for, encoded with `encoding`.
wss::bench::EventMix buildMix(const Args& args, wss::codec::Encoding encoding) {
  if (args.mode == "burst") {
    return wss::bench::makeBurstMix(args.agents, args.burst_depth, encoding);
  }
  return wss::bench::makeEventMix(args.events, args.agents, 42, encoding);
}

// The sidecar/bare ratio the mode's goal asks for.
double goalRatio(const Args& args) { return args.mode == "burst" ? 0.9 : 0.8; }

std::uint64_t lost(const Measurement& m) {
  return m.published - std::min(m.published, m.processed);
}

// One target's figures for --json-out.
nlohmann::json toJson(const Measurement& m) {
  nlohmann::json j = {{"published", m.published},
                      {"processed", m.processed},
                      {"rejected", m.rejected},
                      {"lost", lost(m)},
                      {"eventsPerSecond", m.rate()},
                      {"publishPerSecond", m.publishRate()},
                      {"seconds", m.total_s},
                      {"ok", m.ok},
                      {"error", m.error}};
  if (m.target == "sidecar") j["stealOrders"] = m.steals;
  return j;
}

// One encoding's figures: each target that ran, the ratio and whether the goal was met.
nlohmann::json summarize(const Args& args, const Measurement& bare, const Measurement& side) {
  nlohmann::json e;
  for (const Measurement* m : {&bare, &side}) {
    if (m->published == 0 && m->error.empty()) continue;
    e[m->target] = toJson(*m);
  }
  if (bare.rate() > 0 && side.rate() > 0) {
    e["ratio"] = side.rate() / bare.rate();
    e["goalMet"] =
        side.rate() / bare.rate() >= goalRatio(args) && side.processed == side.published && side.ok;
  }
  return e;
}

// Publishes `mix` to each target of --targets; appends each measurement to `results` and
// returns the encoding's summary.
nlohmann::json measureEncoding(const Args& args, const std::string& enc,
                               const wss::bench::EventMix& mix, const std::string& dir,
                               std::vector<Measurement>* results) {
  const auto content_type = wss::codec::contentType(
      enc == "json" ? wss::codec::Encoding::kJson : wss::codec::Encoding::kProtobuf);
  Measurement bare(enc, "bare");
  Measurement side(enc, "sidecar");
  for (const auto& target : args.targets) {
    std::fprintf(stderr, "ingest-bench: %s -> %s ...\n", enc.c_str(), target.c_str());
    Measurement m = target == "bare" ? runBare(args, mix, enc, content_type)
                                     : runSidecar(args, mix, enc, content_type, dir);
    if (!m.error.empty()) std::fprintf(stderr, "ingest-bench: %s\n", m.error.c_str());
    (target == "bare" ? bare : side) = m;
    results->push_back(m);
  }
  return summarize(args, bare, side);
}

// The table and one goal line per encoding, on stdout.
void printReport(const Args& args, std::size_t events, const std::vector<Measurement>& results,
                 const nlohmann::json& out) {
  const char* headers = args.headers ? "" : " (no headers)";
  if (args.mode == "burst") {
    const std::size_t loaded = args.agents / 2;
    std::printf(
        "\ningest-bench: burst of %zu events over %zu agents (%zu loaded %zu tasks deep, %zu "
        "idle) through %s%s\n",
        events, args.agents, loaded, args.burst_depth, args.agents - loaded, args.nats_url.c_str(),
        headers);
  } else {
    std::printf("\ningest-bench: %zu events over %zu agents through %s%s\n", events, args.agents,
                args.nats_url.c_str(), headers);
  }
  std::printf("  %-9s %-8s %12s %12s %10s %8s %14s %8s\n", "encoding", "target", "events/s",
              "processed", "lost", "rejected", "publish ev/s", "steals");
  for (const auto& m : results) {
    const std::string steals = m.target == "sidecar" ? std::to_string(m.steals) : "-";
    std::printf("  %-9s %-8s %12.0f %12llu %10llu %8llu %14.0f %8s%s\n", m.encoding.c_str(),
                m.target.c_str(), m.rate(), static_cast<unsigned long long>(m.processed),
                static_cast<unsigned long long>(lost(m)),
                static_cast<unsigned long long>(m.rejected), m.publishRate(), steals.c_str(),
                m.ok ? "" : "  FAILED");
  }
  for (const auto& enc : args.encodings) {
    const auto& e = out["encodings"][enc];
    if (!e.contains("ratio")) continue;
    std::printf(
        "  %s: sidecar/bare = %.2f, lost %llu, %llu steal orders; goal (>= %.1f, zero lost): "
        "%s\n",
        enc.c_str(), e["ratio"].get<double>(),
        static_cast<unsigned long long>(e["sidecar"]["lost"].get<std::uint64_t>()),
        static_cast<unsigned long long>(e["sidecar"]["stealOrders"].get<std::uint64_t>()),
        goalRatio(args), e["goalMet"].get<bool>() ? "MET" : "NOT MET");
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  std::string error;
  if (!parseArgs(argc, argv, &args, &error)) {
    std::fprintf(stderr, "ingest-bench: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  std::string dir = args.log_dir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/ingest-bench.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      std::perror("ingest-bench: mkdtemp");
      return 1;
    }
    dir = tmpl;
  }
  std::filesystem::create_directories(dir);

  std::vector<Measurement> results;
  nlohmann::json out = {{"mode", args.mode},        {"agents", args.agents},
                        {"headers", args.headers},  {"flushEvery", args.flush_every},
                        {"natsUrl", args.nats_url}, {"encodings", nlohmann::json::object()}};
  if (args.mode == "burst") out["burstDepth"] = args.burst_depth;
  std::size_t events = 0;
  for (const auto& enc : args.encodings) {
    const auto mix = buildMix(
        args, enc == "json" ? wss::codec::Encoding::kJson : wss::codec::Encoding::kProtobuf);
    events = mix.events.size();
    std::fprintf(stderr,
                 "ingest-bench: %s: %zu events (%llu assigned, %llu completed, %llu failed, "
                 "%llu metrics), %.1f MB\n",
                 enc.c_str(), mix.events.size(), static_cast<unsigned long long>(mix.assigned),
                 static_cast<unsigned long long>(mix.completed),
                 static_cast<unsigned long long>(mix.failed),
                 static_cast<unsigned long long>(mix.metrics), mix.bytes / 1e6);
    out["encodings"][enc] = measureEncoding(args, enc, mix, dir, &results);
  }
  out["events"] = events;

  printReport(args, events, results, out);
  if (!args.json_out.empty()) {
    std::ofstream f(args.json_out, std::ios::trunc);
    f << out.dump(2) << '\n';
  }
  bool all_ok = true;
  for (const auto& m : results) all_ok = all_ok && m.ok;
  return all_ok ? 0 : 1;
}
