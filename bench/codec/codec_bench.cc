// Micro-benchmarks of the codec on the two messages a fleet sends most: a task completion
// and an agent's metrics. Compares our JSON decoder with protobuf's JsonStringToMessage (what
// a straightforward implementation would use) and with protobuf binary decoding.
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "fleet.pb.h"
#include "sidecar/codec/codec.h"

namespace {

using wss::codec::Encoding;
using wss::codec::EventKind;

constexpr char kCompletionJson[] = R"({"agentId":"agent-7","taskId":"t-1042","duration":850})";
constexpr char kMetricsJson[] =
    R"({"agentId":"agent-3","cpuUsage":72.5,"memoryUsage":40.25,"capabilities":["gpu","linux"],)"
    R"("priority":2,"status":"busy","concurrency":4})";

std::string_view jsonOf(EventKind kind) {
  return kind == EventKind::kTaskCompleted ? kCompletionJson : kMetricsJson;
}

std::string protobufOf(EventKind kind) {
  const auto decoded = wss::codec::decodeEvent(kind, Encoding::kJson, jsonOf(kind));
  return wss::codec::encodeEvent(decoded.event, Encoding::kProtobuf);
}

void setLabel(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

template <EventKind kKind>
void BM_DecodeJson_Ours(benchmark::State& state) {
  const std::string_view payload = jsonOf(kKind);
  for (auto _ : state) {
    auto result = wss::codec::decodeEvent(kKind, Encoding::kJson, payload);
    benchmark::DoNotOptimize(result);
  }
  setLabel(state, payload.size());
}

template <EventKind kKind, typename Message>
void BM_DecodeJson_ProtobufJsonStringToMessage(benchmark::State& state) {
  const std::string payload(jsonOf(kKind));
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  for (auto _ : state) {
    Message message;
    auto status = google::protobuf::util::JsonStringToMessage(payload, &message, options);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(message);
  }
  setLabel(state, payload.size());
}

template <EventKind kKind>
void BM_DecodeProtobuf_Ours(benchmark::State& state) {
  const std::string payload = protobufOf(kKind);
  for (auto _ : state) {
    auto result = wss::codec::decodeEvent(kKind, Encoding::kProtobuf, payload);
    benchmark::DoNotOptimize(result);
  }
  setLabel(state, payload.size());
}

template <EventKind kKind, typename Message>
void BM_DecodeProtobuf_ParseFromArrayOnly(benchmark::State& state) {
  const std::string payload = protobufOf(kKind);
  Message message;
  for (auto _ : state) {
    bool ok = message.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
    benchmark::DoNotOptimize(ok);
  }
  setLabel(state, payload.size());
}

template <EventKind kKind>
void BM_EncodeJson_Ours(benchmark::State& state) {
  const auto event = wss::codec::decodeEvent(kKind, Encoding::kJson, jsonOf(kKind)).event;
  for (auto _ : state) {
    std::string out = wss::codec::encodeEvent(event, Encoding::kJson);
    benchmark::DoNotOptimize(out);
  }
}

template <EventKind kKind, typename Message>
void BM_EncodeJson_ProtobufMessageToJsonString(benchmark::State& state) {
  Message message;
  if (!message.ParseFromString(protobufOf(kKind))) state.SkipWithError("bad fixture");
  for (auto _ : state) {
    std::string out;
    auto status = google::protobuf::util::MessageToJsonString(message, &out);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(out);
  }
}

template <EventKind kKind>
void BM_EncodeProtobuf_Ours(benchmark::State& state) {
  const auto event = wss::codec::decodeEvent(kKind, Encoding::kJson, jsonOf(kKind)).event;
  for (auto _ : state) {
    std::string out = wss::codec::encodeEvent(event, Encoding::kProtobuf);
    benchmark::DoNotOptimize(out);
  }
}

constexpr EventKind kCompletion = EventKind::kTaskCompleted;
constexpr EventKind kMetrics = EventKind::kAgentMetrics;
using CompletionPb = wss::v1::TaskCompleted;
using MetricsPb = wss::v1::AgentMetrics;

BENCHMARK_TEMPLATE(BM_DecodeJson_Ours, kCompletion)->Name("decode/json/ours/completion");
BENCHMARK_TEMPLATE(BM_DecodeJson_Ours, kMetrics)->Name("decode/json/ours/metrics");
BENCHMARK_TEMPLATE(BM_DecodeJson_ProtobufJsonStringToMessage, kCompletion, CompletionPb)
    ->Name("decode/json/JsonStringToMessage/completion");
BENCHMARK_TEMPLATE(BM_DecodeJson_ProtobufJsonStringToMessage, kMetrics, MetricsPb)
    ->Name("decode/json/JsonStringToMessage/metrics");
BENCHMARK_TEMPLATE(BM_DecodeProtobuf_Ours, kCompletion)->Name("decode/protobuf/ours/completion");
BENCHMARK_TEMPLATE(BM_DecodeProtobuf_Ours, kMetrics)->Name("decode/protobuf/ours/metrics");
BENCHMARK_TEMPLATE(BM_DecodeProtobuf_ParseFromArrayOnly, kCompletion, CompletionPb)
    ->Name("decode/protobuf/ParseFromArray/completion");
BENCHMARK_TEMPLATE(BM_DecodeProtobuf_ParseFromArrayOnly, kMetrics, MetricsPb)
    ->Name("decode/protobuf/ParseFromArray/metrics");
BENCHMARK_TEMPLATE(BM_EncodeJson_Ours, kCompletion)->Name("encode/json/ours/completion");
BENCHMARK_TEMPLATE(BM_EncodeJson_Ours, kMetrics)->Name("encode/json/ours/metrics");
BENCHMARK_TEMPLATE(BM_EncodeJson_ProtobufMessageToJsonString, kCompletion, CompletionPb)
    ->Name("encode/json/MessageToJsonString/completion");
BENCHMARK_TEMPLATE(BM_EncodeJson_ProtobufMessageToJsonString, kMetrics, MetricsPb)
    ->Name("encode/json/MessageToJsonString/metrics");
BENCHMARK_TEMPLATE(BM_EncodeProtobuf_Ours, kCompletion)->Name("encode/protobuf/ours/completion");
BENCHMARK_TEMPLATE(BM_EncodeProtobuf_Ours, kMetrics)->Name("encode/protobuf/ours/metrics");

}  // namespace

BENCHMARK_MAIN();
