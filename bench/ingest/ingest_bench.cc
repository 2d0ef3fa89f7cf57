// ingest-bench: how many fleet events per second the sidecar ingests through a real
// nats-server, against a bare cnats subscriber that only counts them (the transport's limit).
//
// For each encoding: publish the same pre-encoded mix of events (default 1,000,000 over 1,000
// agents) once to the bare subscriber and once to the sidecar, started here as a child process
// with a generated config; the sidecar's count is work.stats' eventsProcessed, polled until it
// stops rising. Reports events/s of each, the ratio sidecar/bare and the events lost.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/child_process.h"
#include "bench/common/nats_client.h"
#include "bench/ingest/event_mix.h"

namespace {

using Clock = std::chrono::steady_clock;
using wss::bench::NatsClient;

constexpr const char* kUsage = R"(usage: ingest-bench [options]
  --nats-url URL       the nats-server to go through (default $NATS_URL or nats://127.0.0.1:4222)
  --sidecar FILE       the sidecar binary (default: work-stealing-sidecar beside this binary)
  --events N           events per measurement (default 1000000)
  --agents N           agents in the fleet (default 1000)
  --encodings LIST     json,protobuf (default both)
  --targets LIST       bare,sidecar (default both)
  --flush-every N      natsConnection_Flush every N publishes (default 10000)
  --no-headers         publish without the Content-Type header (the sidecar then sniffs)
  --settle-ms N        the count has stopped when it has not risen for N ms (default 2000)
  --json-out FILE      results as JSON
  --log-dir DIR        where the sidecar's config and log go (default a temp dir)
)";

struct Args {
  std::string nats_url;
  std::string sidecar;
  std::size_t events = 1'000'000;
  std::size_t agents = 1000;
  std::vector<std::string> encodings = {"json", "protobuf"};
  std::vector<std::string> targets = {"bare", "sidecar"};
  std::size_t flush_every = 10'000;
  bool headers = true;
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
  double publish_s = 0;  // publishing alone
  double total_s = 0;    // first publish -> last event processed
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
  struct Counter {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::int64_t> last_ns{0};
  } counter;
  const auto on_msg = [](natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* c = static_cast<Counter*>(closure);
    natsMsg_Destroy(msg);
    c->count.fetch_add(1, std::memory_order_relaxed);
    c->last_ns.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  };
  std::vector<natsSubscription*> subs;
  for (const char* subject : wss::bench::kIngestSubjects) {
    natsSubscription* s = nullptr;
    if (natsConnection_Subscribe(&s, sub_conn->raw(), subject, on_msg, &counter) != NATS_OK) {
      m.error = std::string("subscribe ") + subject;
      return m;
    }
    natsSubscription_SetPendingLimits(s, -1, -1);
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
  for (natsSubscription* s : subs) {
    int64_t d = 0;
    if (natsSubscription_GetDropped(s, &d) == NATS_OK) dropped += d;
    natsSubscription_Unsubscribe(s);
    natsSubscription_Destroy(s);
  }
  if (dropped > 0) m.error = std::to_string(dropped) + " dropped by the subscriber (slow consumer)";
  m.ok = true;
  return m;
}

std::optional<nlohmann::json> workStats(NatsClient& client) {
  const auto reply = client.request("work.stats", "", 1000);
  if (!reply) return std::nullopt;
  auto j = nlohmann::json::parse(*reply, nullptr, false);
  if (j.is_discarded() || !j.contains("eventsProcessed")) return std::nullopt;
  return j;
}

Measurement runSidecar(const Args& args, const wss::bench::EventMix& mix, const std::string& enc,
                       std::string_view content_type, const std::string& dir) {
  Measurement m(enc, "sidecar");
  const std::string config_file = dir + "/ingest-sidecar-" + enc + ".yaml";
  const std::string log_file = dir + "/ingest-sidecar-" + enc + ".log";
  {
    std::ofstream cfg(config_file, std::ios::trunc);
    cfg << "# generated by ingest-bench\n"
        << "nats:\n  url: " << args.nats_url << "\n"
        << "encoding: " << enc << "\n"
        << "http:\n  enabled: false\n"
        << "log:\n  level: warn\n";
  }
  std::string error;
  auto sidecar =
      wss::bench::ChildProcess::start({args.sidecar, "--config", config_file}, log_file, &error);
  if (!sidecar) {
    m.error = "cannot start sidecar: " + error;
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
    stats = workStats(*client);
    if (!stats) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!stats) {
    m.error = "the sidecar never answered work.stats (see " + log_file + ")";
    return m;
  }
  const std::uint64_t base = (*stats)["eventsProcessed"].get<std::uint64_t>();
  const std::uint64_t base_rejected = stats->value("eventsRejected", std::uint64_t{0});

  std::uint64_t errors = 0;
  const auto t0 = Clock::now();
  std::atomic<bool> published{false};
  std::thread publisher([&] {
    m.publish_s = publishAll(*pub, mix, args, content_type, &errors);
    published = true;
  });
  // Poll until the count stops rising after publishing ended.
  std::uint64_t last = base;
  auto last_change = Clock::now();
  std::uint64_t rejected = base_rejected;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto s = workStats(*client);
    const auto now = Clock::now();
    if (s) {
      const auto c = (*s)["eventsProcessed"].get<std::uint64_t>();
      rejected = s->value("eventsRejected", std::uint64_t{0});
      if (c != last) {
        last = c;
        last_change = now;
      }
    }
    if (!sidecar->running()) {
      m.error = "the sidecar exited during the run (see " + log_file + ")";
      break;
    }
    if (published && last - base >= mix.events.size()) break;
    if (published && now - last_change > std::chrono::milliseconds(args.settle_ms)) break;
  }
  publisher.join();
  m.published = mix.events.size() - errors;
  m.processed = last - base;
  m.rejected = rejected - base_rejected;
  m.total_s = secondsSince(t0, last_change);
  m.ok = m.error.empty();
  sidecar->stop(5000);
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
    if (i + 1 >= argc) {
      *error = arg + " needs a value";
      return false;
    }
    const std::string v = argv[++i];
    try {
      if (arg == "--nats-url")
        a->nats_url = v;
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
  if (a->events == 0 || a->agents == 0 || a->flush_every == 0) {
    *error = "--events, --agents and --flush-every must be > 0";
    return false;
  }
  return true;
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
  nlohmann::json out = {{"events", args.events},    {"agents", args.agents},
                        {"headers", args.headers},  {"flushEvery", args.flush_every},
                        {"natsUrl", args.nats_url}, {"encodings", nlohmann::json::object()}};
  for (const auto& enc : args.encodings) {
    const auto encoding =
        enc == "json" ? wss::codec::Encoding::kJson : wss::codec::Encoding::kProtobuf;
    const auto mix = wss::bench::makeEventMix(args.events, args.agents, 42, encoding);
    const auto content_type = wss::codec::contentType(encoding);
    std::fprintf(stderr,
                 "ingest-bench: %s: %zu events (%llu assigned, %llu completed, %llu failed, "
                 "%llu metrics), %.1f MB\n",
                 enc.c_str(), mix.events.size(), static_cast<unsigned long long>(mix.assigned),
                 static_cast<unsigned long long>(mix.completed),
                 static_cast<unsigned long long>(mix.failed),
                 static_cast<unsigned long long>(mix.metrics), mix.bytes / 1e6);
    Measurement bare(enc, "bare");
    Measurement side(enc, "sidecar");
    for (const auto& target : args.targets) {
      std::fprintf(stderr, "ingest-bench: %s -> %s ...\n", enc.c_str(), target.c_str());
      Measurement m = target == "bare" ? runBare(args, mix, enc, content_type)
                                       : runSidecar(args, mix, enc, content_type, dir);
      if (!m.error.empty()) std::fprintf(stderr, "ingest-bench: %s\n", m.error.c_str());
      (target == "bare" ? bare : side) = m;
      results.push_back(m);
    }
    nlohmann::json e;
    for (const Measurement* m : {&bare, &side}) {
      if (m->published == 0 && m->error.empty()) continue;
      e[m->target] = {{"published", m->published},
                      {"processed", m->processed},
                      {"rejected", m->rejected},
                      {"lost", m->published - std::min(m->published, m->processed)},
                      {"eventsPerSecond", m->rate()},
                      {"publishPerSecond", m->publishRate()},
                      {"seconds", m->total_s},
                      {"ok", m->ok},
                      {"error", m->error}};
    }
    if (bare.rate() > 0 && side.rate() > 0) {
      e["ratio"] = side.rate() / bare.rate();
      e["goalMet"] =
          side.rate() / bare.rate() >= 0.8 && side.processed == side.published && side.ok;
    }
    out["encodings"][enc] = e;
  }

  std::printf("\ningest-bench: %zu events over %zu agents through %s%s\n", args.events, args.agents,
              args.nats_url.c_str(), args.headers ? "" : " (no headers)");
  std::printf("  %-9s %-8s %12s %12s %10s %8s %14s\n", "encoding", "target", "events/s",
              "processed", "lost", "rejected", "publish ev/s");
  for (const auto& m : results) {
    std::printf("  %-9s %-8s %12.0f %12llu %10llu %8llu %14.0f%s\n", m.encoding.c_str(),
                m.target.c_str(), m.rate(), static_cast<unsigned long long>(m.processed),
                static_cast<unsigned long long>(m.published - std::min(m.published, m.processed)),
                static_cast<unsigned long long>(m.rejected), m.publishRate(),
                m.ok ? "" : "  FAILED");
  }
  for (const auto& enc : args.encodings) {
    const auto& e = out["encodings"][enc];
    if (e.contains("ratio")) {
      std::printf("  %s: sidecar/bare = %.2f, lost %llu; goal (>= 0.8, zero lost): %s\n",
                  enc.c_str(), e["ratio"].get<double>(),
                  static_cast<unsigned long long>(e["sidecar"]["lost"].get<std::uint64_t>()),
                  e["goalMet"].get<bool>() ? "MET" : "NOT MET");
    }
  }
  if (!args.json_out.empty()) {
    std::ofstream f(args.json_out, std::ios::trunc);
    f << out.dump(2) << '\n';
  }
  bool all_ok = true;
  for (const auto& m : results) all_ok = all_ok && m.ok;
  return all_ok ? 0 : 1;
}
