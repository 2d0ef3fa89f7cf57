// The KV bucket that holds state snapshots (state.snapshotBucket): put, get and delete of
// whole values by key, over cnats' kvStore. What the keys mean is snapshot/stored_snapshot.h's.
//
// Thread rules: every call blocks on a JetStream round trip of at most `timeout`, so call them
// from the snapshot writer's thread or from the main thread at start, never the owner thread.
// The natsConnection (Connection::native()) must outlive the store.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sidecar/transport/bus.h"

namespace wss::transport {

class KvSnapshotStore {
 public:
  // Binds to bucket `bucket`, creating it (history 1, file storage) when absent. nullptr with
  // *error set when JetStream is absent or unreachable, or the bucket cannot be made.
  // `nc` connected.
  [[nodiscard]] static std::unique_ptr<KvSnapshotStore> open(natsConnection* nc,
                                                             const std::string& bucket,
                                                             std::chrono::milliseconds timeout,
                                                             std::string* error);
  ~KvSnapshotStore();
  KvSnapshotStore(const KvSnapshotStore&) = delete;
  KvSnapshotStore& operator=(const KvSnapshotStore&) = delete;

  [[nodiscard]] Status put(const std::string& key, std::string_view value);
  // Deletes `key` (a delete marker; history 1 keeps only it). A key that is absent is fine.
  [[nodiscard]] Status remove(const std::string& key);

  struct Value {
    bool found = false;  // false and an empty error: absent or deleted
    std::string bytes;
    std::string error;  // the read failed
  };
  [[nodiscard]] Value get(const std::string& key);

  // The largest value a put can carry: the server's max_payload. 0 until connected.
  [[nodiscard]] std::int64_t maxValueBytes() const;
  [[nodiscard]] const std::string& bucket() const { return bucket_; }

 private:
  KvSnapshotStore(natsConnection* nc, jsCtx* js, kvStore* kv, std::string bucket);

  natsConnection* nc_;
  jsCtx* js_;
  kvStore* kv_;
  std::string bucket_;
};

}  // namespace wss::transport
