#include "sidecar/ha/leadership.h"

namespace wss::ha {

std::string Leadership::leader() const {
  std::lock_guard lock(mutex_);
  return leader_;
}

void Leadership::lead(core::TimeMs valid_until, std::uint64_t epoch) {
  // The epoch first: a reader that sees the new lease end sees its epoch.
  epoch_.store(epoch, std::memory_order_release);
  valid_until_.store(valid_until, std::memory_order_release);
}

void Leadership::setLeader(std::string name) {
  std::lock_guard lock(mutex_);
  leader_ = std::move(name);
}

}  // namespace wss::ha
