#include "sidecar/core/operation_log.h"

#include <cassert>
#include <utility>

namespace wss::core {

Operation& OperationLog::append() {
  Operation& op = ops_.emplace_back();
  op.seq = next_seq_++;
  return op;
}

const Operation* OperationLog::find(OperationSeq seq) const {
  if (ops_.empty() || seq < ops_.front().seq || seq > ops_.back().seq) return nullptr;
  const Operation& op = ops_[seq - ops_.front().seq];
  assert(op.seq == seq);
  return &op;
}

Operation* OperationLog::find(OperationSeq seq) {
  return const_cast<Operation*>(std::as_const(*this).find(seq));
}

std::size_t OperationLog::executing() const {
  std::size_t n = 0;
  for (OperationSeq seq : pending_) {
    const Operation* op = find(seq);
    if (op != nullptr && op->status == OperationStatus::kExecuting) ++n;
  }
  return n;
}

void OperationLog::trim(TimeMs cutoff, std::size_t keep) {
  while (!ops_.empty()) {
    const Operation& front = ops_.front();
    if (!front.ended()) break;
    if (front.end >= cutoff && ops_.size() <= keep) break;
    ops_.pop_front();
  }
}

}  // namespace wss::core
