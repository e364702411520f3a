// HttpClient against in-process Beast servers on 127.0.0.1 (plain and TLS, on their own thread),
// with a test CA and server certificates made at test time with the OpenSSL C API.
#include "net/http_client.h"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "log/log.h"
#include "support/run_coroutine.h"
#include "support/temp_dir.h"
#include "support/test_pki.h"

using namespace vmfabric;
using namespace vmfabric::net;
using vmfabric::testing::run_coroutine;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using testing::ServerIdentity;
using testing::TestCa;

// ---------------------------------------------------------------------------------------------
// Test PKI

// Made once per test run: two unrelated CAs (their PEM files in a temp dir) and server
// identities for the scenarios.
struct Pki {
  testing::TempDir dir;
  std::string ca_file;        // the CA that issued `server` and `other_name`
  std::string other_ca_file;  // an unrelated CA
  ServerIdentity server;      // CN 127.0.0.1, SAN IP:127.0.0.1, DNS:localhost
  ServerIdentity other_name;  // SAN DNS:other.example only
  ServerIdentity self_signed;

  Pki() {
    const TestCa ca("vmfabric test CA");
    const TestCa other("unrelated CA");
    ca_file = dir.write("ca.pem", ca.cert_pem());
    other_ca_file = dir.write("other-ca.pem", other.cert_pem());
    server = ca.issue("127.0.0.1", "IP:127.0.0.1,DNS:localhost");
    other_name = ca.issue("other.example", "DNS:other.example");
    self_signed = testing::self_signed("127.0.0.1", "IP:127.0.0.1");
  }
};

const Pki& pki() {
  static const Pki instance;
  return instance;
}

// ---------------------------------------------------------------------------------------------
// Test server

using ServerRequest = http::request<http::string_body>;
using ServerResponse = http::response<http::string_body>;

// What the server does with one request.
struct Reply {
  enum class Action {
    kRespond,           // answer; keep the connection open unless the response says close
    kRespondThenClose,  // answer (keep-alive), then close: an idle-timeout close
    kDrop,              // close without answering
    kHang,              // never answer; wait until the client goes away
    kRaw,               // write `raw` as-is, then close
  };
  Action action = Action::kRespond;
  ServerResponse response{http::status::ok, 11};
  std::string raw;

  static Reply ok(std::string body) {
    Reply r;
    r.response.body() = std::move(body);
    return r;
  }
  static Reply with(Action a) {
    Reply r;
    r.action = a;
    return r;
  }
};

// `nth` counts requests on one connection, from 1.
using Handler = std::function<Reply(const ServerRequest& req, int nth)>;

// An HTTP/1.1 server on 127.0.0.1 (an ephemeral port), on its own thread: plain, or TLS with
// `identity`. It counts the connections it accepted and the ones that ended.
class TestServer {
 public:
  explicit TestServer(Handler handler, const ServerIdentity* identity = nullptr)
      : handler_(std::move(handler)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    if (identity != nullptr) {
      ctx_.emplace(ssl::context::tls_server);
      ctx_->use_certificate_chain(asio::buffer(identity->cert_pem));
      ctx_->use_private_key(asio::buffer(identity->key_pem), ssl::context::pem);
    }
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    io_.stop();
    thread_.join();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int accepts() const { return accepts_; }
  // Waits until `n` connections have ended on the server side; false after 10 s.
  bool wait_ended(int n) {
    std::unique_lock lock(mutex_);
    return ended_cv_.wait_for(lock, 10s, [&] { return ended_ >= n; });
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++accepts_;
      asio::co_spawn(io_, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    if (ctx_) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ctx_);
      error_code ec;
      co_await stream.async_handshake(ssl::stream_base::server,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await serve(stream);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream);
    }
    {
      std::lock_guard lock(mutex_);
      ++ended_;
    }
    ended_cv_.notify_all();
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream) {
    error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    beast::flat_buffer buffer;
    for (int nth = 1;; ++nth) {
      ServerRequest req;
      co_await http::async_read(stream, buffer, req, token);
      if (ec) co_return;
      Reply reply = handler_(req, nth);
      switch (reply.action) {
        case Reply::Action::kRespond:
        case Reply::Action::kRespondThenClose: {
          const bool keep_alive = req.keep_alive() && reply.response.keep_alive();
          reply.response.keep_alive(keep_alive);
          reply.response.prepare_payload();
          co_await http::async_write(stream, reply.response, token);
          if (ec || !keep_alive || reply.action == Reply::Action::kRespondThenClose) co_return;
          break;
        }
        case Reply::Action::kDrop:
          co_return;
        case Reply::Action::kHang:
          co_await http::async_read(stream, buffer, req, token);
          co_return;
        case Reply::Action::kRaw:
          co_await asio::async_write(stream, asio::buffer(reply.raw), token);
          co_return;
      }
    }
  }

  Handler handler_;
  std::optional<ssl::context> ctx_;
  std::atomic<int> accepts_{0};
  std::mutex mutex_;
  std::condition_variable ended_cv_;
  int ended_ = 0;  // guarded by mutex_
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Client side: each test drives its client on its own io_context, in the test's thread.

HttpTarget plain_target(std::uint16_t port) {
  HttpTarget t;
  t.peer = "switch leaf1";
  t.host = "127.0.0.1";
  t.port = port;
  t.tls.enabled = false;
  return t;
}

HttpTarget tls_target(std::uint16_t port, TlsPolicy tls, std::string host = "127.0.0.1") {
  HttpTarget t;
  t.peer = "vcenter vc1";
  t.host = std::move(host);
  t.port = port;
  t.tls = std::move(tls);
  return t;
}

TlsPolicy with_ca(std::string ca_file) {
  TlsPolicy p;
  p.ca_file = std::move(ca_file);
  return p;
}

HttpRequest get(std::string target) {
  HttpRequest r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

// The HttpError `client.request(req)` throws; fails the test when it returns.
HttpError request_error(asio::io_context& io, HttpClient& client, HttpRequest req) {
  try {
    const HttpResponse res = run_coroutine(io, client.request(std::move(req)));
    FAIL("expected an HttpError, got HTTP " << res.status);
  } catch (const HttpError& e) {
    return e;
  }
  throw std::logic_error("unreachable");
}

// Replies "<method> <target> <body>" with the request's Host and Authorization echoed back.
Reply echo(const ServerRequest& req, int) {
  Reply r = Reply::ok(std::string(req.method_string()) + " " + std::string(req.target()) + " " +
                      req.body());
  r.response.set("X-Seen-Host", req[http::field::host]);
  r.response.set("X-Seen-Authorization", req[http::field::authorization]);
  r.response.set("X-Seen-Content-Type", req[http::field::content_type]);
  r.response.set(http::field::content_type, "text/plain");
  return r;
}

// A listener that never accepts, with a backlog of 0: the one connection it queues fills its
// accept queue, and Linux then drops further SYNs, so a client's connect hangs.
class Blackhole {
 public:
  Blackhole() : listener_(io_, {asio::ip::make_address("127.0.0.1"), 0}), queued_(io_) {
    listener_.listen(0);
    queued_.connect(listener_.local_endpoint());
  }
  std::uint16_t port() const { return listener_.local_endpoint().port(); }

 private:
  asio::io_context io_;
  tcp::acceptor listener_;
  tcp::socket queued_;
};

// Captures log lines, debug ones included, for the lifetime of the object.
struct LogCapture {
  LogCapture() {
    log::set_level(log::Level::kDebug);
    log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    });
  }
  ~LogCapture() {
    log::reset_sink();
    log::set_level(log::Level::kInfo);
  }
  bool contains(std::string_view needle) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::mutex mutex;
  std::vector<std::string> lines;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// HTTP

TEST_CASE("basic_auth encodes user:password in base64", "[net]") {
  CHECK(basic_auth("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(basic_auth("a", "") == "Basic YTo=");
  CHECK(basic_auth("ab", "") == "Basic YWI6");
  CHECK(basic_auth("admin", "pw") == "Basic YWRtaW46cHc=");
}

TEST_CASE("GET and POST round trip with headers and bodies", "[net]") {
  TestServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor(), plain_target(server.port()));

  const HttpResponse got = run_coroutine(io, client.request(get("/hello?x=1")));
  CHECK(got.status == 200);
  CHECK(got.body == "GET /hello?x=1 ");
  CHECK(got.header("x-seen-host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(got.header("CONTENT-TYPE") == "text/plain");
  CHECK_FALSE(got.header("X-Missing"));

  HttpRequest post;
  post.target = "/command-api";
  post.headers = {{"Authorization", basic_auth("admin", "pw")},
                  {"Content-Type", "application/json"}};
  post.body = R"({"jsonrpc":"2.0","method":"runCmds"})";
  const HttpResponse posted = run_coroutine(io, client.request(post));
  CHECK(posted.status == 200);
  CHECK(posted.body == "POST /command-api " + post.body);
  CHECK(posted.header("X-Seen-Authorization") == basic_auth("admin", "pw"));
  CHECK(posted.header("X-Seen-Content-Type") == "application/json");
}

TEST_CASE("HTTP error statuses are responses, not exceptions", "[net]") {
  TestServer server([](const ServerRequest&, int) {
    Reply r = Reply::ok(R"({"error":"Unauthorized"})");
    r.response.result(http::status::unauthorized);
    return r;
  });
  asio::io_context io;
  HttpClient client(io.get_executor(), plain_target(server.port()));
  const HttpResponse res = run_coroutine(io, client.request(HttpRequest{}));
  CHECK(res.status == 401);
  CHECK(res.body == R"({"error":"Unauthorized"})");
  CHECK(client.connected());
}

TEST_CASE("requests share one kept-alive connection", "[net]") {
  TestServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor(), plain_target(server.port()));
  CHECK_FALSE(client.connected());
  for (int i = 0; i < 5; ++i) {
    CHECK(run_coroutine(io, client.request(get("/n/" + std::to_string(i)))).body ==
          "GET /n/" + std::to_string(i) + " ");
  }
  CHECK(client.connected());
  CHECK(server.accepts() == 1);

  client.close();
  CHECK_FALSE(client.connected());
  CHECK(run_coroutine(io, client.request(get("/again"))).status == 200);
  CHECK(server.accepts() == 2);
}

TEST_CASE("a response with Connection: close ends the connection", "[net]") {
  TestServer server([](const ServerRequest& req, int nth) {
    Reply r = echo(req, nth);
    r.response.keep_alive(false);
    return r;
  });
  LogCapture logs;
  asio::io_context io;
  HttpClient client(io.get_executor(), plain_target(server.port()));
  CHECK(run_coroutine(io, client.request(get("/1"))).header("Connection") == "close");
  CHECK_FALSE(client.connected());
  CHECK(run_coroutine(io, client.request(get("/2"))).body == "GET /2 ");
  CHECK(server.accepts() == 2);
  CHECK_FALSE(logs.contains("event=net.stale_connection"));
  CHECK_FALSE(logs.contains("event=net.resend"));
}

TEST_CASE("a connection the server closed while idle is replaced transparently", "[net]") {
  TestServer server([](const ServerRequest& req, int nth) {
    Reply r = echo(req, nth);
    r.action = Reply::Action::kRespondThenClose;
    return r;
  });
  LogCapture logs;
  asio::io_context io;
  HttpClient client(io.get_executor(), plain_target(server.port()));
  CHECK(run_coroutine(io, client.request(get("/1"))).status == 200);
  REQUIRE(server.wait_ended(1));
  CHECK(run_coroutine(io, client.request(get("/2"))).body == "GET /2 ");
  REQUIRE(server.wait_ended(2));
  CHECK(run_coroutine(io, client.request(get("/3"))).body == "GET /3 ");
  CHECK(server.accepts() == 3);
  // Seen before sending: nothing had to be sent twice.
  CHECK(logs.contains("event=net.stale_connection peer=\"switch leaf1\""));
  CHECK_FALSE(logs.contains("event=net.resend"));
}

TEST_CASE("a reused connection closed before the response is resent once", "[net]") {
  std::atomic<int> seen{0};
  SECTION("the second try succeeds") {
    // The second request on each connection is dropped, as by a server closing it just then.
    TestServer server([&](const ServerRequest& req, int nth) {
      ++seen;
      return nth == 2 ? Reply::with(Reply::Action::kDrop) : echo(req, nth);
    });
    LogCapture logs;
    asio::io_context io;
    HttpClient client(io.get_executor(), plain_target(server.port()));
    CHECK(run_coroutine(io, client.request(get("/1"))).status == 200);
    CHECK(run_coroutine(io, client.request(get("/2"))).body == "GET /2 ");
    CHECK(server.accepts() == 2);
    CHECK(seen == 3);
    CHECK(logs.contains("event=net.resend peer=\"switch leaf1\""));
  }
  SECTION("only once") {
    TestServer server([&](const ServerRequest& req, int nth) {
      return ++seen == 1 ? echo(req, nth) : Reply::with(Reply::Action::kDrop);
    });
    asio::io_context io;
    HttpClient client(io.get_executor(), plain_target(server.port()));
    CHECK(run_coroutine(io, client.request(get("/1"))).status == 200);
    const HttpError e = request_error(io, client, get("/2"));
    CHECK(e.kind() == HttpError::Kind::kClosed);
    CHECK_THAT(e.what(), Catch::Contains("closed the connection without responding to GET /2"));
    CHECK(server.accepts() == 2);
    CHECK(seen == 3);
  }
  SECTION("never on a fresh connection") {
    TestServer server([&](const ServerRequest&, int) {
      ++seen;
      return Reply::with(Reply::Action::kDrop);
    });
    asio::io_context io;
    HttpClient client(io.get_executor(), plain_target(server.port()));
    CHECK(request_error(io, client, get("/1")).kind() == HttpError::Kind::kClosed);
    CHECK(server.accepts() == 1);
    CHECK(seen == 1);
    CHECK_FALSE(client.connected());
  }
}

TEST_CASE("a server that never answers times out within request_timeout", "[net]") {
  TestServer server([](const ServerRequest&, int) { return Reply::with(Reply::Action::kHang); });
  asio::io_context io;
  HttpLimits limits;
  limits.request_timeout = 300ms;
  HttpClient client(io.get_executor(), plain_target(server.port()), limits);
  HttpRequest req;
  req.target = "/command-api";
  req.headers = {{"Authorization", basic_auth("admin", "hunter2")}};
  req.body = R"({"params":{"cmds":["enable","secret-command"]}})";

  const auto start = std::chrono::steady_clock::now();
  const HttpError e = request_error(io, client, req);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(e.kind() == HttpError::Kind::kTimeout);
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 3s);
  const std::string expected = "switch leaf1 (127.0.0.1:" + std::to_string(server.port()) +
                               "): no response to POST /command-api within 300 ms";
  CHECK_THAT(e.what(), Catch::StartsWith(expected));
  CHECK_THAT(e.what(), !Catch::Contains(basic_auth("admin", "hunter2")) &&
                           !Catch::Contains("secret-command"));
  CHECK_FALSE(client.connected());
}

TEST_CASE("close() fails the request in flight", "[net]") {
  asio::io_context io;
  std::optional<HttpClient> client;
  // The server hands the close to the client's thread once it holds the request.
  std::function<void()> on_request;
  TestServer server([&](const ServerRequest&, int) {
    asio::post(io, [&] { on_request(); });  // read on the client thread
    return Reply::with(Reply::Action::kHang);
  });
  client.emplace(io.get_executor(), plain_target(server.port()));
  SECTION("close") {
    on_request = [&] { client->close(); };
    const HttpError e = request_error(io, *client, get("/slow"));
    CHECK(e.kind() == HttpError::Kind::kClosed);
    CHECK_THAT(e.what(), Catch::Contains("the connection was closed locally during GET /slow"));
    CHECK_FALSE(client->connected());
  }
  SECTION("destruction") {
    on_request = [&] { client.reset(); };
    HttpClient& doomed = *client;
    CHECK(request_error(io, doomed, get("/slow")).kind() == HttpError::Kind::kClosed);
  }
}

TEST_CASE("close() aborts a connect in progress", "[net]") {
  Blackhole peer;
  asio::io_context io;
  std::optional<HttpClient> client;
  client.emplace(io.get_executor(), plain_target(peer.port()));
  auto pending = asio::co_spawn(io, client->request(get("/")), asio::use_future);
  SECTION("close") {
    // Runs once the request waits for its connect (handlers run in order).
    asio::post(io, [&] { client->close(); });
  }
  SECTION("destruction") {
    asio::post(io, [&] { client.reset(); });
  }
  const auto start = std::chrono::steady_clock::now();
  io.run();
  CHECK(std::chrono::steady_clock::now() - start < 2s);  // not the 5 s connect_timeout
  try {
    pending.get();
    FAIL("expected an HttpError");
  } catch (const HttpError& e) {
    CHECK(e.kind() == HttpError::Kind::kClosed);
    CHECK_THAT(e.what(), Catch::Contains("the connection was closed locally while connecting"));
  }
}

TEST_CASE("a second request while one is in flight is a logic error", "[net]") {
  TestServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor(), plain_target(server.port()));
  auto first = asio::co_spawn(io, client.request(get("/1")), asio::use_future);
  auto second = asio::co_spawn(io, client.request(get("/2")), asio::use_future);
  io.run();
  CHECK(first.get().status == 200);
  CHECK_THROWS_AS(second.get(), std::logic_error);
}

TEST_CASE("a peer that does not accept connections times out within connect_timeout", "[net]") {
  Blackhole peer;
  asio::io_context io;
  HttpLimits limits;
  limits.connect_timeout = 300ms;
  limits.request_timeout = 300ms;  // should the connect succeed after all, fail fast
  HttpClient client(io.get_executor(), plain_target(peer.port()), limits);
  const auto start = std::chrono::steady_clock::now();
  const HttpError e = request_error(io, client, get("/"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(e.kind() == HttpError::Kind::kTimeout);
  CHECK_THAT(e.what(), Catch::Contains("cannot connect within 300 ms (connect_timeout)"));
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 3s);
}

TEST_CASE("a refused connection is a connect error", "[net]") {
  std::uint16_t port = 0;
  {
    asio::io_context scratch;
    tcp::acceptor closed(scratch, {asio::ip::make_address("127.0.0.1"), 0});
    port = closed.local_endpoint().port();
  }
  asio::io_context io;
  HttpClient client(io.get_executor(), plain_target(port));
  const HttpError e = request_error(io, client, get("/"));
  CHECK(e.kind() == HttpError::Kind::kConnect);
  CHECK_THAT(e.what(), Catch::StartsWith("switch leaf1 (127.0.0.1:" + std::to_string(port) +
                                         "): cannot connect: Connection refused"));
}

TEST_CASE("a response body over max_body is refused", "[net]") {
  TestServer server([](const ServerRequest& req, int) {
    return Reply::ok(std::string(std::stoul(std::string(req.target().substr(1))), 'x'));
  });
  asio::io_context io;
  HttpLimits limits;
  limits.max_body = 1000;
  HttpClient client(io.get_executor(), plain_target(server.port()), limits);
  CHECK(run_coroutine(io, client.request(get("/1000"))).body.size() == 1000);
  const HttpError e = request_error(io, client, get("/1001"));
  CHECK(e.kind() == HttpError::Kind::kTooLarge);
  CHECK_THAT(e.what(), Catch::Contains("body over 1000 bytes (max_body)"));
  CHECK_FALSE(client.connected());
  CHECK(run_coroutine(io, client.request(get("/10"))).body == "xxxxxxxxxx");  // a new connection
  CHECK(server.accepts() == 2);
}

TEST_CASE("chunked and close-delimited bodies are read whole, within max_body", "[net]") {
  const std::map<std::string, std::string, std::less<>> raw = {
      {"/chunked",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5\r\nhello\r\n3\r\n, w\r\n0\r\n\r\n"},
      {"/eof", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil EOF"},
      {"/chunked-too-large",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "8\r\nhello, w\r\n3\r\norl\r\n0\r\n\r\n"},
  };
  TestServer server([&](const ServerRequest& req, int) {
    Reply r = Reply::with(Reply::Action::kRaw);
    r.raw = raw.find(req.target())->second;
    return r;
  });
  asio::io_context io;
  HttpLimits limits;
  limits.max_body = 10;
  HttpClient client(io.get_executor(), plain_target(server.port()), limits);
  CHECK(run_coroutine(io, client.request(get("/chunked"))).body == "hello, w");
  CHECK(run_coroutine(io, client.request(get("/eof"))).body == "until EOF");
  CHECK_FALSE(client.connected());
  CHECK(request_error(io, client, get("/chunked-too-large")).kind() == HttpError::Kind::kTooLarge);
}

TEST_CASE("a response that is not HTTP is a protocol error", "[net]") {
  const std::string raw =
      GENERATE(as<std::string>{}, "SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n",
               "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n");
  TestServer server([&](const ServerRequest&, int) {
    Reply r = Reply::with(Reply::Action::kRaw);
    r.raw = raw;
    return r;
  });
  asio::io_context io;
  HttpClient client(io.get_executor(), plain_target(server.port()));
  const HttpError e = request_error(io, client, get("/"));
  INFO(e.what());
  CHECK(e.kind() == HttpError::Kind::kProtocol);
  CHECK_THAT(e.what(), Catch::Contains("malformed HTTP response to GET /"));
}

TEST_CASE("an unknown host name is a resolve error", "[net]") {
  asio::io_context io;
  HttpTarget target = plain_target(80);
  target.host = "no-such-host.invalid";
  HttpClient client(io.get_executor(), target);
  const HttpError e = request_error(io, client, get("/"));
  CHECK(e.kind() == HttpError::Kind::kResolve);
  CHECK_THAT(e.what(), Catch::StartsWith("switch leaf1 (no-such-host.invalid:80): cannot resolve "
                                         "no-such-host.invalid: "));
}

// ---------------------------------------------------------------------------------------------
// TLS

TEST_CASE("TLS verified against tls.ca_file, by address and by name", "[net][tls]") {
  TestServer server(echo, &pki().server);
  asio::io_context io;
  const std::string host = GENERATE(as<std::string>{}, "127.0.0.1", "localhost");
  HttpClient client(io.get_executor(), tls_target(server.port(), with_ca(pki().ca_file), host));
  for (int i = 0; i < 3; ++i)
    CHECK(run_coroutine(io, client.request(get("/sdk"))).body == "GET /sdk ");
  CHECK(server.accepts() == 1);  // kept alive over TLS too
}

TEST_CASE("TLS with a certificate from another CA fails verification", "[net][tls]") {
  TestServer server(echo, &pki().server);
  asio::io_context io;
  HttpClient client(io.get_executor(), tls_target(server.port(), with_ca(pki().other_ca_file)));
  const HttpError e = request_error(io, client, get("/sdk"));
  CHECK(e.kind() == HttpError::Kind::kTls);
  CHECK_THAT(e.what(), Catch::StartsWith("vcenter vc1 (127.0.0.1:" + std::to_string(server.port()) +
                                         "): TLS certificate verification failed: unable to get "
                                         "local issuer certificate"));
  CHECK_THAT(e.what(), Catch::Contains("against tls.ca_file " + pki().other_ca_file));
  CHECK_FALSE(client.connected());
}

TEST_CASE("TLS with a self-signed certificate fails against the system CAs", "[net][tls]") {
  TestServer server(echo, &pki().self_signed);
  asio::io_context io;
  HttpClient client(io.get_executor(), tls_target(server.port(), TlsPolicy{}));
  const HttpError e = request_error(io, client, get("/sdk"));
  CHECK(e.kind() == HttpError::Kind::kTls);
  CHECK_THAT(e.what(), Catch::Contains("TLS certificate verification failed: self-signed "
                                       "certificate (subject CN=127.0.0.1); set tls.ca_file or "
                                       "tls.fingerprint_sha256"));
}

TEST_CASE("TLS with a certificate for another name fails verification", "[net][tls]") {
  SECTION("the certificate names a host, the client connects to an address") {
    TestServer server(echo, &pki().other_name);
    asio::io_context io;
    HttpClient client(io.get_executor(), tls_target(server.port(), with_ca(pki().ca_file)));
    const HttpError e = request_error(io, client, get("/sdk"));
    CHECK(e.kind() == HttpError::Kind::kTls);
    CHECK_THAT(e.what(), Catch::Contains("TLS certificate verification failed: the certificate "
                                         "is for DNS:other.example, not 127.0.0.1"));
  }
  SECTION("the certificate names an address, the client connects to a name") {
    TestServer server(echo, &pki().self_signed);
    asio::io_context io;
    TlsPolicy trust_it;  // the self-signed certificate is its own CA
    trust_it.ca_file = pki().dir.write("self.pem", pki().self_signed.cert_pem);
    HttpClient client(io.get_executor(), tls_target(server.port(), trust_it, "localhost"));
    const HttpError e = request_error(io, client, get("/sdk"));
    CHECK(e.kind() == HttpError::Kind::kTls);
    CHECK_THAT(e.what(), Catch::Contains("the certificate is for IP:127.0.0.1, not localhost"));
  }
}

TEST_CASE("TLS fingerprint pinning accepts exactly the pinned certificate", "[net][tls]") {
  TestServer server(echo, &pki().self_signed);
  asio::io_context io;
  SECTION("the right pin") {
    TlsPolicy pin;
    pin.fingerprint_sha256 = pki().self_signed.fingerprint;
    HttpClient client(io.get_executor(), tls_target(server.port(), pin, "localhost"));
    CHECK(run_coroutine(io, client.request(get("/sdk"))).status == 200);
  }
  SECTION("the right pin, with colons and in upper case") {
    TlsPolicy pin;
    for (std::size_t i = 0; i < 64; i += 2) {
      if (i > 0) pin.fingerprint_sha256 += ':';
      for (char c : pki().self_signed.fingerprint.substr(i, 2)) {
        pin.fingerprint_sha256 += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
    }
    HttpClient client(io.get_executor(), tls_target(server.port(), pin));
    CHECK(run_coroutine(io, client.request(get("/sdk"))).status == 200);
  }
  SECTION("a wrong pin") {
    TlsPolicy pin;
    pin.fingerprint_sha256 = std::string(64, 'a');
    HttpClient client(io.get_executor(), tls_target(server.port(), pin));
    const HttpError e = request_error(io, client, get("/sdk"));
    CHECK(e.kind() == HttpError::Kind::kTls);
    CHECK_THAT(e.what(), Catch::Contains("TLS certificate fingerprint mismatch: the peer presented "
                                         "SHA-256 " +
                                         pki().self_signed.fingerprint));
    CHECK_THAT(e.what(), Catch::Contains("tls.fingerprint_sha256 is " + std::string(64, 'a')));
    CHECK_FALSE(client.connected());
  }
  SECTION("a pin that is not a SHA-256") {
    TlsPolicy pin;
    pin.fingerprint_sha256 = "12:34";
    try {
      HttpClient client(io.get_executor(), tls_target(server.port(), pin));
      FAIL("expected an HttpError");
    } catch (const HttpError& e) {
      CHECK(e.kind() == HttpError::Kind::kTls);
      CHECK_THAT(e.what(), Catch::Contains("tls.fingerprint_sha256 must be 64 hex digits"));
    }
  }
}

TEST_CASE("TLS insecure accepts any certificate, with a warning", "[net][tls]") {
  TestServer server(echo, &pki().self_signed);
  LogCapture logs;
  asio::io_context io;
  TlsPolicy insecure;
  insecure.insecure = true;
  HttpClient client(io.get_executor(), tls_target(server.port(), insecure, "localhost"));
  CHECK(run_coroutine(io, client.request(get("/sdk"))).status == 200);
  CHECK(logs.contains("level=warn event=net.tls_unverified peer=\"vcenter vc1\""));
}

TEST_CASE("an unreadable tls.ca_file is a TLS error naming it", "[net][tls]") {
  TestServer server(echo, &pki().server);
  asio::io_context io;
  const std::string missing = pki().dir.file("missing.pem");
  HttpClient client(io.get_executor(), tls_target(server.port(), with_ca(missing)));
  const HttpError e = request_error(io, client, get("/sdk"));
  CHECK(e.kind() == HttpError::Kind::kTls);
  CHECK_THAT(e.what(), Catch::Contains("cannot load tls.ca_file " + missing));
}
