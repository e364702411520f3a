#include "northbound/http/server.h"

#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "log/log.h"
#include "northbound/http/beast_request.h"

namespace vmfabric::northbound::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::redirect_error;
using asio::use_awaitable;
using boost::system::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// How long a connection is kept open after an error response to let the peer read it.
constexpr std::chrono::milliseconds kLinger{1000};
constexpr std::size_t kLingerBytes = 64 * 1024;

std::string remote_of(const tcp::socket& socket) {
  error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

bhttp::response<bhttp::string_body> to_beast(Response r, bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(r.status), 11};
  for (auto& [name, value] : r.headers) out.set(name, value);
  out.body() = std::move(r.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// Shared between a connection's coroutine and stop(); strand-confined except `idle`.
struct Conn {
  asio::any_io_executor strand;
  std::atomic<bool> idle{true};  // waiting for the next request (read by the acceptor)
  bool closing = false;          // strand-confined: close after the request in progress
  bool streaming = false;        // strand-confined: sending a streamed response
  std::function<void()> cancel;  // strand-confined: cancels the pending operation
  std::function<void()> close;   // strand-confined: closes the socket
  bool ended = false;            // strand-confined
};

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}

  ServerOptions options;
  Handler handler;
  asio::io_context io;
  std::optional<ssl::context> tls;
  asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(io)};
  tcp::acceptor acceptor{accept_strand};
  std::atomic<std::uint16_t> port{0};
  std::vector<std::thread> threads;

  mutable std::mutex mutex;
  std::condition_variable idle_cv;
  std::map<std::uint64_t, std::shared_ptr<Conn>> conns;  // guarded by mutex
  std::uint64_t next_id = 0;                             // guarded by mutex
  std::size_t lingering = 0;  // guarded by mutex: refused connections being closed
  bool accepting = false;     // guarded by mutex
  bool stopping = false;      // guarded by mutex
  // Set by stop(): a connection finishing a request answers it with Connection: close.
  std::atomic<bool> draining{false};
  bool full_logged = false;  // accept strand

  void load_tls() {
    if (options.tls_cert_file.empty() && options.tls_key_file.empty()) return;
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      throw ServerError(ServerError::Kind::kConfig,
                        "api.tls: both cert_file and key_file are needed to serve HTTPS");
    }
    tls.emplace(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    error_code ec;
    tls->use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) {
      throw ServerError(ServerError::Kind::kConfig, "api.tls.cert_file " + options.tls_cert_file +
                                                        ": cannot load the certificate chain (" +
                                                        ec.message() +
                                                        "); give a PEM file readable by vmfabricd");
    }
    tls->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      throw ServerError(ServerError::Kind::kConfig,
                        "api.tls.key_file " + options.tls_key_file +
                            ": cannot load the private key (" + ec.message() +
                            "); give the unencrypted PEM key of cert_file, readable by vmfabricd");
    }
  }

  void bind() {
    const std::string where = options.host + ":" + std::to_string(options.port);
    error_code ec;
    tcp::resolver resolver(io);
    const auto results =
        resolver.resolve(options.host, std::to_string(options.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      throw ServerError(ServerError::Kind::kListen, "api.listen " + where + ": cannot resolve " +
                                                        options.host + " (" + ec.message() + ")");
    }
    const tcp::endpoint endpoint = results.begin()->endpoint();
    if (!tls && !endpoint.address().is_loopback() && !options.allow_insecure_http) {
      throw ServerError(ServerError::Kind::kConfig,
                        "api.listen " + where + ": plain HTTP on the non-loopback address " +
                            endpoint.address().to_string() +
                            " would expose API tokens; set api.tls (cert_file, key_file), or "
                            "allow_insecure_http: true");
    }
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      acceptor.close();
      throw ServerError(ServerError::Kind::kListen,
                        "api.listen " + where + ": cannot listen (" + ec.message() +
                            "); choose a free port or stop what uses it");
    }
    port = acceptor.local_endpoint().port();
  }

  // ---- accepting ----

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    asio::steady_timer backoff(accept_strand);
    for (;;) {
      error_code ec;
      asio::any_io_executor strand = asio::make_strand(io);
      tcp::socket socket =
          co_await acceptor.async_accept(strand, redirect_error(use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open() || ec == asio::error::operation_aborted) break;
        // Out of file descriptors and the like: say so and let connections drain.
        log::warn("api.accept_failed", {{"error", ec.message()}});
        backoff.expires_after(std::chrono::milliseconds(100));
        co_await backoff.async_wait(redirect_error(use_awaitable, ec));
        continue;
      }
      admit(std::move(socket));
    }
    std::lock_guard lock(mutex);
    accepting = false;
    idle_cv.notify_all();
  }

  // Serves the new connection; at the cap, makes room by closing an idle kept-alive connection,
  // or refuses with 503 when every connection is busy.
  void admit(tcp::socket socket) {
    auto conn = std::make_shared<Conn>();
    conn->strand = socket.get_executor();
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex);
      if (stopping) return;
      if (conns.size() >= options.max_connections) {
        std::shared_ptr<Conn> victim;
        for (const auto& [cid, c] : conns) {
          if (c->idle) {
            victim = c;
            break;
          }
        }
        if (!victim) {
          ++lingering;
          if (!full_logged) {
            log::warn("api.connections_full", {{"max_connections", options.max_connections},
                                               {"remote", remote_of(socket)}});
            full_logged = true;
          }
          asio::co_spawn(socket.get_executor(), refuse(shared_from_this(), std::move(socket)),
                         asio::detached);
          return;
        }
        asio::post(victim->strand, [victim] {
          if (!victim->ended && victim->idle && victim->cancel) victim->cancel();
        });
      }
      full_logged = false;
      id = next_id++;
      conns.emplace(id, conn);
    }
    auto self = shared_from_this();
    if (tls) {
      asio::co_spawn(
          socket.get_executor(),
          [self, conn, id, s = std::move(socket)]() mutable -> asio::awaitable<void> {
            TlsStream stream(beast::tcp_stream(std::move(s)), *self->tls);
            co_await self->serve(conn, stream);
            self->ended(id);
          },
          asio::detached);
    } else {
      asio::co_spawn(
          socket.get_executor(),
          [self, conn, id, s = std::move(socket)]() mutable -> asio::awaitable<void> {
            beast::tcp_stream stream(std::move(s));
            co_await self->serve(conn, stream);
            self->ended(id);
          },
          asio::detached);
    }
  }

  static asio::awaitable<void> refuse(std::shared_ptr<Impl> self, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    if (!self->tls) {
      const Response r =
          problem(503, "too-many-connections",
                  "the API serves at most " + std::to_string(self->options.max_connections) +
                      " connections at once, all busy; retry shortly",
                  "");
      auto res = to_beast(r, false);
      res.set(bhttp::field::retry_after, "1");
      error_code ec;
      stream.expires_after(kLinger);
      co_await bhttp::async_write(stream, res, redirect_error(use_awaitable, ec));
      co_await linger(stream);
    }
    error_code ignored;
    stream.socket().close(ignored);
    std::lock_guard lock(self->mutex);
    --self->lingering;
    self->idle_cv.notify_all();
  }

  void ended(std::uint64_t id) {
    std::lock_guard lock(mutex);
    conns.erase(id);
    idle_cv.notify_all();
  }

  // ---- one connection ----

  // Half-closes, then reads and discards what the peer still sends (for a bounded time), so
  // that it reads our last response before the connection closes.
  static asio::awaitable<void> linger(beast::tcp_stream& stream) {
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    stream.expires_after(kLinger);
    std::vector<char> sink(4096);
    std::size_t total = 0;
    while (total < kLingerBytes) {
      const std::size_t n =
          co_await stream.async_read_some(asio::buffer(sink), redirect_error(use_awaitable, ec));
      if (ec) break;
      total += n;
    }
  }

  static asio::awaitable<void> close_stream(beast::tcp_stream& stream, bool linger_first) {
    if (linger_first) co_await linger(stream);
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
  }

  static asio::awaitable<void> close_stream(TlsStream& stream, bool) {
    error_code ec;
    beast::get_lowest_layer(stream).expires_after(kLinger);
    co_await stream.async_shutdown(redirect_error(use_awaitable, ec));
    beast::get_lowest_layer(stream).socket().close(ec);
  }

  static asio::awaitable<error_code> handshake(beast::tcp_stream&) { co_return error_code(); }
  static asio::awaitable<error_code> handshake(TlsStream& stream) {
    error_code ec;
    co_await stream.async_handshake(ssl::stream_base::server, redirect_error(use_awaitable, ec));
    co_return ec;
  }

  template <class Stream>
  asio::awaitable<void> serve(std::shared_ptr<Conn> conn, Stream& stream) {
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
    const std::string remote = remote_of(tcp_layer.socket());
    conn->cancel = [&tcp_layer] { tcp_layer.cancel(); };
    conn->close = [&tcp_layer] {
      error_code ec;
      tcp_layer.socket().close(ec);
    };
    bool linger_at_close = false;
    try {
      // A new connection must present its first request (and TLS handshake) within the
      // request timeout: a connection that says nothing does not hold a slot for long.
      conn->idle = false;
      tcp_layer.expires_after(options.request_timeout);
      if (const error_code ec = co_await handshake(stream)) {
        log::debug("api.tls_handshake_failed", {{"remote", remote}, {"error", ec.message()}});
        conn->ended = true;
        co_return;
      }
      beast::flat_buffer buffer;
      bool first = true;
      for (;;) {
        error_code ec;
        if (buffer.size() == 0) {
          conn->idle = !first;
          if (conn->closing || draining) break;
          if (!first) tcp_layer.expires_after(options.idle_timeout);
          const std::size_t n = co_await stream.async_read_some(buffer.prepare(4096),
                                                                redirect_error(use_awaitable, ec));
          if (ec) break;  // closed, idle timeout, or cancelled at stop
          buffer.commit(n);
        }
        conn->idle = false;
        first = false;

        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
        parser.body_limit(options.body_limit);
        tcp_layer.expires_after(options.request_timeout);
        co_await bhttp::async_read(stream, buffer, parser, redirect_error(use_awaitable, ec));

        Response response;
        bool keep_alive = false;
        const std::string target(parser.get().target());
        if (ec == bhttp::error::header_limit) {
          response = problem(
              431, "header-too-large",
              "the request header is over " + std::to_string(options.header_limit) + " bytes",
              target);
        } else if (ec == bhttp::error::body_limit) {
          response = problem(
              413, "body-too-large",
              "the request body is over " + std::to_string(options.body_limit) + " bytes", target);
        } else if (ec == beast::error::timeout) {
          log::info("api.request_timeout", {{"remote", remote}});
          break;  // the socket is closed already
        } else if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                   ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
                   ec == asio::ssl::error::stream_truncated) {
          break;
        } else if (ec) {
          response = problem(400, "malformed-request",
                             "the request is not valid HTTP/1.1 (" + ec.message() + ")", target);
        } else {
          keep_alive = parser.get().keep_alive();
          Request request = from_beast(parser.release(), remote);
          try {
            response = handler(request);
          } catch (const std::exception& e) {
            log::error("api.handler_failed",
                       {{"method", request.method},
                        {"path", request.target.substr(0, request.target.find('?'))},
                        {"error", e.what()}});
            response = problem(500, "internal-error",
                               "the server failed to answer (logged as api.handler_failed)",
                               request.target);
          }
        }
        if (response.stream) {
          co_await send_stream(*conn, stream, std::move(response));
          break;
        }
        if (conn->closing || draining) keep_alive = false;
        auto out = to_beast(std::move(response), keep_alive);
        tcp_layer.expires_after(options.request_timeout);
        co_await bhttp::async_write(stream, out, redirect_error(use_awaitable, ec));
        if (ec) break;
        if (!keep_alive) {
          linger_at_close = out.result_int() >= 400;
          tcp_layer.expires_never();
          co_await close_stream(stream, linger_at_close);
          break;
        }
      }
    } catch (const std::exception& e) {
      log::error("api.connection_failed", {{"remote", remote}, {"error", e.what()}});
    }
    conn->ended = true;
    conn->cancel = nullptr;
    conn->close = nullptr;
  }

  // ---- streamed responses ----

  // A streamed response's wake-up: the stream's `wake` (any thread) posts to the connection's
  // strand, which cancels the wait of the writing loop; `notified` keeps a wake that came while
  // the loop was writing. Strand-confined.
  struct StreamWaker {
    explicit StreamWaker(const asio::any_io_executor& strand) : timer(strand) {}
    asio::steady_timer timer;
    bool notified = false;
    bool client_gone = false;  // the watching read failed: closed, reset, or cut
    bool watching = false;     // that read is in progress
  };

  // Sends the header (no Content-Length: the body ends when the connection closes), then the
  // stream's chunks as they come, then closes. Meanwhile a read on the socket notices a client
  // that goes away.
  template <class Stream>
  asio::awaitable<void> send_stream(Conn& conn, Stream& stream, Response response) {
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
    std::shared_ptr<BodyStream> body = std::move(response.stream);
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(response.status), 11};
    for (auto& [name, value] : response.headers) head.set(name, value);
    head.keep_alive(false);
    bhttp::response_serializer<bhttp::empty_body> serializer{head};
    conn.streaming = true;
    error_code ec;
    tcp_layer.expires_after(options.request_timeout);
    co_await bhttp::async_write_header(stream, serializer, redirect_error(use_awaitable, ec));
    tcp_layer.expires_never();
    if (ec) co_return;

    auto waker = std::make_shared<StreamWaker>(conn.strand);
    conn.cancel = [waker, &tcp_layer] {
      waker->timer.cancel();
      tcp_layer.cancel();
    };
    // Holds nothing of the io_context (the stream may keep `wake` after the server is gone).
    body->start([weak = std::weak_ptr<StreamWaker>(waker)] {
      const auto alive = weak.lock();
      if (!alive) return;
      asio::post(alive->timer.get_executor(), [weak] {
        if (auto w = weak.lock()) {
          w->notified = true;
          w->timer.cancel();
        }
      });
    });
    waker->watching = true;
    asio::co_spawn(
        conn.strand,
        [waker, &stream]() -> asio::awaitable<void> {
          std::array<char, 1024> sink;
          error_code read_ec;
          while (!read_ec) {
            co_await stream.async_read_some(asio::buffer(sink),
                                            redirect_error(use_awaitable, read_ec));
          }
          waker->client_gone = true;
          waker->watching = false;
          waker->timer.cancel();
        },
        asio::detached);

    bool last = false;
    while (!last && !waker->client_gone && !conn.closing && !draining) {
      waker->notified = false;
      BodyStream::Chunk chunk = body->next();
      last = chunk.last;
      if (chunk.data.empty() && !last) {
        if (waker->notified) continue;
        waker->timer.expires_after(options.stream_heartbeat);
        co_await waker->timer.async_wait(redirect_error(use_awaitable, ec));
        if (ec) continue;  // woken: something to take, or the end
        chunk.data = body->heartbeat();
      }
      tcp_layer.expires_after(options.request_timeout);
      co_await asio::async_write(stream, asio::buffer(chunk.data),
                                 redirect_error(use_awaitable, ec));
      tcp_layer.expires_never();
      if (ec) break;  // gone, or too slow to take a chunk within the request timeout
    }
    body.reset();  // unsubscribes now, not when the connection's slot is freed
    // Closing the socket ends the watching read; the stream must outlive it.
    tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_layer.socket().close(ec);
    while (waker->watching) {
      waker->timer.expires_at(asio::steady_timer::time_point::max());
      co_await waker->timer.async_wait(redirect_error(use_awaitable, ec));
    }
  }

  // ---- stopping ----

  void stop() {
    {
      std::lock_guard lock(mutex);
      if (stopping || threads.empty()) return;
      stopping = true;
    }
    draining = true;
    auto self = shared_from_this();
    asio::post(accept_strand, [self] {
      error_code ec;
      self->acceptor.close(ec);
    });
    for_each_conn([](Conn& c) {
      c.closing = true;
      if ((c.idle || c.streaming) && c.cancel) c.cancel();
    });
    std::unique_lock lock(mutex);
    const bool drained = idle_cv.wait_for(lock, options.shutdown_grace, [&] { return done(); });
    if (!drained) {
      log::warn("api.shutdown_cut", {{"connections", conns.size()}});
      lock.unlock();
      for_each_conn([](Conn& c) {
        if (c.close) c.close();
      });
      lock.lock();
      if (!idle_cv.wait_for(lock, std::chrono::seconds(5), [&] { return done(); })) {
        log::error("api.shutdown_stuck", {{"connections", conns.size()}});
        io.stop();
      }
    }
    lock.unlock();
    for (auto& t : threads) t.join();
    threads.clear();
  }

  bool done() const { return !accepting && conns.empty() && lingering == 0; }

  void for_each_conn(const std::function<void(Conn&)>& f) {
    std::vector<std::shared_ptr<Conn>> all;
    {
      std::lock_guard lock(mutex);
      for (const auto& [id, c] : conns) all.push_back(c);
    }
    for (const auto& c : all) {
      asio::post(c->strand, [c, f] {
        if (!c->ended) f(*c);
      });
    }
  }
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { stop(); }

void Server::start() {
  Impl& s = *impl_;
  if (!s.threads.empty()) return;
  s.load_tls();
  s.bind();
  {
    std::lock_guard lock(s.mutex);
    s.accepting = true;
  }
  asio::co_spawn(
      s.accept_strand, [self = impl_]() { return self->accept_loop(); }, asio::detached);
  const int n = std::max(1, s.options.threads);
  for (int i = 0; i < n; ++i) s.threads.emplace_back([&s] { s.io.run(); });
  log::info("api.listening", {{"address", s.options.host + ":" + std::to_string(s.port.load())},
                              {"tls", s.tls.has_value()},
                              {"max_connections", s.options.max_connections}});
}

std::uint16_t Server::port() const { return impl_->port; }
bool Server::tls() const { return impl_->tls.has_value(); }
void Server::stop() { impl_->stop(); }

std::size_t Server::connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->conns.size();
}

}  // namespace vmfabric::northbound::http
