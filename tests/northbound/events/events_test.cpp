// EventHub: numbering, the ring, paging with type filters, subscriptions and their resume, and
// the bounded backlog that drops a subscriber instead of growing.
#include "northbound/events/events.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

using namespace vmfabric::northbound::events;
using nlohmann::json;

namespace {

std::vector<std::uint64_t> ids(const std::vector<EventPtr>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) out.push_back(e->id);
  return out;
}

HubOptions small_ring(std::size_t n) {
  HubOptions o;
  o.ring_size = n;
  return o;
}

}  // namespace

TEST_CASE("events are numbered from 1 and timed", "[events]") {
  EventHub hub({}, [] { return std::int64_t{1'764'110'000'000}; });
  CHECK(hub.publish("graph", {{"graph_version", 7}}) == 1);
  CHECK(hub.publish("plan", {{"switches_pending", 0}}) == 2);
  const auto page = hub.after(std::nullopt, 100);
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0]->type == "graph");
  CHECK(json::parse(page.items[0]->data) == json{{"graph_version", 7}});
  CHECK(page.items[1]->time_ms == 1'764'110'000'000);
  CHECK(page.last_id == 2);
  CHECK_FALSE(page.more);
  CHECK_FALSE(page.reset);
  CHECK(hub.stats().published_total == 2);
  CHECK(sse_frame(*page.items[0]) == "id: 1\nevent: graph\ndata: {\"graph_version\":7}\n\n");
}

TEST_CASE("the ring keeps the last events and pages through them by type", "[events]") {
  EventHub hub(small_ring(5));
  for (int i = 0; i < 8; ++i) hub.publish(i % 2 == 0 ? "graph" : "change", {{"i", i}});
  // Ids 4-8 are kept.
  CHECK(ids(hub.after(std::nullopt, 100).items) == std::vector<std::uint64_t>{4, 5, 6, 7, 8});
  CHECK(ids(hub.after(5, 100).items) == std::vector<std::uint64_t>{6, 7, 8});
  CHECK(ids(hub.after(3, 100).items) == std::vector<std::uint64_t>{4, 5, 6, 7, 8});
  CHECK(hub.after(8, 100).items.empty());

  const auto first = hub.after(std::nullopt, 2, {"graph"});
  CHECK(ids(first.items) == std::vector<std::uint64_t>{5, 7});
  CHECK_FALSE(first.more);
  const auto limited = hub.after(std::nullopt, 2);
  CHECK(ids(limited.items) == std::vector<std::uint64_t>{4, 5});
  CHECK(limited.more);
  CHECK(ids(hub.after(5, 2).items) == std::vector<std::uint64_t>{6, 7});
}

TEST_CASE("the ring keeps at most ring_bytes of event data, and always the newest", "[events]") {
  HubOptions o;
  o.ring_bytes = 100;
  EventHub hub(o);
  const std::string text(30, 'x');  // data {"t":"<30 letters>"}: 38 bytes
  for (int i = 0; i < 5; ++i) hub.publish("graph", {{"t", text}});
  CHECK(ids(hub.after(std::nullopt, 100).items) == std::vector<std::uint64_t>{4, 5});
  CHECK(hub.after(2, 100).reset);
  CHECK_FALSE(hub.after(3, 100).reset);
  hub.publish("graph", {{"t", std::string(500, 'y')}});  // alone over the bound: still kept
  CHECK(ids(hub.after(std::nullopt, 100).items) == std::vector<std::uint64_t>{6});
}

TEST_CASE("a resume point that was not kept gives a reset", "[events]") {
  EventHub hub(small_ring(3));
  for (int i = 0; i < 6; ++i) hub.publish("graph", {{"i", i}});
  SECTION("older than the ring") {
    const auto page = hub.after(1, 100);
    REQUIRE(page.reset);
    CHECK((*page.reset)->type == "reset");
    CHECK((*page.reset)->id == 6);
    CHECK(json::parse((*page.reset)->data).contains("reason"));
    CHECK(page.items.empty());
  }
  SECTION("newer than the last id (the daemon restarted)") {
    CHECK(hub.after(42, 100).reset);
    auto sub = hub.subscribe(42, [] {});
    const auto batch = sub->take();
    REQUIRE(batch.events.size() == 1);
    CHECK(batch.events[0]->type == "reset");
    hub.publish("plan", {});
    CHECK(ids(sub->take().events) == std::vector<std::uint64_t>{7});
  }
  SECTION("the oldest kept one's predecessor is still a resume point") {
    CHECK_FALSE(hub.after(3, 100).reset);
    CHECK(ids(hub.after(3, 100).items) == std::vector<std::uint64_t>{4, 5, 6});
  }
}

TEST_CASE("a subscriber gets live events and resumes after Last-Event-ID", "[events]") {
  EventHub hub;
  for (int i = 0; i < 3; ++i) hub.publish("graph", {});
  std::atomic<int> notified{0};
  auto live = hub.subscribe(std::nullopt, [&] { ++notified; });
  auto resumed = hub.subscribe(1, [] {});
  CHECK(hub.stats().subscribers == 2);
  CHECK(live->take().events.empty());
  hub.publish("change", {});
  hub.publish("change", {});
  CHECK(notified == 1);  // only when its backlog was empty
  CHECK(ids(live->take().events) == std::vector<std::uint64_t>{4, 5});
  hub.publish("plan", {});
  CHECK(notified == 2);
  CHECK(ids(resumed->take().events) == std::vector<std::uint64_t>{2, 3, 4, 5, 6});
  resumed.reset();
  CHECK(hub.stats().subscribers == 1);
}

TEST_CASE("a subscriber that falls behind is dropped and its backlog freed", "[events]") {
  HubOptions o;
  o.backlog_events = 10;
  o.backlog_bytes = 1024;
  EventHub hub(o);
  std::atomic<int> notified{0};
  auto slow = hub.subscribe(std::nullopt, [&] { ++notified; });
  auto fast = hub.subscribe(std::nullopt, [] {});

  SECTION("by count") {
    for (int i = 0; i < 11; ++i) {
      hub.publish("graph", {});
      fast->take();
    }
  }
  SECTION("by bytes") {
    const std::string big(300, 'x');
    for (int i = 0; i < 4; ++i) {
      hub.publish("graph", {{"blob", big}});
      fast->take();
    }
  }
  CHECK(notified == 2);  // the first event, then the drop
  const auto batch = slow->take();
  CHECK(batch.dropped);
  CHECK(batch.events.empty());
  CHECK(hub.stats().dropped_total == 1);
  CHECK(hub.stats().subscribers == 1);
  CHECK(hub.stats().backlog_bytes == 0);
  // Memory stays bounded: a dropped subscriber holds nothing more.
  for (int i = 0; i < 100; ++i) hub.publish("graph", {{"blob", std::string(100, 'y')}});
  CHECK(slow->take().events.empty());
  CHECK(hub.stats().backlog_bytes <= o.backlog_bytes);
}

TEST_CASE("publishers and subscribers on several threads", "[events]") {
  EventHub hub;
  std::atomic<bool> stop{false};
  std::vector<std::uint64_t> seen;
  auto sub = hub.subscribe(std::nullopt, [] {});
  std::thread reader([&] {
    while (!stop) {
      for (const auto& e : sub->take().events) seen.push_back(e->id);
    }
    for (const auto& e : sub->take().events) seen.push_back(e->id);
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) hub.publish("graph", {{"i", i}});
    });
  }
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  REQUIRE(seen.size() == 600);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == i + 1);
}
