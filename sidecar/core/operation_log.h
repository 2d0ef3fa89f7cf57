// The operation log: every steal operation issued, oldest first, by sequence number.
//
// Invariants:
// - Sequence numbers are consecutive from the front, so find() is an index, O(1).
// - `pending_` lists the operations that may still be executing; an executing operation is
//   on it (entries that ended are dropped lazily by the sweep).
// - Only ended operations are trimmed, from the front, so an executing one is never lost.
// Owner thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sidecar/core/coordinator.h"
#include "sidecar/core/task_ledger.h"

namespace wss::core {

struct Operation {
  OperationSeq seq = kNoOperation;
  std::string id;
  std::string source;
  std::string target;
  // While the operation executes, both agents hold a stake in it (the source its named tasks,
  // the target its incoming count), so neither slot can be freed or reused until it ends.
  AgentIndex source_index = kNoAgent;
  AgentIndex target_index = kNoAgent;
  std::vector<std::string> task_ids;
  std::vector<TaskIndex> tasks;  // the same tasks in the ledger, for expiry without lookups
  std::uint32_t tasks_to_steal = 0;
  std::uint32_t confirmed = 0;
  std::uint32_t resolved = 0;  // confirmed, or known not to move (done elsewhere, timed out)
  std::string reason;
  OperationStatus status = OperationStatus::kPlanned;
  TimeMs start = 0;
  TimeMs end = -1;

  [[nodiscard]] bool ended() const {
    return status == OperationStatus::kCompleted || status == OperationStatus::kFailed;
  }
};

class OperationLog {
 public:
  // Appends a new operation with the next sequence number and returns it.
  Operation& append();
  [[nodiscard]] const Operation* find(OperationSeq seq) const;
  Operation* find(OperationSeq seq);
  // Marks `seq` executing, for expiry sweeps.
  void markPending(OperationSeq seq) { pending_.push_back(seq); }
  // Removes and returns the pending operations for which `expired` holds; ended ones are
  // dropped from the list.
  template <typename Pred>
  std::vector<OperationSeq> takeExpired(Pred expired);
  [[nodiscard]] std::size_t executing() const;
  // Drops ended operations that ended before `cutoff`, or beyond the newest `keep`.
  void trim(TimeMs cutoff, std::size_t keep);

  [[nodiscard]] const std::deque<Operation>& all() const { return ops_; }

 private:
  std::deque<Operation> ops_;  // by seq, oldest first
  OperationSeq next_seq_ = 1;
  std::vector<OperationSeq> pending_;
};

template <typename Pred>
std::vector<OperationSeq> OperationLog::takeExpired(Pred expired) {
  std::vector<OperationSeq> out;
  std::size_t kept = 0;
  for (OperationSeq seq : pending_) {
    const Operation* op = find(seq);
    if (op == nullptr || op->status != OperationStatus::kExecuting) continue;
    if (expired(*op)) {
      out.push_back(seq);
    } else {
      pending_[kept++] = seq;
    }
  }
  pending_.resize(kept);
  return out;
}

}  // namespace wss::core
