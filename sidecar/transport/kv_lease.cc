#include "sidecar/transport/kv_lease.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <utility>

#include "sidecar/transport/jetstream.h"
#include "sidecar/transport/nats_status.h"

namespace wss::transport {
namespace {

// What cnats' KV writes in a delete marker's header (kv.c), and reads back.
constexpr const char* kOperationHeader = "KV-Operation";
constexpr const char* kDeleteOperation = "DEL";
constexpr const char* kPurgeOperation = "PURGE";
// jsErrCode has no enumerator for "no error code".
constexpr auto kNoErrorCode = static_cast<jsErrCode>(0);

// The key rule of cnats' kv.c (validKey), checked here because the writes bypass kvStore_*:
// a key with '*', '>' or spaces would be a different subject, or none.
bool validKey(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c == '.' && key[i - 1] == '.') return false;
    if (std::isalnum(c) == 0 && std::strchr("._-/\\=", c) == nullptr) return false;
  }
  return true;
}

// Milliseconds left until `deadline`, or 0 when it passed. steady_clock, not an injected
// clock: this bounds real network waits, which a manual clock cannot shorten.
std::int64_t msLeft(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return std::max<std::int64_t>(left.count(), 0);
}

LeaseAnswer unavailable(std::string why) {
  LeaseAnswer answer;
  answer.status = LeaseStatus::kUnavailable;
  answer.error = std::move(why);
  return answer;
}

std::string jetStreamError(const std::string& what, natsStatus status, jsErrCode code) {
  // In a cluster, also what a stream without a leader answers while its servers elect one.
  if (status == NATS_NO_RESPONDERS) {
    return what +
           ": no responder: JetStream is not enabled on the server, or the stream has "
           "no leader yet";
  }
  std::string text = what + ": " + describeStatus(status);
  if (code != kNoErrorCode) text += " (JetStream error " + std::to_string(code) + ")";
  return text;
}

// js_CreateKeyValue reports a missing JetStream as a bare NATS_NO_RESPONDERS.
std::string bucketError(const std::string& bucket, natsStatus status) {
  return jetStreamError("KV bucket '" + bucket + "'", status, kNoErrorCode);
}

// The replicas of the bucket's stream when it exists (0 when absent), so open() binds to it
// as it is: cnats refuses an existing bucket whose replicas differ from those asked for.
// nullopt with *error when the server does not say.
std::optional<int> existingReplicas(jsCtx* js, const std::string& bucket, std::string* error) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = kNoErrorCode;
  const std::string stream = "KV_" + bucket;
  const natsStatus status = js_GetStreamInfo(&info, js, stream.c_str(), nullptr, &code);
  if (status == NATS_NOT_FOUND) return 0;
  if (status != NATS_OK) {
    *error = jetStreamError("KV bucket '" + bucket + "'", status, code);
    return std::nullopt;
  }
  const int replicas = static_cast<int>(info->Config->Replicas);
  jsStreamInfo_Destroy(info);
  return std::max(replicas, 1);  // 0 in a stream's config means 1
}

}  // namespace

// The key's latest message, as js_GetLastMsg returned it.
struct KvLease::LastWrite {
  enum class Kind : std::uint8_t { kAbsent, kValue, kDeleted, kFailed };
  Kind kind = Kind::kFailed;
  std::uint64_t revision = 0;
  std::string value;
  std::string error;  // with kFailed
};

// A conditional publish's outcome: the new revision, or the status and JetStream error code.
struct KvLease::Written {
  natsStatus status = NATS_ERR;
  jsErrCode code = kNoErrorCode;
  std::uint64_t revision = 0;
  std::string error;
};

std::unique_ptr<KvLease> KvLease::open(natsConnection* nc, const std::string& bucket,
                                       std::chrono::milliseconds ttl, int replicas,
                                       std::chrono::milliseconds timeout, std::string* error) {
  jsCtx* js = openJetStream(nc, timeout.count(), error);
  if (js == nullptr) return nullptr;
  const std::optional<int> existing = existingReplicas(js, bucket, error);
  if (!existing) {
    jsCtx_Destroy(js);
    return nullptr;
  }
  kvConfig config;
  kvConfig_Init(&config);
  config.Bucket = bucket.c_str();
  config.History = 1;
  config.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(ttl).count();
  config.Replicas = *existing > 0 ? *existing : replicas;
  kvStore* kv = nullptr;
  // Create is also the bind: cnats updates an existing bucket of the same configuration and
  // refuses one that differs, so a bucket made with another ttl is never used unknowingly.
  const natsStatus status = js_CreateKeyValue(&kv, js, &config);
  if (status != NATS_OK) {
    *error = bucketError(bucket, status);
    jsCtx_Destroy(js);
    return nullptr;
  }
  return std::unique_ptr<KvLease>(
      new KvLease(js, kv, bucket, static_cast<int>(config.Replicas), timeout));
}

KvLease::KvLease(jsCtx* js, kvStore* kv, std::string bucket, int replicas,
                 std::chrono::milliseconds timeout)
    : js_(js), kv_(kv), bucket_(std::move(bucket)), replicas_(replicas), timeout_(timeout) {}

KvLease::~KvLease() {
  kvStore_Destroy(kv_);
  jsCtx_Destroy(js_);
}

KvLease::Deadline KvLease::deadline() const { return std::chrono::steady_clock::now() + timeout_; }

std::string KvLease::subjectOf(const std::string& group) const {
  return "$KV." + bucket_ + "." + group;
}

LeaseAnswer KvLease::acquire(const std::string& group, const std::string& holder) {
  if (!validKey(group)) return unavailable("invalid lease key '" + group + "'");
  const Deadline until = deadline();
  LeaseAnswer answer = writeIfAt(group, holder, 0, until);
  if (answer.status != LeaseStatus::kTaken) return answer;
  // "Not absent" includes a delete marker (release() wrote one; history 1 keeps only it),
  // which leaves the key free: create it over the marker, as kvStore_Create does.
  const LastWrite last = lastWrite(group, until);
  switch (last.kind) {
    case LastWrite::Kind::kDeleted:
      return writeIfAt(group, holder, last.revision, until);
    case LastWrite::Kind::kAbsent:  // it aged out between the two calls
      return writeIfAt(group, holder, 0, until);
    case LastWrite::Kind::kValue:
      return answer;
    case LastWrite::Kind::kFailed:
      break;
  }
  return unavailable(last.error);
}

LeaseAnswer KvLease::renew(const std::string& group, const std::string& holder,
                           std::uint64_t revision) {
  if (!validKey(group)) return unavailable("invalid lease key '" + group + "'");
  if (revision == 0) return unavailable("renew of '" + group + "' without a revision");
  return writeIfAt(group, holder, revision, deadline());
}

bool KvLease::release(const std::string& group, std::uint64_t revision) {
  if (!validKey(group) || revision == 0) return false;
  natsMsg* msg = nullptr;
  natsStatus status = natsMsg_Create(&msg, subjectOf(group).c_str(), nullptr, nullptr, 0);
  if (status == NATS_OK) status = natsMsgHeader_Set(msg, kOperationHeader, kDeleteOperation);
  if (status != NATS_OK) {
    natsMsg_Destroy(msg);
    return false;
  }
  const Written written = publishIfAt(msg, revision, deadline());
  natsMsg_Destroy(msg);
  return written.status == NATS_OK;
}

std::optional<LeaseRecord> KvLease::read(const std::string& group, std::string* error) {
  if (!validKey(group)) {
    *error = "invalid lease key '" + group + "'";
    return std::nullopt;
  }
  LastWrite last = lastWrite(group, deadline());
  switch (last.kind) {
    case LastWrite::Kind::kValue:
      return LeaseRecord{std::move(last.value), last.revision};
    case LastWrite::Kind::kAbsent:
    case LastWrite::Kind::kDeleted:
      return std::nullopt;
    case LastWrite::Kind::kFailed:
      break;
  }
  *error = std::move(last.error);
  return std::nullopt;
}

KvLease::LastWrite KvLease::lastWrite(const std::string& group, Deadline deadline) {
  LastWrite last;
  const std::int64_t left = msLeft(deadline);
  if (left == 0) {
    last.error = "reading lease '" + group + "': timed out";
    return last;
  }
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = left;
  natsMsg* msg = nullptr;
  jsErrCode code = kNoErrorCode;
  const std::string stream = "KV_" + bucket_;
  const natsStatus status =
      js_GetLastMsg(&msg, js_, stream.c_str(), subjectOf(group).c_str(), &options, &code);
  if (status == NATS_NOT_FOUND) {  // JSNoMessageFoundErr: never written, or aged out
    last.kind = LastWrite::Kind::kAbsent;
    return last;
  }
  if (status != NATS_OK) {
    last.error = jetStreamError("reading lease '" + group + "'", status, code);
    return last;
  }
  const char* operation = nullptr;
  const bool marked = natsMsgHeader_Get(msg, kOperationHeader, &operation) == NATS_OK &&
                      (std::strcmp(operation, kDeleteOperation) == 0 ||
                       std::strcmp(operation, kPurgeOperation) == 0);
  last.kind = marked ? LastWrite::Kind::kDeleted : LastWrite::Kind::kValue;
  last.revision = natsMsg_GetSequence(msg);
  last.value.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  natsMsg_Destroy(msg);
  return last;
}

KvLease::Written KvLease::publishIfAt(natsMsg* msg, std::uint64_t last, Deadline deadline) {
  Written written;
  const std::int64_t left = msLeft(deadline);
  if (left == 0) {
    written.status = NATS_TIMEOUT;
    written.error = "timed out";
    return written;
  }
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = left;
  // The header kvStore_Update sends: the server stores the message only if the subject's last
  // sequence is `last` (0: it has none), else answers JSStreamWrongLastSequenceErr.
  if (last == 0) {
    options.ExpectNoMessage = true;
  } else {
    options.ExpectLastSubjectSeq = last;
  }
  jsPubAck* ack = nullptr;
  written.status = js_PublishMsg(&ack, js_, msg, &options, &written.code);
  if (written.status == NATS_OK) {
    written.revision = ack->Sequence;
  } else {
    written.error = jetStreamError("publish", written.status, written.code);
  }
  jsPubAck_Destroy(ack);
  return written;
}

LeaseAnswer KvLease::writeIfAt(const std::string& group, const std::string& holder,
                               std::uint64_t last, Deadline deadline) {
  if (holder.size() > static_cast<std::size_t>(INT_MAX)) return unavailable("holder too long");
  natsMsg* msg = nullptr;
  natsStatus status = natsMsg_Create(&msg, subjectOf(group).c_str(), nullptr, holder.data(),
                                     static_cast<int>(holder.size()));
  if (status != NATS_OK) return unavailable("lease '" + group + "': " + describeStatus(status));
  const Written written = publishIfAt(msg, last, deadline);
  natsMsg_Destroy(msg);
  LeaseAnswer answer;
  if (written.status == NATS_OK) {
    answer.status = LeaseStatus::kHeld;
    answer.revision = written.revision;
  } else if (written.status == NATS_ERR && written.code == JSStreamWrongLastSequenceErr) {
    answer.status = LeaseStatus::kTaken;
  } else {
    answer = unavailable("lease '" + group + "': " + written.error);
  }
  return answer;
}

}  // namespace wss::transport
