#include "sidecar/ha/leader_elector.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace wss::ha {
namespace {

using std::chrono::milliseconds;

// Each JetStream call waits at most this long: a renewal must come back well inside the ttl.
milliseconds callTimeout(TimeMs ttl) { return milliseconds(std::clamp<TimeMs>(ttl / 5, 200, 2000)); }

}  // namespace

LeaderElector::LeaderElector(natsConnection* nc, const config::HaConfig& config,
                             Leadership& leadership, Now now)
    : nc_(nc),
      config_(config),
      leadership_(leadership),
      now_(std::move(now)),
      machine_(config.lease_ttl_ms) {}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::start() {
  spdlog::info("ha: replica '{}' campaigns for group '{}' (bucket '{}', lease {} ms)",
               leadership_.self(), config_.group, config_.bucket, config_.lease_ttl_ms);
  thread_ = std::thread([this] { run(); });
}

void LeaderElector::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaderElector::run() {
  while (waitUntil(machine_.dueAt())) {
    campaignOrRenew();
    apply(machine_.checkLapse(now_()));
  }
  handOver();
}

bool LeaderElector::waitUntil(TimeMs due) {
  std::unique_lock lock(mutex_);
  const TimeMs wait = std::max<TimeMs>(due - now_(), 0);
  wake_.wait_for(lock, milliseconds(wait), [this] { return stopping_; });
  return !stopping_;
}

void LeaderElector::campaignOrRenew() {
  const TimeMs sent = now_();
  if (!lease_ && !bind()) {
    apply(machine_.onUnavailable(now_()));
    return;
  }
  const transport::LeaseAnswer answer =
      machine_.step() == Step::kAcquire
          ? lease_->acquire(config_.group, leadership_.self())
          : lease_->renew(config_.group, leadership_.self(), machine_.revision());
  switch (answer.status) {
    case transport::LeaseStatus::kHeld:
      if (unavailable_reported_) spdlog::info("ha: lease bucket answers again");
      unavailable_reported_ = false;
      apply(machine_.onHeld(answer.revision, sent));
      break;
    case transport::LeaseStatus::kTaken:
      unavailable_reported_ = false;
      apply(machine_.onTaken(now_()));
      learnLeader();
      break;
    case transport::LeaseStatus::kUnavailable:
      leadership_.count(&ElectorCounters::lease_errors);
      if (!unavailable_reported_) {
        spdlog::warn("ha: lease bucket not answering ({}); retrying", answer.error);
        unavailable_reported_ = true;
      }
      apply(machine_.onUnavailable(now_()));
      break;
  }
}

bool LeaderElector::bind() {
  std::string error;
  lease_ =
      transport::KvLease::open(nc_, config_.bucket, milliseconds(config_.lease_ttl_ms),
                               config_.bucket_replicas, callTimeout(config_.lease_ttl_ms), &error);
  if (!lease_) {
    leadership_.count(&ElectorCounters::lease_errors);
    if (!unavailable_reported_) {
      spdlog::warn("ha: no lease bucket ({}); not stealing, still tracking, retrying", error);
      unavailable_reported_ = true;
    }
    return false;
  }
  // Used as it is: changing a bucket's replicas is the operator's call, not a replica's.
  if (lease_->replicas() != config_.bucket_replicas) {
    spdlog::warn(
        "ha: lease bucket '{}' exists with {} replicas, not ha.bucketReplicas {}: used "
        "as it is",
        config_.bucket, lease_->replicas(), config_.bucket_replicas);
  }
  return true;
}

void LeaderElector::apply(Change change) {
  if (machine_.leads(now_())) {
    leadership_.lead(machine_.validUntil(), machine_.epoch());
  } else {
    leadership_.stepDown();
  }
  switch (change) {
    case Change::kNone:
      return;
    case Change::kWon:
      leadership_.count(&ElectorCounters::terms_won);
      leadership_.setLeader(leadership_.self());
      spdlog::info("ha: leading group '{}' with epoch {}", config_.group, machine_.epoch());
      return;
    case Change::kLost:
      leadership_.count(&ElectorCounters::terms_lost);
      spdlog::warn("ha: lost the lease of group '{}' (epoch {}): standing by", config_.group,
                   machine_.epoch());
      return;
    case Change::kLapsed:
      leadership_.count(&ElectorCounters::terms_lost);
      spdlog::warn("ha: lease of group '{}' ran out unrenewed: not stealing until renewed",
                   config_.group);
      return;
  }
}

void LeaderElector::learnLeader() {
  std::string error;
  if (auto record = lease_->read(config_.group, &error)) leadership_.setLeader(record->holder);
}

void LeaderElector::handOver() {
  const bool led = machine_.role() == Role::kLeader;
  leadership_.stepDown();  // first: no publish may follow the release
  if (!led || !lease_) return;
  if (lease_->release(config_.group, machine_.revision())) {
    spdlog::info("ha: handed the lease of group '{}' over", config_.group);
  }
}

}  // namespace wss::ha
