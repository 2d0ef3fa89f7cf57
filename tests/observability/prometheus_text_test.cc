#include "sidecar/observability/prometheus_text.h"

#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "tests/observability/sample_snapshot.h"
#include "tests/support/process.h"

namespace wss::observability {
namespace {

using namespace std::chrono_literals;
using testing::sampleSnapshot;
using wss::testing::runCommand;

bool contains(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

// `promtool check metrics` parses the text and lints the names; it prints nothing when happy.
void requirePromtoolAccepts(const std::string& text) {
  const auto result = runCommand({WSS_PROMTOOL, "check", "metrics"}, 30s, text);
  INFO("promtool said:\n" << result.out << result.err << "\non:\n" << text);
  REQUIRE(result.status.exited);
  REQUIRE(result.status.code == 0);
  REQUIRE(result.out.empty());
  REQUIRE(result.err.empty());
}

TEST_CASE("promtool accepts the rendering of a fresh snapshot", "[prometheus_text]") {
  requirePromtoolAccepts(renderPrometheus(MetricsSnapshot{}));
}

TEST_CASE("promtool accepts the rendering of a busy snapshot", "[prometheus_text]") {
  requirePromtoolAccepts(renderPrometheus(sampleSnapshot()));
}

TEST_CASE("promtool flags a bad exposition, so the checks above mean something",
          "[prometheus_text]") {
  const auto result = runCommand({WSS_PROMTOOL, "check", "metrics"}, 30s,
                                 "# HELP wss_x x\n# TYPE wss_x counter\nwss_x 1\n");
  REQUIRE(result.status.exited);
  REQUIRE(result.status.code != 0);
}

TEST_CASE("every figure of the snapshot is reported", "[prometheus_text]") {
  const auto text = renderPrometheus(sampleSnapshot());
  CHECK(contains(text, R"(wss_build_info{version="1.2.3",commit="abc123"} 1)"));
  CHECK(contains(text, R"(wss_events_received_total{kind="task_assigned"} 101)"));
  CHECK(contains(text, R"(wss_events_received_total{kind="task_completed"} 102)"));
  CHECK(contains(text, R"(wss_events_received_total{kind="task_failed"} 103)"));
  CHECK(contains(text, R"(wss_events_received_total{kind="agent_metrics"} 104)"));
  CHECK(contains(text, R"(wss_events_rejected_total{kind="task_assigned"} 1)"));
  CHECK(contains(text, R"(wss_events_rejected_total{kind="agent_metrics"} 4)"));
  CHECK(contains(text, R"(wss_event_anomalies_total{reason="duplicate_assignment"} 5)"));
  CHECK(contains(text, R"(wss_event_anomalies_total{reason="unknown_task"} 6)"));
  CHECK(contains(text, R"(wss_event_anomalies_total{reason="foreign_completion"} 7)"));
  CHECK(contains(text, "wss_requests_served_total 8"));
  CHECK(contains(text, "wss_requests_rejected_total 9"));
  CHECK(contains(text, "wss_steals_issued_total 10"));
  CHECK(contains(text, "wss_steals_confirmed_total 11"));
  CHECK(contains(text, "wss_steals_failed_total 12"));
  CHECK(contains(text, "wss_steals_pending 13"));
  CHECK(contains(text, "wss_tasks_moved_total 14"));
  CHECK(contains(text, "wss_tasks_returned_total 15"));
  CHECK(contains(text, "wss_tasks_in_flight 16"));
  CHECK(contains(text, "wss_agents_removed_total 17"));
  CHECK(contains(text, "wss_agents 18"));
  CHECK(contains(text, R"(wss_agents_by_state{state="overloaded"} 19)"));
  CHECK(contains(text, R"(wss_agents_by_state{state="underloaded"} 20)"));
  CHECK(contains(text, R"(wss_agents_by_state{state="idle"} 21)"));
  CHECK(contains(text, R"(wss_agents_by_state{state="stale"} 22)"));
  CHECK(contains(text, "wss_nats_connected 1"));
  CHECK(contains(text, "wss_nats_disconnects_total 23"));
  CHECK(contains(text, "wss_nats_reconnects_total 24"));
  CHECK(contains(text, "wss_nats_dropped_messages_total 25"));
  CHECK(contains(text, "wss_event_queue_depth 26"));
  CHECK(contains(text, "wss_state_stream_active 1"));
  CHECK(contains(text, "wss_state_stream_unavailable_total 27"));
  CHECK(contains(text, "wss_state_stream_events_total 28"));
  CHECK(contains(text, "wss_state_stream_unrouted_total 29"));
  CHECK(contains(text, "wss_state_snapshots_written_total 30"));
  CHECK(contains(text, "wss_state_snapshot_write_failures_total 31"));
  CHECK(contains(text, "wss_state_snapshot_sequence 32"));
  CHECK(contains(text, "wss_state_snapshot_bytes 33"));
  CHECK(contains(text, "wss_state_snapshot_written_bytes_total 34"));
  CHECK(contains(text, R"(wss_state_snapshot_restores_total{outcome="restored"} 35)"));
  CHECK(contains(text, R"(wss_state_snapshot_restores_total{outcome="refused"} 36)"));
  CHECK(contains(text, R"(wss_state_snapshot_restores_total{outcome="absent"} 37)"));
}

TEST_CASE("the steal round histogram has cumulative le buckets", "[prometheus_text]") {
  const auto text = renderPrometheus(sampleSnapshot());
  // Observations: 0.0002 (le=0.00025), 0.003 (le=0.005), 2.0 (+Inf only).
  CHECK(contains(text, R"(wss_steal_round_duration_seconds_bucket{le="5e-05"} 0)"));
  CHECK(contains(text, R"(wss_steal_round_duration_seconds_bucket{le="0.0001"} 0)"));
  CHECK(contains(text, R"(wss_steal_round_duration_seconds_bucket{le="0.00025"} 1)"));
  CHECK(contains(text, R"(wss_steal_round_duration_seconds_bucket{le="0.0025"} 1)"));
  CHECK(contains(text, R"(wss_steal_round_duration_seconds_bucket{le="0.005"} 2)"));
  CHECK(contains(text, R"(wss_steal_round_duration_seconds_bucket{le="1"} 2)"));
  CHECK(contains(text, R"(wss_steal_round_duration_seconds_bucket{le="+Inf"} 3)"));
  CHECK(contains(text, "wss_steal_round_duration_seconds_sum 2.0032"));
  CHECK(contains(text, "wss_steal_round_duration_seconds_count 3"));
}

TEST_CASE("bucket bounds read as the Go client libraries write them", "[prometheus_text]") {
  MetricsSnapshot s;
  const std::array<double, 8> bounds = {0.00001, 0.0001, 0.0025, 0.5, 1, 10, 100000, 1000000};
  s.steal_round_duration = Histogram(bounds).snapshot();
  const auto text = renderPrometheus(s);
  for (const char* le : {"1e-05", "0.0001", "0.0025", "0.5", "1", "10", "100000", "1e+06"}) {
    INFO(le);
    CHECK(text.find(std::string("_bucket{le=\"") + le + "\"} 0\n") != std::string::npos);
  }
}

TEST_CASE("a snapshot without buckets still renders a valid histogram", "[prometheus_text]") {
  MetricsSnapshot s;
  s.steal_round_duration = HistogramSnapshot{};
  const auto text = renderPrometheus(s);
  CHECK(contains(text, R"(wss_steal_round_duration_seconds_bucket{le="+Inf"} 0)"));
  requirePromtoolAccepts(text);
}

TEST_CASE("label values are escaped", "[prometheus_text]") {
  MetricsSnapshot s;
  s.build = {"1.0 \"beta\"\\x", "line\nbreak"};
  const auto text = renderPrometheus(s);
  CHECK(contains(text, R"(wss_build_info{version="1.0 \"beta\"\\x",commit="line\nbreak"} 1)"));
  requirePromtoolAccepts(text);
}

TEST_CASE("families follow the naming conventions and bounded labels", "[prometheus_text]") {
  const auto text = renderPrometheus(sampleSnapshot());
  const std::regex type_line(R"(# TYPE (\S+) (\S+))");
  const std::regex label_name(R"(([a-z_]+)=")");
  const std::set<std::string> allowed_labels = {"kind", "state",   "reason", "outcome",
                                                "le",   "version", "commit"};
  std::set<std::string> helped;
  std::set<std::string> typed;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (std::regex_match(line, m, type_line)) {
      const std::string name = m[1];
      typed.insert(name);
      INFO(name);
      CHECK(name.rfind("wss_", 0) == 0);
      CHECK(helped.count(name) == 1);  // HELP comes first
      const bool total = name.size() > 6 && name.substr(name.size() - 6) == "_total";
      CHECK(total == (m[2] == "counter"));
    } else {
      for (auto it = std::sregex_iterator(line.begin(), line.end(), label_name);
           it != std::sregex_iterator(); ++it) {
        INFO(line);
        CHECK(allowed_labels.count((*it)[1]) == 1);
      }
    }
  }
  CHECK(typed.size() == 60);  // docs/metrics.md lists each of them
}

}  // namespace
}  // namespace wss::observability
