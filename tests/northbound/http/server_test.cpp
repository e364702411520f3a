// The northbound HTTP server on loopback: keep-alive, limits (431, 413, 400), a slow client cut
// by the request timeout, the connection cap, HTTPS with the test PKI, plain HTTP refused off
// loopback, and a graceful stop that lets a request in flight finish.
#include "northbound/http/server.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "net/http_client.h"
#include "support/raw_client.h"
#include "support/run_coroutine.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

using namespace vmfabric;
using namespace vmfabric::northbound;
using namespace std::chrono_literals;
using testing::get_request;
using testing::RawConnection;

namespace {

http::ServerOptions loopback() {
  http::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  return o;
}

http::Response echo(const http::Request& r) {
  return http::json_response(
      200, nlohmann::json{{"method", r.method}, {"target", r.target}, {"body", r.body}}.dump());
}

nlohmann::json problem_of(const testing::RawResponse& r) {
  REQUIRE(r.headers.at("content-type") == "application/problem+json");
  return nlohmann::json::parse(r.body);
}

}  // namespace

TEST_CASE("the server keeps a connection alive across requests", "[server]") {
  http::Server server(loopback(), echo);
  server.start();
  RawConnection c(server.port());
  for (int i = 0; i < 3; ++i) {
    c.send(get_request("/x?i=" + std::to_string(i)));
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(nlohmann::json::parse(r->body)["target"] == "/x?i=" + std::to_string(i));
  }
  CHECK(server.connections() == 1);
  // Two pipelined requests in one write: both answered, in order.
  c.send(get_request("/a") + get_request("/b"));
  const auto a = c.read_response();
  const auto b = c.read_response();
  REQUIRE((a && b));
  CHECK(nlohmann::json::parse(a->body)["target"] == "/a");
  CHECK(nlohmann::json::parse(b->body)["target"] == "/b");
  // Connection: close is honoured.
  c.send("GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto last = c.read_response();
  REQUIRE(last);
  CHECK(last->headers.at("connection") == "close");
  CHECK(c.wait_closed());
}

TEST_CASE("the server answers oversized and malformed requests with problems", "[server]") {
  http::Server server(loopback(), echo);
  server.start();

  SECTION("a header over 8 KiB is 431") {
    RawConnection c(server.port());
    c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 431);
    CHECK(problem_of(*r)["detail"] == "the request header is over 8192 bytes");
    CHECK(c.wait_closed());
  }
  SECTION("a body over 1 MiB is 413") {
    RawConnection c(server.port());
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    const auto p = problem_of(*r);
    CHECK(p["type"] == "urn:vmfabric:problem:body-too-large");
    CHECK(p["title"] == "Content Too Large");
    CHECK(p["status"] == 413);
    CHECK(p["instance"] == "/");
  }
  SECTION("a body within the limit is read whole") {
    RawConnection c(server.port());
    const std::string body(100'000, 'b');
    c.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(nlohmann::json::parse(r->body)["body"] == body);
  }
  SECTION("garbage is 400") {
    RawConnection c(server.port());
    c.send("NOT HTTP AT ALL\r\n\r\n");
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(problem_of(*r)["type"] == "urn:vmfabric:problem:malformed-request");
  }
}

TEST_CASE("a client that sends its request too slowly is cut off", "[server]") {
  auto options = loopback();
  options.request_timeout = 300ms;
  http::Server server(options, echo);
  server.start();
  RawConnection slow(server.port());
  slow.send("GET / HTTP/1.1\r\nHost: x\r\nX-Drip: ");  // and never the rest
  CHECK(slow.wait_closed());
  // A client that connects and says nothing is cut off too.
  RawConnection silent(server.port());
  CHECK(silent.wait_closed());
  // Others are served meanwhile and after.
  RawConnection ok(server.port());
  ok.send(get_request("/"));
  const auto r = ok.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("an idle kept-alive connection is closed after the idle timeout", "[server]") {
  auto options = loopback();
  options.idle_timeout = 200ms;
  http::Server server(options, echo);
  server.start();
  RawConnection c(server.port());
  c.send(get_request("/"));
  REQUIRE(c.read_response());
  CHECK(c.wait_closed());
}

TEST_CASE("the connection cap refuses busy excess and evicts idle connections", "[server]") {
  auto options = loopback();
  options.max_connections = 2;
  http::Server server(options, echo);
  server.start();

  SECTION("all busy: 503") {
    // Two connections in the middle of a request.
    RawConnection a(server.port()), b(server.port());
    a.send("GET /a HTTP/1.1\r\n");
    b.send("GET /b HTTP/1.1\r\n");
    // The server has both (a third would not be refused before they are registered).
    RawConnection probe_done(server.port());  // refused or served: wait for its answer
    const auto first = probe_done.read_response();
    REQUIRE(first);
    CHECK(first->status == 503);
    CHECK(first->headers.at("retry-after") == "1");
    CHECK(problem_of(*first)["type"] == "urn:vmfabric:problem:too-many-connections");
    // The busy ones finish normally.
    a.send("Host: x\r\n\r\n");
    const auto ra = a.read_response();
    REQUIRE(ra);
    CHECK(ra->status == 200);
  }
  SECTION("idle ones make room") {
    RawConnection a(server.port()), b(server.port());
    for (RawConnection* c : {&a, &b}) {
      c->send(get_request("/"));
      REQUIRE(c->read_response());
    }
    // Each of them turns idle once its coroutine is back waiting for the next request, which
    // the client cannot see: until then a newcomer may still find every connection busy.
    std::optional<testing::RawResponse> r;
    for (int attempt = 0; attempt < 1000 && (!r || r->status == 503); ++attempt) {
      RawConnection third(server.port());
      third.send(get_request("/third"));
      r = third.read_response();
      REQUIRE(r);
    }
    CHECK(r->status == 200);
    // One of the idle two was closed to make room.
    CHECK(server.connections() <= 2);
  }
}

TEST_CASE("the server speaks HTTPS with the configured certificate", "[server]") {
  testing::TempDir dir;
  const testing::TestPki pki = testing::make_test_pki(dir);
  auto options = loopback();
  options.tls_cert_file = pki.cert_file;
  options.tls_key_file = pki.key_file;
  http::Server server(options, echo);
  server.start();
  CHECK(server.tls());

  boost::asio::io_context io;
  net::HttpTarget target;
  target.peer = "api";
  target.host = "127.0.0.1";
  target.port = server.port();
  target.tls.ca_file = pki.ca_file;
  net::HttpClient client(io.get_executor(), target);
  for (int i = 0; i < 2; ++i) {  // the second one on the same TLS connection
    net::HttpRequest req;
    req.method = "GET";
    req.target = "/tls";
    const auto r = testing::run_coroutine(io, client.request(req));
    CHECK(r.status == 200);
    CHECK(nlohmann::json::parse(r.body)["target"] == "/tls");
  }
  CHECK(server.connections() == 1);

  // A client that does not trust the issuer fails the handshake.
  target.tls.ca_file = pki.other_ca_file;
  net::HttpClient untrusting(io.get_executor(), target);
  net::HttpRequest req;
  req.method = "GET";
  CHECK_THROWS_AS(testing::run_coroutine(io, untrusting.request(req)), net::HttpError);

  // Plain HTTP to the HTTPS port gets no HTTP answer.
  testing::RawConnection plain(server.port());
  plain.send(get_request("/"));
  CHECK_FALSE(plain.read_response());
}

TEST_CASE("the server refuses to start in ways that would go wrong", "[server]") {
  SECTION("plain HTTP on a non-loopback address") {
    auto options = loopback();
    options.host = "0.0.0.0";
    http::Server server(options, echo);
    try {
      server.start();
      FAIL("started");
    } catch (const http::ServerError& e) {
      CHECK(std::string(e.what()) ==
            "api.listen 0.0.0.0:0: plain HTTP on the non-loopback address 0.0.0.0 would expose "
            "API tokens; set api.tls (cert_file, key_file), or allow_insecure_http: true");
    }
  }
  SECTION("a port in use") {
    http::Server first(loopback(), echo);
    first.start();
    auto options = loopback();
    options.port = first.port();
    http::Server second(options, echo);
    CHECK_THROWS_WITH(second.start(),
                      Catch::Contains("cannot listen") && Catch::Contains("choose a free port"));
  }
  SECTION("a certificate that does not load") {
    testing::TempDir dir;
    auto options = loopback();
    options.tls_cert_file = dir.write("cert.pem", "not a certificate");
    options.tls_key_file = dir.write("key.pem", "not a key");
    http::Server server(options, echo);
    CHECK_THROWS_WITH(server.start(), Catch::Contains("api.tls.cert_file " + options.tls_cert_file +
                                                      ": cannot load the certificate chain"));
  }
}

TEST_CASE("a graceful stop finishes the request in flight and closes idle connections",
          "[server]") {
  std::mutex mutex;
  std::condition_variable cv;
  bool entered = false, release = false;
  http::Server server(loopback(), [&](const http::Request& r) {
    if (r.target == "/slow") {
      std::unique_lock lock(mutex);
      entered = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    }
    return echo(r);
  });
  server.start();
  const std::uint16_t port = server.port();

  RawConnection idle(port);
  idle.send(get_request("/"));
  REQUIRE(idle.read_response());

  RawConnection busy(port);
  busy.send(get_request("/slow"));
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return entered; });
  }
  auto stopped = std::async(std::launch::async, [&] { server.stop(); });
  CHECK(idle.wait_closed());  // closed at once, not after the idle timeout
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  const auto r = busy.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->headers.at("connection") == "close");
  CHECK(busy.wait_closed());
  stopped.get();
  CHECK(testing::connection_refused(port));
}
