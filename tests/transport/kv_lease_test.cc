// The JetStream KV leader lease (sidecar/transport/kv_lease.h) against a real nats-server
// started with JetStream and a fresh store directory: first create wins, compare-and-set
// renewal, server-side expiry, hand-over by release, no JetStream, a hung (SIGSTOPped)
// server, and buckets and groups side by side. Waits are on conditions with a deadline.
#include "sidecar/transport/kv_lease.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "sidecar/transport/connection.h"
#include "tests/support/nats_client.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"

namespace wss::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::eventually;
using testing::NatsServer;

constexpr milliseconds kTimeout(1000);
constexpr milliseconds kLongTtl(60000);  // never expires within a test

// A nats-server with JetStream, its store in a directory of its own (removed after it stops:
// members are destroyed in reverse order).
struct JetStreamServer {
  testing::TempDir store;
  NatsServer server{testing::jetStreamArgs(store.path())};
};

std::unique_ptr<Connection> connectTo(const NatsServer& server) {
  config::NatsConfig config;
  config.url = server.url();
  config.reconnect_wait_ms = 100;
  config.connect_timeout_ms = 500;
  Connection::OpenResult opened = Connection::open(config);
  REQUIRE(opened.error.empty());
  REQUIRE(eventually([&] { return opened.connection->connected(); }));
  return std::move(opened.connection);
}

std::unique_ptr<KvLease> openLease(const Connection& connection, const std::string& bucket,
                                   milliseconds ttl = kLongTtl, int replicas = 1) {
  std::string error;
  std::unique_ptr<KvLease> lease =
      KvLease::open(connection.native(), bucket, ttl, replicas, kTimeout, &error);
  INFO(error);
  REQUIRE(lease != nullptr);
  return lease;
}

std::optional<LeaseRecord> readOrFail(KvLease& lease, const std::string& group) {
  std::string error;
  std::optional<LeaseRecord> record = lease.read(group, &error);
  INFO(error);
  REQUIRE(error.empty());
  return record;
}

milliseconds since(steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
}

TEST_CASE("kv_lease: the first acquire wins, a second holder gets kTaken, read names the first",
          "[kv_lease]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection_a = connectTo(js.server);
  auto connection_b = connectTo(js.server);
  auto lease_a = openLease(*connection_a, "leases");
  auto lease_b = openLease(*connection_b, "leases");  // binds to the bucket a made

  CHECK_FALSE(readOrFail(*lease_a, "group-1").has_value());
  const LeaseAnswer first = lease_a->acquire("group-1", "sidecar-a");
  INFO(first.error);
  REQUIRE(first.status == LeaseStatus::kHeld);
  CHECK(first.revision > 0);

  const LeaseAnswer second = lease_b->acquire("group-1", "sidecar-b");
  CHECK(second.status == LeaseStatus::kTaken);
  CHECK(second.revision == 0);
  CHECK(lease_a->acquire("group-1", "sidecar-a").status == LeaseStatus::kTaken);  // not re-entrant

  const auto record = readOrFail(*lease_b, "group-1");
  REQUIRE(record.has_value());
  CHECK(record->holder == "sidecar-a");
  CHECK(record->revision == first.revision);
}

TEST_CASE("kv_lease: renew at the held revision keeps it higher, a stale revision gets kTaken",
          "[kv_lease]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  auto lease = openLease(*connection, "leases");

  const LeaseAnswer acquired = lease->acquire("group-1", "sidecar-a");
  REQUIRE(acquired.status == LeaseStatus::kHeld);
  const LeaseAnswer renewed = lease->renew("group-1", "sidecar-a", acquired.revision);
  INFO(renewed.error);
  REQUIRE(renewed.status == LeaseStatus::kHeld);
  CHECK(renewed.revision > acquired.revision);

  CHECK(lease->renew("group-1", "sidecar-b", acquired.revision).status == LeaseStatus::kTaken);
  CHECK(lease->renew("group-1", "sidecar-a", renewed.revision + 100).status == LeaseStatus::kTaken);
  const auto record = readOrFail(*lease, "group-1");
  REQUIRE(record.has_value());
  CHECK(record->holder == "sidecar-a");
  CHECK(record->revision == renewed.revision);
  CHECK(lease->renew("never-written", "sidecar-a", 1).status == LeaseStatus::kTaken);
}

TEST_CASE("kv_lease: an unrenewed lease expires and the next acquire wins at a higher revision",
          "[kv_lease][expiry]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  constexpr milliseconds kTtl(1000);
  auto lease_a = openLease(*connection, "short", kTtl);
  auto lease_b = openLease(*connection, "short", kTtl);

  const LeaseAnswer acquired = lease_a->acquire("group-1", "sidecar-a");
  REQUIRE(acquired.status == LeaseStatus::kHeld);
  const LeaseAnswer renewed = lease_a->renew("group-1", "sidecar-a", acquired.revision);
  REQUIRE(renewed.status == LeaseStatus::kHeld);
  const auto last_write = steady_clock::now();
  CHECK(lease_b->acquire("group-1", "sidecar-b").status == LeaseStatus::kTaken);

  // sidecar-a stops renewing: the server ages the entry out.
  REQUIRE(eventually([&] { return !readOrFail(*lease_b, "group-1").has_value(); },
                     milliseconds(15000)));
  const milliseconds expired_after = since(last_write);
  INFO("the entry was gone " << expired_after.count() << " ms after its last write");
  CHECK(expired_after >= kTtl - milliseconds(100));  // not before its max age (clock slack)

  // The old holder learns it lost the lease; the next acquire wins, revisions only grow.
  CHECK(lease_a->renew("group-1", "sidecar-a", renewed.revision).status == LeaseStatus::kTaken);
  const LeaseAnswer taken_over = lease_b->acquire("group-1", "sidecar-b");
  INFO(taken_over.error);
  REQUIRE(taken_over.status == LeaseStatus::kHeld);
  CHECK(taken_over.revision > renewed.revision);
  const auto record = readOrFail(*lease_a, "group-1");
  REQUIRE(record.has_value());
  CHECK(record->holder == "sidecar-b");
  CHECK(lease_a->renew("group-1", "sidecar-a", renewed.revision).status == LeaseStatus::kTaken);
}

TEST_CASE("kv_lease: release at the held revision lets another holder acquire at once",
          "[kv_lease]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  auto lease_a = openLease(*connection, "leases");
  auto lease_b = openLease(*connection, "leases");

  const LeaseAnswer held = lease_a->acquire("group-1", "sidecar-a");
  REQUIRE(held.status == LeaseStatus::kHeld);
  CHECK_FALSE(lease_a->release("group-1", held.revision + 1));  // not the revision it is at
  CHECK(lease_b->acquire("group-1", "sidecar-b").status == LeaseStatus::kTaken);

  REQUIRE(lease_a->release("group-1", held.revision));
  CHECK_FALSE(readOrFail(*lease_b, "group-1").has_value());  // the delete marker reads as absent
  CHECK(lease_a->renew("group-1", "sidecar-a", held.revision).status == LeaseStatus::kTaken);
  const LeaseAnswer next = lease_b->acquire("group-1", "sidecar-b");
  INFO(next.error);
  REQUIRE(next.status == LeaseStatus::kHeld);
  CHECK(next.revision > held.revision + 1);  // the marker took a revision too

  // A late release at the old revision must not delete the new holder's lease.
  CHECK_FALSE(lease_a->release("group-1", held.revision));
  const auto record = readOrFail(*lease_a, "group-1");
  REQUIRE(record.has_value());
  CHECK(record->holder == "sidecar-b");
  CHECK(lease_b->renew("group-1", "sidecar-b", next.revision).status == LeaseStatus::kHeld);
}

TEST_CASE("kv_lease: open fails with a clear error within the timeout without JetStream",
          "[kv_lease]") {
  NatsServer server;  // no -js
  REQUIRE(server.running());
  auto connection = connectTo(server);
  std::string error;
  const auto start = steady_clock::now();
  const auto lease = KvLease::open(connection->native(), "leases", kLongTtl, 1, kTimeout, &error);
  CHECK(since(start) < kTimeout + milliseconds(500));
  CHECK(lease == nullptr);
  INFO(error);
  CHECK(error.find("JetStream is not enabled") != std::string::npos);
}

TEST_CASE("kv_lease: open refuses an existing bucket made with another ttl", "[kv_lease]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  auto lease = openLease(*connection, "leases", milliseconds(5000));
  std::string error;
  CHECK(KvLease::open(connection->native(), "leases", milliseconds(9000), 1, kTimeout, &error) ==
        nullptr);
  CHECK(error.find("leases") != std::string::npos);
  CHECK(openLease(*connection, "leases", milliseconds(5000)) != nullptr);  // same ttl: binds
}

TEST_CASE("kv_lease: an existing bucket is used with the replicas it has", "[kv_lease]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  // One server cannot make a replicated bucket: refused, with the server's reason.
  std::string error;
  CHECK(KvLease::open(connection->native(), "leases", kLongTtl, 3, kTimeout, &error) == nullptr);
  CHECK(error.find("leases") != std::string::npos);
  auto made = openLease(*connection, "leases", kLongTtl, 1);
  CHECK(made->replicas() == 1);
  // Asked for 3 where an R1 bucket exists: bound as it is (cnats alone would refuse it).
  auto bound = openLease(*connection, "leases", kLongTtl, 3);
  CHECK(bound->replicas() == 1);
  CHECK(bound->acquire("group-1", "sidecar-a").status == LeaseStatus::kHeld);
}

TEST_CASE("kv_lease: invalid keys are refused without a round trip", "[kv_lease]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  auto lease = openLease(*connection, "leases");
  for (const std::string key : {"", "a b", "a.*", "a.>", ".a", "a.", "a..b"}) {
    INFO("key '" << key << "'");
    const LeaseAnswer answer = lease->acquire(key, "sidecar-a");
    CHECK(answer.status == LeaseStatus::kUnavailable);
    CHECK(answer.error.find("invalid lease key") != std::string::npos);
    CHECK_FALSE(lease->release(key, 1));
  }
  CHECK(lease->acquire("tenant/a.group_1=x-y", "sidecar-a").status == LeaseStatus::kHeld);
}

TEST_CASE("kv_lease: a SIGSTOPped server makes acquire and renew kUnavailable within the timeout",
          "[kv_lease][hung]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  auto lease = openLease(*connection, "leases");
  const LeaseAnswer held = lease->acquire("group-1", "sidecar-a");
  REQUIRE(held.status == LeaseStatus::kHeld);

  js.server.signal(SIGSTOP);
  // kill() returns before every server thread has stopped: a round trip right after it can
  // still be answered. Stopped means a PING goes unanswered.
  REQUIRE(eventually([&] { return !connection->flush(200).ok; }));
  auto start = steady_clock::now();
  const LeaseAnswer renewed = lease->renew("group-1", "sidecar-a", held.revision);
  const milliseconds renew_took = since(start);
  start = steady_clock::now();
  const LeaseAnswer acquired = lease->acquire("group-2", "sidecar-a");
  const milliseconds acquire_took = since(start);
  std::string read_error;
  start = steady_clock::now();
  CHECK_FALSE(lease->read("group-1", &read_error).has_value());
  const milliseconds read_took = since(start);
  js.server.signal(SIGCONT);

  CHECK(renewed.status == LeaseStatus::kUnavailable);
  CHECK_FALSE(renewed.error.empty());
  CHECK(renew_took < kTimeout + milliseconds(500));
  CHECK(acquired.status == LeaseStatus::kUnavailable);
  CHECK(acquire_took < kTimeout + milliseconds(500));
  CHECK_FALSE(read_error.empty());
  CHECK(read_took < kTimeout + milliseconds(500));

  // Recovered: the renew sent while the server was stopped may have landed late, so the
  // holder renews at whatever revision names it.
  CHECK(eventually(
      [&] {
        std::string error;
        const auto record = lease->read("group-1", &error);
        return record && record->holder == "sidecar-a" &&
               lease->renew("group-1", "sidecar-a", record->revision).status == LeaseStatus::kHeld;
      },
      milliseconds(20000)));
}

TEST_CASE("kv_lease: buckets and groups side by side do not interfere", "[kv_lease]") {
  JetStreamServer js;
  REQUIRE(js.server.running());
  auto connection = connectTo(js.server);
  auto east = openLease(*connection, "leases-east");
  auto west = openLease(*connection, "leases-west", milliseconds(30000));

  const LeaseAnswer east_1 = east->acquire("group-1", "sidecar-a");
  const LeaseAnswer west_1 = west->acquire("group-1", "sidecar-b");
  const LeaseAnswer east_2 = east->acquire("group-2", "sidecar-c");
  REQUIRE(east_1.status == LeaseStatus::kHeld);
  REQUIRE(west_1.status == LeaseStatus::kHeld);
  REQUIRE(east_2.status == LeaseStatus::kHeld);

  REQUIRE(east->release("group-1", east_1.revision));
  CHECK_FALSE(readOrFail(*east, "group-1").has_value());
  const auto west_record = readOrFail(*west, "group-1");
  REQUIRE(west_record.has_value());
  CHECK(west_record->holder == "sidecar-b");
  const auto east_record = readOrFail(*east, "group-2");
  REQUIRE(east_record.has_value());
  CHECK(east_record->holder == "sidecar-c");
  CHECK(west->renew("group-1", "sidecar-b", west_1.revision).status == LeaseStatus::kHeld);
  CHECK(east->renew("group-2", "sidecar-c", east_2.revision).status == LeaseStatus::kHeld);
  // A revision of one bucket means nothing in the other.
  CHECK(west->renew("group-2", "sidecar-c", east_2.revision).status == LeaseStatus::kTaken);
}

}  // namespace
}  // namespace wss::transport
