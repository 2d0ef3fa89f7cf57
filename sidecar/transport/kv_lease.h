// A leader lease in a JetStream key-value bucket: one key per group, its value the holder.
//
// The lease is the key's latest revision. Whoever creates the key holds it; the holder keeps
// it by rewriting it at the revision it last wrote (compare-and-set) more often than the
// bucket's max age; a key nobody renews ages out server-side, and the next create wins. So a
// holder that lost the key (it expired, someone else created it) learns so on its next renew,
// and two holders never both get kHeld for the same revision. Revisions are the stream's
// sequence numbers: they only grow, across expiry and release too.
//
// Thread rules: every call blocks on JetStream round trips, at most `timeout` in all (open()
// says its own bound), so call them from a dedicated leadership thread, never the owner thread.
// KvLease keeps no mutable state of its own (cnats' calls are thread-safe), but it is meant
// for one thread. The natsConnection (Connection::native()) must outlive the KvLease.
//
// How the calls map to JetStream, and why not all through kvStore_*: cnats 3.4.1's
// kvStore_Create and kvStore_Update drop the server's error code, so "someone holds it"
// (JSStreamWrongLastSequenceErr, 10071) could only be told from other errors by the text;
// kvStore_Create also retries with a read after any failure, so on a hung server it waits
// twice its timeout; and there is no conditional delete. So the writes are js_PublishMsg calls
// to the bucket's subject ($KV.<bucket>.<group>) with the same expected-last-subject-sequence
// header kvStore_Update sends, which return the error code; the reads are js_GetLastMsg on
// its stream (KV_<bucket>), which also shows delete markers and their revisions. This assumes
// the default JetStream API prefix (no domain), as the bucket is made with here.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace wss::transport {

// Who holds a group's lease, and at which revision.
struct LeaseRecord {
  std::string holder;
  std::uint64_t revision = 0;
};

enum class LeaseStatus : std::uint8_t {
  kHeld,        // this caller holds the lease at `revision`
  kTaken,       // the server said no: someone else holds it, or the key moved on
  kUnavailable  // no answer (timeout, no JetStream, disconnected): retry; holding is unknown
};

struct LeaseAnswer {
  LeaseStatus status = LeaseStatus::kUnavailable;
  std::uint64_t revision = 0;  // with kHeld: the revision to renew or release at; else 0
  std::string error;           // with kUnavailable: why, for the log
};

class KvLease {
 public:
  // Binds to KV bucket `bucket` (A-Z, a-z, 0-9, _ and -), creating it when absent, with
  // history 1, max age `ttl` (an entry not renewed within `ttl` expires server-side) and
  // `replicas` replicas. An existing bucket keeps the replicas it has (replicas() says
  // which: a caller may log a difference), but one with another configuration otherwise
  // (another ttl) is refused, not used. Each JetStream API call waits at most `timeout`;
  // binding to an existing bucket takes up to four of them (info, create refused, info,
  // update). Returns nullptr and sets *error when JetStream is absent or unreachable (or a
  // cluster has no meta leader yet), or the bucket cannot be made (e.g. more replicas than
  // servers). `nc` must be connected and outlive the KvLease. Leadership thread.
  [[nodiscard]] static std::unique_ptr<KvLease> open(natsConnection* nc, const std::string& bucket,
                                                     std::chrono::milliseconds ttl, int replicas,
                                                     std::chrono::milliseconds timeout,
                                                     std::string* error);

  // Destroys the kvStore and the jsCtx; the bucket and its keys stay on the server.
  ~KvLease();
  KvLease(const KvLease&) = delete;
  KvLease& operator=(const KvLease&) = delete;

  // Creates key `group` with value `holder`: kHeld and the entry's revision when the key was
  // absent (never written, expired, or deleted by release()); kTaken when someone holds it;
  // kUnavailable on timeout or any other error, or when `group` is not a valid key
  // (A-Z, a-z, 0-9, _ - / \ = and inner dots). Leadership thread.
  [[nodiscard]] LeaseAnswer acquire(const std::string& group, const std::string& holder);

  // Rewrites `group` with `holder` if its latest revision is still `revision`: kHeld and the
  // new revision; kTaken when the key moved on (another holder, or it expired or was released
  // and maybe re-created); kUnavailable on timeout or any other error. Leadership thread.
  [[nodiscard]] LeaseAnswer renew(const std::string& group, const std::string& holder,
                                  std::uint64_t revision);

  // Hands the lease over (shutdown): writes a delete marker for `group` only if its latest
  // revision is still `revision`, in one conditional publish, so it never deletes a lease
  // someone else took meanwhile. True when deleted; false when the key moved on or on error
  // (the lease then ages out within the ttl). Leadership thread.
  [[nodiscard]] bool release(const std::string& group, std::uint64_t revision);

  // The current holder and revision of `group`, or nullopt when absent (never written,
  // expired, released); nullopt with *error set on failure. Leadership thread.
  [[nodiscard]] std::optional<LeaseRecord> read(const std::string& group, std::string* error);

  // The bucket's replicas as bound: those asked for when open() created it, else those the
  // existing bucket has. Any thread.
  [[nodiscard]] int replicas() const { return replicas_; }

 private:
  KvLease(jsCtx* js, kvStore* kv, std::string bucket, int replicas,
          std::chrono::milliseconds timeout);

  using Deadline = std::chrono::steady_clock::time_point;
  struct LastWrite;  // the key's latest message: absent, a value, or a delete marker
  struct Written;    // a conditional publish's outcome

  [[nodiscard]] Deadline deadline() const;
  [[nodiscard]] std::string subjectOf(const std::string& group) const;
  [[nodiscard]] LastWrite lastWrite(const std::string& group, Deadline deadline);
  [[nodiscard]] Written publishIfAt(natsMsg* msg, std::uint64_t last, Deadline deadline);
  [[nodiscard]] LeaseAnswer writeIfAt(const std::string& group, const std::string& holder,
                                      std::uint64_t last, Deadline deadline);

  jsCtx* js_;
  kvStore* kv_;
  std::string bucket_;
  int replicas_;
  std::chrono::milliseconds timeout_;
};

}  // namespace wss::transport
