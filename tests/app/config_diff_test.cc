// restartOnlyChanges: which sections a SIGHUP reload cannot apply.
#include "sidecar/app/config_diff.h"

#include <catch2/catch.hpp>

namespace wss::app {
namespace {

using Strings = std::vector<std::string>;

TEST_CASE("identical configs - or only the stealing section changed: nothing to restart for") {
  const config::Config before;
  config::Config after = before;
  CHECK(restartOnlyChanges(before, after).empty());
  after.stealing.enabled = false;
  after.stealing.steal_interval_ms = 5;
  after.stealing.operation_id_prefix = "other";
  after.source_file = "elsewhere.yaml";
  CHECK(restartOnlyChanges(before, after).empty());
}

TEST_CASE("each restart-only section is named when any of its keys changed") {
  const config::Config before;
  auto changed = [&before](auto edit) {
    config::Config after = before;
    edit(after);
    return restartOnlyChanges(before, after);
  };
  CHECK(changed([](config::Config& c) { c.nats.url = "nats://x:1"; }) == Strings{"nats"});
  CHECK(changed([](config::Config& c) { c.nats.tls.key_file = "k.pem"; }) == Strings{"nats"});
  CHECK(changed([](config::Config& c) { c.nats.drain_timeout_ms = 1; }) == Strings{"nats"});
  CHECK(changed([](config::Config& c) { c.nats.password = "p"; }) == Strings{"nats"});
  CHECK(changed([](config::Config& c) { c.subjects.work_steal = "s"; }) == Strings{"subjects"});
  CHECK(changed([](config::Config& c) { c.subjects.queue_group = "g"; }) == Strings{"subjects"});
  CHECK(changed([](config::Config& c) { c.encoding = codec::Encoding::kJson; }) ==
        Strings{"encoding"});
  CHECK(changed([](config::Config& c) { c.log.level = "debug"; }) == Strings{"log"});
  CHECK(changed([](config::Config& c) { c.log.format = config::LogFormat::kJson; }) ==
        Strings{"log"});
  CHECK(changed([](config::Config& c) { c.http.enabled = false; }) == Strings{"http"});
  CHECK(changed([](config::Config& c) { c.http.listen = ":1"; }) == Strings{"http"});
  CHECK(changed([](config::Config& c) { c.maintenance_interval_ms = 1; }) ==
        Strings{"maintenanceInterval"});
}

TEST_CASE("several changed sections are all named - in a stable order") {
  const config::Config before;
  config::Config after = before;
  after.maintenance_interval_ms = 1;
  after.http.listen = ":1";
  after.nats.name = "n";
  after.encoding = codec::Encoding::kJson;
  after.stealing.max_steal_batch = 1;
  CHECK(restartOnlyChanges(before, after) ==
        Strings{"nats", "encoding", "http", "maintenanceInterval"});
}

}  // namespace
}  // namespace wss::app
