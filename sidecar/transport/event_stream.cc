#include "sidecar/transport/event_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "sidecar/transport/jetstream.h"
#include "sidecar/transport/nats_status.h"
#include "sidecar/transport/subject_match.h"

namespace wss::transport {
namespace {

// jsErrCode has no enumerator for "no error code".
constexpr auto kNoErrorCode = static_cast<jsErrCode>(0);

EventStream::OpenResult problem(StreamProblem kind, std::string error) {
  EventStream::OpenResult result;
  result.problem = kind;
  result.error = std::move(error);
  return result;
}

// A failed JetStream call, classified: a server without JetStream answers its API with no
// responder (an account without it, with an error code).
EventStream::OpenResult apiFailure(const std::string& what, natsStatus status, jsErrCode code) {
  if (status == NATS_NO_RESPONDERS || code == JSNotEnabledErr ||
      code == JSNotEnabledForAccountErr) {
    return problem(StreamProblem::kNoJetStream,
                   what + ": JetStream is not enabled on the server (no responder for its API)");
  }
  std::string text = what + ": " + describeStatus(status);
  if (code != kNoErrorCode) text += " (JetStream error " + std::to_string(code) + ")";
  return problem(StreamProblem::kFailed, std::move(text));
}

// Creates the stream: the route subjects, limits retention, file storage, max age.
EventStream::OpenResult addStream(jsCtx* js, const StreamSpec& spec,
                                  const std::vector<StreamRoute>& routes) {
  std::vector<const char*> subjects;
  subjects.reserve(routes.size());
  for (const StreamRoute& route : routes) subjects.push_back(route.subject.c_str());
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = spec.stream.c_str();
  config.Subjects = subjects.data();
  config.SubjectsLen = static_cast<int>(subjects.size());
  config.Retention = js_LimitsPolicy;
  config.Storage = js_FileStorage;
  config.MaxAge = spec.max_age_ms * 1'000'000;  // ns
  jsStreamInfo* info = nullptr;
  jsErrCode code = kNoErrorCode;
  const natsStatus status = js_AddStream(&info, js, &config, nullptr, &code);
  jsStreamInfo_Destroy(info);
  if (status != NATS_OK)
    return apiFailure("cannot create stream '" + spec.stream + "'", status, code);
  spdlog::info("created stream '{}' for the inbound subjects (file storage, max age {} ms)",
               spec.stream, spec.max_age_ms);
  return {};
}

// The first route subject the stream's subjects do not capture; empty when all are.
std::string uncovered(const jsStreamConfig& config, const std::vector<StreamRoute>& routes) {
  for (const StreamRoute& route : routes) {
    bool covered = false;
    for (int i = 0; i < config.SubjectsLen && !covered; ++i) {
      covered = config.Subjects[i] != nullptr && subjectCovers(config.Subjects[i], route.subject);
    }
    if (!covered) return route.subject;
  }
  return {};
}

// Finds the stream (creating it when absent and asked to) and checks it captures every route.
EventStream::OpenResult ensureStream(jsCtx* js, const StreamSpec& spec,
                                     const std::vector<StreamRoute>& routes) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = kNoErrorCode;
  const natsStatus status = js_GetStreamInfo(&info, js, spec.stream.c_str(), nullptr, &code);
  if (status == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
    jsStreamInfo_Destroy(info);
    if (spec.create) return addStream(js, spec, routes);
    return problem(StreamProblem::kAbsent,
                   "stream '" + spec.stream + "' does not exist (and state.createStream is false)");
  }
  if (status != NATS_OK) return apiFailure("stream '" + spec.stream + "'", status, code);
  std::string missing = info->Config != nullptr ? uncovered(*info->Config, routes) : std::string();
  jsStreamInfo_Destroy(info);
  if (!missing.empty()) {
    return problem(StreamProblem::kNotCovered,
                   "stream '" + spec.stream + "' does not capture subject '" + missing + "'");
  }
  return {};
}

}  // namespace

std::string_view toString(StreamProblem problem) {
  switch (problem) {
    case StreamProblem::kNone:
      return "none";
    case StreamProblem::kNoJetStream:
      return "no JetStream";
    case StreamProblem::kAbsent:
      return "stream absent";
    case StreamProblem::kNotCovered:
      return "subjects not captured";
    case StreamProblem::kFailed:
      return "failed";
  }
  return "?";
}

StreamBounds streamBounds(natsConnection* nc, const std::string& stream, std::int64_t timeout_ms) {
  StreamBounds bounds;
  jsCtx* js = openJetStream(nc, timeout_ms, &bounds.error);
  if (js == nullptr) return bounds;
  jsStreamInfo* info = nullptr;
  jsErrCode code = kNoErrorCode;
  const natsStatus status = js_GetStreamInfo(&info, js, stream.c_str(), nullptr, &code);
  if (status == NATS_OK) {
    bounds.found = true;
    bounds.first = info->State.FirstSeq;
    bounds.last = info->State.LastSeq;
    bounds.created_ns = info->Created;
  } else if (status == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
    bounds.error = "stream '" + stream + "' does not exist";
  } else {
    bounds.error = apiFailure("stream '" + stream + "'", status, code).error;
  }
  jsStreamInfo_Destroy(info);
  jsCtx_Destroy(js);
  return bounds;
}

std::int64_t ageMs(std::int64_t timestamp_ns, std::int64_t now_ns) {
  if (timestamp_ns <= 0 || now_ns <= timestamp_ns) return 0;
  return (now_ns - timestamp_ns) / 1'000'000;
}

EventStream::OpenResult EventStream::open(natsConnection* nc, const StreamSpec& spec,
                                          std::vector<StreamRoute> routes,
                                          std::atomic<std::uint64_t>* handler_failures) {
  std::string error;
  jsCtx* js = openJetStream(nc, spec.timeout_ms, &error);
  if (js == nullptr) return problem(StreamProblem::kFailed, error);
  OpenResult found = ensureStream(js, spec, routes);
  if (found.problem != StreamProblem::kNone) {
    jsCtx_Destroy(js);
    return found;
  }
  std::unique_ptr<EventStream> stream(
      new EventStream(spec.stream, js, std::move(routes), handler_failures, spec.start_sequence));
  OpenResult result = stream->subscribe(spec.start_sequence);
  if (result.problem == StreamProblem::kNone) result.stream = std::move(stream);
  return result;
}

EventStream::EventStream(std::string name, jsCtx* js, std::vector<StreamRoute> routes,
                         std::atomic<std::uint64_t>* handler_failures, std::uint64_t start_sequence)
    : name_(std::move(name)),
      js_(js),
      routes_(std::move(routes)),
      handler_failures_(handler_failures),
      start_sequence_(start_sequence) {
  patterns_.reserve(routes_.size());
  for (const StreamRoute& route : routes_) patterns_.emplace_back(route.subject);
}

EventStream::~EventStream() {
  if (sub_ != nullptr) {
    if (natsSubscription_IsValid(sub_)) (void)natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }
  jsCtx_Destroy(js_);
}

EventStream::OpenResult EventStream::subscribe(std::uint64_t start_sequence) {
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = name_.c_str();
  options.Ordered = true;  // one consumer, in stream order; cnats recreates it on gaps
  options.Config.DeliverPolicy = js_DeliverAll;
  if (start_sequence > 0) {  // after a restored snapshot (cnats resets from the last seen after)
    options.Config.DeliverPolicy = js_DeliverByStartSequence;
    options.Config.OptStartSeq = start_sequence;
  }
  jsErrCode code = kNoErrorCode;
  // ">" as the filter: the server accepts a filter wider than the stream's subjects, so the
  // one consumer sees all of them; route() drops what no inbound subject covers.
  natsStatus status =
      js_Subscribe(&sub_, js_, ">", &EventStream::onMessage, this, nullptr, &options, &code);
  if (status != NATS_OK) {
    return apiFailure("cannot consume stream '" + name_ + "'", status, code);
  }
  // No client-side limits. cnats 3.4.1 records an ordered consumer's sequence before it
  // applies them, so a message dropped there would be lost for good, with no gap to detect and
  // no reset. The consumer's flow control bounds what the server sends instead: it waits for
  // cnats' answer, which comes as the callback works through the queue.
  status = natsSubscription_SetPendingLimits(sub_, -1, -1);
  if (status != NATS_OK) {
    return problem(StreamProblem::kFailed, "cannot lift the pending limits on stream '" + name_ +
                                               "': " + describeStatus(status));
  }
  return {};
}

void EventStream::onMessage(natsConnection* /*nc*/, natsSubscription* /*sub*/, natsMsg* msg,
                            void* closure) {
  static_cast<EventStream*>(closure)->route(msg);
  natsMsg_Destroy(msg);
}

void EventStream::route(natsMsg* msg) {
  InboundMessage view = viewOf(msg);
  const std::optional<std::size_t> index = firstMatch(patterns_, view.subject);
  if (!index) {
    unrouted_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();  // the stamp's clock
    view.age_ms = ageMs(meta->Timestamp, std::chrono::nanoseconds(now).count());
    view.stream_sequence = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
  }
  if (view.stream_sequence != 0 && view.stream_sequence < start_sequence_) {
    if (skipped_.fetch_add(1, std::memory_order_relaxed) == 0) {
      spdlog::warn(
          "stream '{}' redelivered sequence {}, which the restored snapshot holds "
          "(a consumer reset): dropped, as are any others before {}",
          name_, view.stream_sequence, start_sequence_);
    }
    return;
  }
  delivered_.fetch_add(1, std::memory_order_relaxed);
  callHandler(routes_[*index].handler, view, handler_failures_, routes_[*index].subject);
}

Status EventStream::startDrain(std::int64_t timeout_ms) {
  if (sub_ == nullptr) return {};
  if (const natsStatus status = natsSubscription_DrainTimeout(sub_, timeout_ms);
      status != NATS_OK) {
    return Status::failure("cannot drain stream '" + name_ + "': " + describeStatus(status));
  }
  return {};
}

Status EventStream::waitDrained(std::int64_t timeout_ms) {
  if (sub_ == nullptr) return {};
  const natsStatus status = natsSubscription_WaitForDrainCompletion(sub_, timeout_ms);
  if (status != NATS_OK) {
    return Status::failure("drain of stream '" + name_ + "' incomplete: " + describeStatus(status));
  }
  return {};
}

void EventStream::stop() {
  if (sub_ != nullptr && natsSubscription_IsValid(sub_)) (void)natsSubscription_Unsubscribe(sub_);
}

std::int64_t EventStream::dropped() const {
  if (sub_ == nullptr) return 0;
  int64_t msgs = 0;
  if (natsSubscription_GetDropped(sub_, &msgs) != NATS_OK) return 0;
  return msgs;
}

}  // namespace wss::transport
