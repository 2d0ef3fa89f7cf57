#include "sidecar/transport/kv_snapshot_store.h"

#include <algorithm>
#include <climits>
#include <utility>

#include "sidecar/transport/jetstream.h"
#include "sidecar/transport/nats_status.h"

namespace wss::transport {
namespace {

std::string bucketError(const std::string& bucket, natsStatus status) {
  if (status == NATS_NO_RESPONDERS) {
    return "KV bucket '" + bucket + "': JetStream is not enabled on the server";
  }
  return "KV bucket '" + bucket + "': " + describeStatus(status);
}

}  // namespace

std::unique_ptr<KvSnapshotStore> KvSnapshotStore::open(natsConnection* nc,
                                                       const std::string& bucket,
                                                       std::chrono::milliseconds timeout,
                                                       std::string* error) {
  jsCtx* js = openJetStream(nc, timeout.count(), error);
  if (js == nullptr) return nullptr;
  kvStore* kv = nullptr;
  // Bind first: a bucket made by hand (other replicas, other limits) is used as it is.
  natsStatus status = js_KeyValue(&kv, js, bucket.c_str());
  if (status == NATS_NOT_FOUND) {
    kvConfig config;
    kvConfig_Init(&config);
    config.Bucket = bucket.c_str();
    config.History = 1;
    config.StorageType = js_FileStorage;
    status = js_CreateKeyValue(&kv, js, &config);
  }
  if (status != NATS_OK) {
    *error = bucketError(bucket, status);
    jsCtx_Destroy(js);
    return nullptr;
  }
  return std::unique_ptr<KvSnapshotStore>(new KvSnapshotStore(nc, js, kv, bucket));
}

KvSnapshotStore::KvSnapshotStore(natsConnection* nc, jsCtx* js, kvStore* kv, std::string bucket)
    : nc_(nc), js_(js), kv_(kv), bucket_(std::move(bucket)) {}

KvSnapshotStore::~KvSnapshotStore() {
  kvStore_Destroy(kv_);
  jsCtx_Destroy(js_);
}

Status KvSnapshotStore::put(const std::string& key, std::string_view value) {
  if (value.size() > static_cast<std::size_t>(INT_MAX)) return Status::failure("value too large");
  std::uint64_t revision = 0;
  const natsStatus status =
      kvStore_Put(&revision, kv_, key.c_str(), value.data(), static_cast<int>(value.size()));
  if (status != NATS_OK) {
    return Status::failure("put '" + key + "' in '" + bucket_ + "': " + describeStatus(status));
  }
  return {};
}

Status KvSnapshotStore::remove(const std::string& key) {
  const natsStatus status = kvStore_Delete(kv_, key.c_str());
  if (status != NATS_OK && status != NATS_NOT_FOUND) {
    return Status::failure("delete '" + key + "' in '" + bucket_ + "': " + describeStatus(status));
  }
  return {};
}

KvSnapshotStore::Value KvSnapshotStore::get(const std::string& key) {
  Value value;
  kvEntry* entry = nullptr;
  const natsStatus status = kvStore_Get(&entry, kv_, key.c_str());
  if (status == NATS_OK) {
    value.found = true;
    value.bytes.assign(static_cast<const char*>(kvEntry_Value(entry)),
                       static_cast<std::size_t>(kvEntry_ValueLen(entry)));
  } else if (status != NATS_NOT_FOUND) {
    value.error = "get '" + key + "' from '" + bucket_ + "': " + describeStatus(status);
  }
  kvEntry_Destroy(entry);
  return value;
}

std::int64_t KvSnapshotStore::maxValueBytes() const { return natsConnection_GetMaxPayload(nc_); }

}  // namespace wss::transport
