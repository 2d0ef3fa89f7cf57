// EventQueue: order, one swap per batch, depth, wake-up on push, close.
#include "sidecar/app/event_queue.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>
#include <tuple>

#include "tests/app/fakes.h"

namespace wss::app {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string replyOf(const WorkItem& item) { return std::get<ServiceRequest>(item).reply; }

TEST_CASE("the queue hands items over oldest first - whatever their kind") {
  EventQueue queue;
  REQUIRE(queue.push(testing::request(Service::kStats, "r-1")) == PushResult::kQueued);
  REQUIRE(queue.push(testing::assigned("a", "t-1")) == PushResult::kQueued);
  REQUIRE(queue.push(ReloadRequest{}) == PushResult::kQueued);
  REQUIRE(queue.push(testing::request(Service::kAgents, "r-2")) == PushResult::kQueued);

  std::vector<WorkItem> out;
  REQUIRE(queue.popAll(out, Clock::now()));
  REQUIRE(out.size() == 4);
  CHECK(replyOf(out[0]) == "r-1");
  CHECK(std::get<InboundEvent>(out[1]).kind == codec::EventKind::kTaskAssigned);
  CHECK(std::holds_alternative<ReloadRequest>(out[2]));
  CHECK(replyOf(out[3]) == "r-2");
}

TEST_CASE("popAll takes everything queued in one batch and clears what it is given") {
  EventQueue queue;
  for (int i = 0; i < 100; ++i)
    REQUIRE(queue.push(testing::request(Service::kStats, std::to_string(i))) ==
            PushResult::kQueued);
  std::vector<WorkItem> out;
  out.push_back(ReloadRequest{});  // left over from a previous batch: must go
  REQUIRE(queue.popAll(out, Clock::now() + 1s));
  REQUIRE(out.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(replyOf(out[i]) == std::to_string(i));

  // Nothing left: the next call waits until the deadline and returns an empty batch.
  const auto before = Clock::now();
  REQUIRE(queue.popAll(out, before + 50ms));
  CHECK(out.empty());
  CHECK(Clock::now() - before >= 45ms);
}

TEST_CASE("a burst's buffers are let go once it has been worked off") {
  EventQueue queue;
  std::vector<WorkItem> out;
  for (std::size_t i = 0; i < 3 * EventQueue::kRetainedCapacity; ++i) {
    REQUIRE(queue.push(testing::assigned("a", "t-" + std::to_string(i))) == PushResult::kQueued);
  }
  REQUIRE(queue.popAll(out, Clock::now()));
  REQUIRE(out.size() == 3 * EventQueue::kRetainedCapacity);
  // The two buffers trade places at each pop: after two more, neither may still be the
  // burst's size.
  for (int pop = 0; pop < 2; ++pop) {
    REQUIRE(queue.push(testing::assigned("a", "t-next")) == PushResult::kQueued);
    REQUIRE(queue.popAll(out, Clock::now()));
    REQUIRE(out.size() == 1);
  }
  CHECK(out.capacity() <= EventQueue::kRetainedCapacity);
}

TEST_CASE("depth counts what is queued - maxDepth keeps the highest") {
  EventQueue queue;
  CHECK(queue.depth() == 0);
  CHECK(queue.maxDepth() == 0);
  for (int i = 0; i < 3; ++i) REQUIRE(queue.push(ReloadRequest{}) == PushResult::kQueued);
  CHECK(queue.depth() == 3);
  CHECK(queue.maxDepth() == 3);
  std::vector<WorkItem> out;
  REQUIRE(queue.popAll(out, Clock::now()));
  CHECK(queue.depth() == 0);
  CHECK(queue.maxDepth() == 3);
  REQUIRE(queue.push(ReloadRequest{}) == PushResult::kQueued);
  CHECK(queue.depth() == 1);
  CHECK(queue.maxDepth() == 3);
}

TEST_CASE("a push wakes a consumer waiting on an empty queue at once") {
  EventQueue queue;
  auto consumer = std::async(std::launch::async, [&queue] {
    std::vector<WorkItem> out;
    const auto start = Clock::now();
    const bool more = queue.popAll(out, start + 10s);
    return std::make_tuple(more, out.size(), Clock::now() - start);
  });
  std::this_thread::sleep_for(50ms);  // let it block
  REQUIRE(queue.push(testing::request(Service::kStats, "r")) == PushResult::kQueued);
  REQUIRE(consumer.wait_for(5s) == std::future_status::ready);
  const auto [more, size, waited] = consumer.get();
  CHECK(more);
  CHECK(size == 1);
  CHECK(waited < 5s);  // woken by the push, not by the 10 s deadline
}

TEST_CASE("close wakes the consumer - queued items are still popped - new ones refused") {
  SECTION("an empty queue: popAll returns false at once") {
    EventQueue queue;
    auto consumer = std::async(std::launch::async, [&queue] {
      std::vector<WorkItem> out;
      return queue.popAll(out, Clock::now() + 10s);
    });
    std::this_thread::sleep_for(50ms);
    queue.close();
    REQUIRE(consumer.wait_for(5s) == std::future_status::ready);
    CHECK_FALSE(consumer.get());
  }
  SECTION("items queued before close are drained first") {
    EventQueue queue;
    REQUIRE(queue.push(testing::request(Service::kStats, "r-1")) == PushResult::kQueued);
    REQUIRE(queue.push(testing::request(Service::kStats, "r-2")) == PushResult::kQueued);
    queue.close();
    queue.close();  // idempotent
    CHECK(queue.push(testing::request(Service::kStats, "late")) == PushResult::kClosed);
    std::vector<WorkItem> out;
    REQUIRE(queue.popAll(out, Clock::now() + 10s));
    REQUIRE(out.size() == 2);
    CHECK(replyOf(out[1]) == "r-2");
    const auto before = Clock::now();
    CHECK_FALSE(queue.popAll(out, before + 10s));
    CHECK(out.empty());
    CHECK(Clock::now() - before < 1s);
  }
}

TEST_CASE("concurrent producers lose nothing and keep each producer's order") {
  EventQueue queue;
  constexpr int kProducers = 4;
  constexpr int kEach = 2000;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&queue, p] {
      for (int i = 0; i < kEach; ++i) {
        (void)queue.push(
            testing::request(Service::kStats, std::to_string(p) + ":" + std::to_string(i)));
      }
    });
  }
  std::vector<int> next(kProducers, 0);
  int total = 0;
  std::vector<WorkItem> out;
  while (total < kProducers * kEach) {
    REQUIRE(queue.popAll(out, Clock::now() + 5s));
    REQUIRE_FALSE(out.empty());
    for (const auto& item : out) {
      const std::string reply = replyOf(item);
      const auto colon = reply.find(':');
      const int p = std::stoi(reply.substr(0, colon));
      const int i = std::stoi(reply.substr(colon + 1));
      REQUIRE(i == next[p]);
      ++next[p];
      ++total;
    }
  }
  for (auto& t : producers) t.join();
  CHECK(total == kProducers * kEach);
  CHECK(queue.maxDepth() >= 1);
}

}  // namespace
}  // namespace wss::app

namespace wss::app {
namespace {

TEST_CASE("a full queue sheds metrics first, then task events and requests, never reloads") {
  EventQueue queue(QueueBounds{/*max_items=*/4, /*max_bytes=*/1 << 20});
  CHECK(queue.push(testing::metrics("a", 10)) == PushResult::kQueued);
  CHECK(queue.push(testing::metrics("b", 10)) == PushResult::kQueued);
  CHECK(queue.push(testing::metrics("c", 10)) == PushResult::kShed);  // half full: metrics go
  CHECK(queue.push(testing::assigned("a", "t-1")) == PushResult::kQueued);
  CHECK(queue.push(testing::assigned("a", "t-2")) == PushResult::kQueued);
  CHECK(queue.push(testing::assigned("a", "t-3")) == PushResult::kShed);  // full
  CHECK(queue.push(testing::request(Service::kStats, "r")) == PushResult::kShed);
  CHECK(queue.push(ReloadRequest{}) == PushResult::kQueued);
  const ShedCounts shed = queue.shed();
  CHECK(shed.metrics == 1);
  CHECK(shed.task_events == 1);
  CHECK(shed.requests == 1);
  std::vector<WorkItem> out;
  REQUIRE(queue.popAll(out, std::chrono::steady_clock::now()));
  CHECK(out.size() == 5);
  CHECK(queue.push(testing::metrics("c", 10)) == PushResult::kQueued);  // room again
}

TEST_CASE("the byte bound holds however few the items") {
  EventQueue queue(QueueBounds{/*max_items=*/1000, /*max_bytes=*/4096});
  std::size_t queued = 0;
  for (int i = 0; i < 100; ++i) {
    if (queue.push(testing::assigned(std::string(300, 'a'), "t-" + std::to_string(i))) ==
        PushResult::kQueued) {
      ++queued;
    }
  }
  CHECK(queued > 0);
  CHECK(queued < 100);
  CHECK(queue.shed().task_events == 100 - queued);
}

}  // namespace
}  // namespace wss::app
