// The leadership thread: runs the LeaseMachine against the KV bucket and tells Leadership
// whether this replica leads. Every JetStream call blocks (each bounded by a timeout), so
// they all happen here, never on the owner thread.
//
// It binds to the bucket (creating it) and retries every campaign interval while JetStream is
// absent or unreachable, saying so once per episode at warn; a replica without the lease
// never steals (it fails safe) and keeps tracking. stop() hands the lease over: Leadership
// stops leading first, then the key is deleted, so a standby takes over within its campaign
// interval instead of the ttl.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sidecar/config/config.h"
#include "sidecar/ha/lease_machine.h"
#include "sidecar/ha/leadership.h"
#include "sidecar/transport/kv_lease.h"

namespace wss::ha {

class LeaderElector {
 public:
  using Now = std::function<TimeMs()>;  // the owner's monotonic clock, in ms

  // `nc` (the daemon's connection) and `leadership` must outlive this. Starts nothing.
  LeaderElector(natsConnection* nc, const config::HaConfig& config, Leadership& leadership,
                Now now);
  ~LeaderElector();  // stop()s
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();
  // Steps down and hands the lease over; joins the thread. Idempotent. Main thread.
  void stop();

 private:
  void run();
  // One step of the machine against the bucket (acquire or renew); false when unbound.
  void campaignOrRenew();
  // Opens the bucket (creating it); false, counted and logged once per episode, when it
  // cannot. Logs when an existing bucket's replicas differ from ha.bucketReplicas.
  [[nodiscard]] bool bind();
  void apply(Change change);
  void learnLeader();
  [[nodiscard]] bool waitUntil(TimeMs due);  // false: stop() was called
  void handOver();

  natsConnection* nc_;
  const config::HaConfig config_;
  Leadership& leadership_;
  Now now_;
  LeaseMachine machine_;
  std::unique_ptr<transport::KvLease> lease_;
  bool unavailable_reported_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // mutex_
  std::thread thread_;
};

}  // namespace wss::ha
