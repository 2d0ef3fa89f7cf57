// Hand-written fakes for the app's unit tests: a bus that records what is published, a clock
// the test moves by hand, and terse builders for work items.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sidecar/app/clock.h"
#include "sidecar/app/work_item.h"
#include "sidecar/transport/bus.h"

namespace wss::app::testing {

// Records every publish; fails the next `fail_next` publishes when asked to.
class FakeBus final : public transport::Bus {
 public:
  struct Published {
    std::string subject;
    std::string payload;
    std::string content_type;
  };

  // transport::Bus
  [[nodiscard]] transport::Status publish(transport::Outbound what, const std::string& subject,
                                          std::string_view payload,
                                          std::string_view content_type) override {
    kinds.push_back(what);
    if (fail_next > 0) {
      --fail_next;
      ++stats_.publish_failures;
      return transport::Status::failure("fake failure on '" + subject + "'");
    }
    published.push_back({subject, std::string(payload), std::string(content_type)});
    return {};
  }
  [[nodiscard]] transport::ConnectionStats stats() const override { return stats_; }

  // Those published on `subject`, in order.
  [[nodiscard]] std::vector<Published> on(const std::string& subject) const {
    std::vector<Published> out;
    for (const auto& p : published) {
      if (p.subject == subject) out.push_back(p);
    }
    return out;
  }

  std::vector<Published> published;
  std::vector<transport::Outbound> kinds;  // of every publish asked for, failed ones too
  int fail_next = 0;
  transport::ConnectionStats stats_{.connected = true};
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(core::TimeMs start = 1'000'000) : now_(start) {}
  // Clock
  [[nodiscard]] core::TimeMs nowMs() const override { return now_; }

  void advance(core::TimeMs ms) { now_ += ms; }

 private:
  core::TimeMs now_;
};

inline WorkItem assigned(std::string agent, std::string task) {
  return InboundEvent{codec::EventKind::kTaskAssigned,
                      core::TaskAssigned{std::move(agent), std::move(task), {}, 0}};
}

inline WorkItem metrics(std::string agent, double cpu, std::vector<std::string> caps = {}) {
  core::AgentMetrics m;
  m.agent_id = std::move(agent);
  m.cpu_usage = cpu;
  m.memory_usage = 10;
  m.capabilities = std::move(caps);
  return InboundEvent{codec::EventKind::kAgentMetrics, std::move(m)};
}

inline WorkItem request(Service service, std::string reply, std::string payload = "") {
  ServiceRequest r;
  r.service = service;
  r.reply = std::move(reply);
  r.payload = std::move(payload);
  return r;
}

}  // namespace wss::app::testing
