// Streamed responses (server-sent events) over real sockets: the header, chunks as they are
// produced, heartbeats, a client going away, a stopping server, and, through the API's events
// routes, resuming after Last-Event-ID and a consumer that never reads being dropped while the
// memory held for it stays bounded.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "northbound/api/events_routes.h"
#include "northbound/events/events.h"
#include "northbound/http/server.h"
#include "northbound/router/router.h"
#include "support/stream_client.h"

using namespace vmfabric::northbound;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using vmfabric::testing::StreamClient;

namespace {

http::ServerOptions options() {
  http::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.stream_heartbeat = 50ms;
  return o;
}

// What the test feeds a stream with, and sees of it.
struct Feed {
  std::mutex mutex;
  std::string pending;
  bool end = false;
  std::function<void()> wake;
  std::atomic<int> released{0};

  void push(const std::string& data, bool last = false) {
    std::function<void()> w;
    {
      std::lock_guard lock(mutex);
      pending += data;
      end = end || last;
      w = wake;
    }
    if (w) w();
  }
};

class QueueStream final : public http::BodyStream {
 public:
  explicit QueueStream(std::shared_ptr<Feed> feed) : feed_(std::move(feed)) {}
  ~QueueStream() override { ++feed_->released; }
  void start(std::function<void()> wake) override {
    std::lock_guard lock(feed_->mutex);
    feed_->wake = std::move(wake);
  }
  Chunk next() override {
    std::lock_guard lock(feed_->mutex);
    Chunk c{std::move(feed_->pending), feed_->end};
    feed_->pending.clear();
    return c;
  }
  std::string heartbeat() override { return ": hb\n\n"; }

 private:
  std::shared_ptr<Feed> feed_;
};

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

const std::string kGet = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";

struct StreamServer {
  explicit StreamServer(http::ServerOptions o = options())
      : feed(std::make_shared<Feed>()), server(o, [this](const http::Request& r) {
          if (r.target != "/stream") return http::json_response(404, "{}");
          http::Response res;
          res.set("Content-Type", "text/event-stream");
          res.set("Cache-Control", "no-cache");
          res.stream = std::make_shared<QueueStream>(feed);
          return res;
        }) {
    server.start();
  }
  std::shared_ptr<Feed> feed;
  http::Server server;
};

bool started(Feed& feed) {
  std::lock_guard lock(feed.mutex);
  return static_cast<bool>(feed.wake);
}

}  // namespace

TEST_CASE("a streamed response sends its header then chunks as they come", "[stream]") {
  StreamServer s;
  StreamClient c(s.server.port());
  c.send(kGet);
  const auto head = c.read_until("\r\n\r\n");
  REQUIRE(head);
  CHECK(head->rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(head->find("Content-Type: text/event-stream\r\n") != std::string::npos);
  CHECK(head->find("Cache-Control: no-cache\r\n") != std::string::npos);
  CHECK(head->find("Content-Length") == std::string::npos);
  REQUIRE(eventually([&] { return started(*s.feed); }));

  s.feed->push("data: one\n\n");
  CHECK(c.read_until("data: one\n\n"));
  s.feed->push("data: two\n\n");
  s.feed->push("data: three\n\n");
  CHECK(c.read_until("data: three\n\n"));
  // Idle: heartbeats (every 50 ms here), then the end.
  CHECK(c.read_until(": hb\n\n"));
  CHECK(c.read_until(": hb\n\n"));
  s.feed->push("data: bye\n\n", true);
  CHECK(c.read_until("data: bye\n\n"));
  CHECK(c.wait_closed());
  CHECK(eventually([&] { return s.feed->released == 1; }));
}

TEST_CASE("a client that goes away releases its stream", "[stream]") {
  http::ServerOptions o = options();
  o.stream_heartbeat = 10s;  // no write to fail: the read notices
  StreamServer s(o);
  StreamClient c(s.server.port());
  c.send(kGet);
  REQUIRE(c.read_until("\r\n\r\n"));
  REQUIRE(eventually([&] { return started(*s.feed); }));
  CHECK(s.feed->released == 0);
  c.close();
  // Noticed by the read the server keeps on the socket, without waiting for a write.
  CHECK(eventually([&] { return s.feed->released == 1; }));
  CHECK(eventually([&] { return s.server.connections() == 0; }));
  s.feed->push("data: late\n\n");  // waking a released stream is harmless
}

TEST_CASE("stopping the server ends streams at once", "[stream]") {
  http::ServerOptions o = options();
  o.stream_heartbeat = 10s;
  o.shutdown_grace = 5s;
  StreamServer s(o);
  StreamClient a(s.server.port()), b(s.server.port());
  a.send(kGet);
  b.send(kGet);
  REQUIRE(a.read_until("\r\n\r\n"));
  REQUIRE(b.read_until("\r\n\r\n"));
  const auto start = Clock::now();
  s.server.stop();
  CHECK(Clock::now() - start < 1s);  // not the 5 s grace
  CHECK(a.wait_closed());
  CHECK(b.wait_closed());
  CHECK(s.feed->released == 2);
}

namespace {

// The API's event routes on a server, with one viewer token.
struct EventsServer {
  explicit EventsServer(http::ServerOptions o = options(), events::HubOptions h = {})
      : hub(h),
        router([](std::string_view token) -> std::optional<auth::Principal> {
          if (token == "viewer-token") return auth::Principal{"dana", auth::Role::kViewer};
          return std::nullopt;
        }),
        server(o, [this](const http::Request& r) { return router.handle(r); }) {
    api::add_event_routes(router, hub);
    server.start();
  }
  events::EventHub hub;
  router::Router router;
  http::Server server;
};

std::string stream_request(const std::string& headers = "",
                           const std::string& query = "?access_token=viewer-token") {
  return vmfabric::testing::stream_request("/api/v1/events/stream" + query, headers);
}

}  // namespace

TEST_CASE("the event stream resumes after Last-Event-ID and goes on live", "[stream]") {
  EventsServer s;
  for (int i = 1; i <= 3; ++i) s.hub.publish("graph", {{"graph_version", i}});
  StreamClient c(s.server.port());
  c.send(stream_request("Last-Event-ID: 1\r\n"));
  const auto head = c.read_until(": connected\n\n");
  REQUIRE(head);
  CHECK(head->rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(c.read_until("id: 2\nevent: graph\ndata: {\"graph_version\":2}\n\n"));
  CHECK(c.read_until("id: 3\n"));
  s.hub.publish("plan", {{"switches_pending", 1}, {"changes_pending", 2}});
  CHECK(
      c.read_until("id: 4\nevent: plan\ndata: {\"changes_pending\":2,\"switches_pending\":1}\n\n"));
  CHECK(c.read_until(": heartbeat\n\n"));
  CHECK(s.hub.stats().subscribers == 1);
  c.close();
  CHECK(eventually([&] { return s.hub.stats().subscribers == 0; }));

  // Without a token: 401, as a plain response.
  StreamClient none(s.server.port());
  none.send(stream_request("", ""));
  CHECK(none.read_until("HTTP/1.1 401 Unauthorized\r\n"));
}

TEST_CASE("an event consumer that never reads is dropped with bounded memory", "[stream]") {
  http::ServerOptions o = options();
  o.request_timeout = 300ms;  // a chunk not taken within this cuts the connection
  EventsServer s(o);
  StreamClient c(s.server.port(), 4096);
  c.send(stream_request());
  REQUIRE(c.read_until(": connected\n\n"));
  REQUIRE(eventually([&] { return s.hub.stats().subscribers == 1; }));

  const std::string blob(2000, 'x');
  std::size_t most = 0;
  for (int i = 0; i < 4000 && s.hub.stats().dropped_total == 0; ++i) {
    s.hub.publish("graph", {{"blob", blob}});
    most = std::max(most, s.hub.stats().backlog_bytes);
  }
  const events::HubStats after = s.hub.stats();
  CHECK(after.dropped_total == 1);
  CHECK(after.subscribers == 0);
  CHECK(after.backlog_bytes == 0);
  CHECK(most <= 1024 * 1024);
  // The server cuts the connection whose writes stall.
  CHECK(eventually([&] { return s.server.connections() == 0; }));
}
