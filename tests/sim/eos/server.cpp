// Sockets and HTTP for the emulator: an accept loop per listening socket and a coroutine per
// connection, all on one multi-threaded io_context. Each connection runs on its own strand;
// injected latency is a timer, so a slow switch never holds a thread.
#include "tests/sim/eos/server.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "log/log.h"
#include "tests/sim/eos/server_control.h"

namespace vmfabric::eos_sim {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxBody = std::size_t{16} << 20;
constexpr std::uint32_t kMaxHeader = 8 * 1024;
constexpr auto kIdleTimeout = 60s;
constexpr auto kHandshakeTimeout = 10s;

using Handler = std::function<asio::awaitable<Reply>(const HttpRequest&)>;

std::string base64(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string random_token() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return base64(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

// The cookie value named `name` in a Cookie header ("a=1; Session=xyz").
std::string_view cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
  }
  return {};
}

// Who may use eAPI: Basic credentials (compared as whole header values, computed once) and the
// cookie sessions /login opens. Thread-safe.
class Accounts {
 public:
  explicit Accounts(const std::vector<User>& users) : users_(users) {
    for (const User& u : users) {
      basic_.emplace("Basic " + base64(u.name + ":" + u.password), Caller{u.name, u.read_only});
    }
  }

  // The caller a request authenticates as: its Basic credentials, else its Session cookie.
  std::optional<Caller> authenticate(const HttpRequest& request) const {
    const auto authorization = request.find(http::field::authorization);
    if (authorization != request.end()) {
      const auto it = basic_.find(std::string(authorization->value()));
      if (it == basic_.end()) return std::nullopt;
      return it->second;
    }
    const auto cookies = request.find(http::field::cookie);
    if (cookies == request.end()) return std::nullopt;
    const std::string_view token = cookie(cookies->value(), "Session");
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(std::string(token));
    if (token.empty() || it == sessions_.end()) return std::nullopt;
    return it->second;
  }

  // A new session token for valid credentials, else nothing.
  std::optional<std::string> login(const std::string& name, const std::string& password) {
    for (const User& u : users_) {
      if (u.name == name && u.password == password) {
        std::string token = random_token();
        std::lock_guard lock(mutex_);
        sessions_.emplace(token, Caller{u.name, u.read_only});
        return token;
      }
    }
    return std::nullopt;
  }

  void logout(const HttpRequest& request) {
    const auto cookies = request.find(http::field::cookie);
    if (cookies == request.end()) return;
    std::lock_guard lock(mutex_);
    sessions_.erase(std::string(cookie(cookies->value(), "Session")));
  }

 private:
  std::vector<User> users_;
  std::unordered_map<std::string, Caller> basic_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Caller> sessions_;  // guarded by mutex_
};

Reply unauthorized_reply() {
  Reply reply = text_reply(http::status::unauthorized,
                           "Unable to authenticate user: Bad username/password combination\n");
  reply.response.set(http::field::www_authenticate, "Basic realm=\"eAPI\"");
  return reply;
}

// What a switch's eAPI answers to one request (faults, authentication, the engine).
class EapiFrontEnd {
 public:
  EapiFrontEnd(Fabric& fabric, Accounts& accounts, SwitchSlot& slot)
      : fabric_(fabric), accounts_(accounts), slot_(slot) {}

  asio::awaitable<Reply> handle(const HttpRequest& request) {
    const std::string_view path = request.target().substr(0, request.target().find('?'));
    if (path == "/login" || path == "/logout") co_return session(request, path == "/login");
    if (path != "/command-api" && path != "/command-api/") {
      co_return text_reply(http::status::not_found, "Not Found\n");
    }
    if (request.method() != http::verb::post) {
      Reply reply = text_reply(http::status::method_not_allowed, "Method Not Allowed\n");
      reply.response.set(http::field::allow, "POST");
      co_return reply;
    }
    const FaultPlan plan = slot_.faults.take();
    if (plan.latency.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor, plan.latency);
      co_await timer.async_wait(kUseTuple);
    }
    if (plan.answer == FaultKind::kDrop) {
      Reply reply;
      reply.drop = true;
      co_return reply;
    }
    if (plan.answer == FaultKind::kHttp500) {
      co_return text_reply(http::status::internal_server_error,
                           "<html><head><title>500 Internal Server Error</title></head><body>"
                           "<h1>Internal Server Error</h1></body></html>\n",
                           "text/html");
    }
    if (plan.answer == FaultKind::kUnauthorized) co_return unauthorized_reply();
    const std::optional<Caller> caller = accounts_.authenticate(request);
    if (!caller) {
      slot_.faults.count_unauthenticated();
      log::debug("eapi.unauthenticated", {{"switch", slot_.name}});
      co_return unauthorized_reply();
    }
    co_return text_reply(http::status::ok, fabric_.run_cmds(slot_.name, request.body(), *caller),
                         "application/json");
  }

 private:
  // POST /login {"username", "password"} → Set-Cookie: Session=…; POST /logout ends it.
  Reply session(const HttpRequest& request, bool login) {
    if (request.method() != http::verb::post) {
      return text_reply(http::status::method_not_allowed, "Method Not Allowed\n");
    }
    if (!login) {
      accounts_.logout(request);
      return text_reply(http::status::ok, "{}", "application/json");
    }
    std::optional<std::string> token;
    try {
      const nlohmann::json body = nlohmann::json::parse(request.body());
      token = accounts_.login(body.at("username").get<std::string>(),
                              body.at("password").get<std::string>());
    } catch (const nlohmann::json::exception&) {
      return text_reply(http::status::bad_request, "expected {\"username\", \"password\"}\n");
    }
    if (!token) return unauthorized_reply();
    Reply reply = text_reply(http::status::ok, "{}", "application/json");
    reply.response.set(http::field::set_cookie, "Session=" + *token + "; Path=/; HttpOnly");
    return reply;
  }

  Fabric& fabric_;
  Accounts& accounts_;
  SwitchSlot& slot_;
};

// Reads requests and writes `handler`'s replies on one connection until the peer closes, the
// idle timeout passes, a reply drops the connection or a request is malformed.
template <class Stream>
asio::awaitable<void> serve_requests(Stream& stream, const Handler& handler,
                                     const std::string& endpoint) {
  beast::tcp_stream& transport = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    parser.header_limit(kMaxHeader);
    transport.expires_after(kIdleTimeout);
    const auto [read_error, read_bytes] =
        co_await http::async_read(stream, buffer, parser, kUseTuple);
    Reply reply;
    bool keep_alive = false;
    if (read_error == http::error::body_limit || read_error == http::error::header_limit) {
      reply = text_reply(read_error == http::error::body_limit
                             ? http::status::payload_too_large
                             : http::status::request_header_fields_too_large,
                         read_error.message() + "\n");
    } else if (read_error == http::error::end_of_stream ||
               read_error == http::error::partial_message) {
      break;
    } else if (read_error.category() == http::make_error_code(http::error::bad_target).category()) {
      log::debug("http.bad_request", {{"endpoint", endpoint}, {"error", read_error.message()}});
      reply = text_reply(http::status::bad_request, read_error.message() + "\n");
    } else if (read_error) {
      break;  // reset, idle timeout, TLS error: nobody to answer
    } else {
      const HttpRequest request = parser.release();
      keep_alive = request.keep_alive();
      try {
        reply = co_await handler(request);
      } catch (const std::exception& e) {
        log::error("http.handler_failed", {{"endpoint", endpoint}, {"error", e.what()}});
        reply = error_reply(http::status::internal_server_error, e.what());
      }
      if (reply.drop) break;
    }
    reply.response.keep_alive(keep_alive);
    reply.response.prepare_payload();
    transport.expires_after(kIdleTimeout);
    const auto [write_error, written] =
        co_await http::async_write(stream, reply.response, kUseTuple);
    if (write_error || !keep_alive) break;
  }
  boost::system::error_code ignored;
  transport.socket().shutdown(tcp::socket::shutdown_both, ignored);
  transport.close();
}

asio::awaitable<void> serve_plain(tcp::socket socket, Handler handler, std::string endpoint) {
  beast::tcp_stream stream(std::move(socket));
  co_await serve_requests(stream, handler, endpoint);
}

asio::awaitable<void> serve_tls(tcp::socket socket, ssl::context& tls, Handler handler,
                                std::string endpoint) {
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  const auto [error] = co_await stream.async_handshake(ssl::stream_base::server, kUseTuple);
  if (error) {
    log::debug("tls.handshake_failed", {{"endpoint", endpoint}, {"error", error.message()}});
    co_return;
  }
  co_await serve_requests(stream, handler, endpoint);
}

// Accepts connections forever, each on its own strand, served by `handler`. `tls` null: plain.
// `counters` (null for the control endpoint) counts the connections.
asio::awaitable<void> accept_loop(tcp::acceptor acceptor, ssl::context* tls, Handler handler,
                                  SwitchFaults* counters, std::string endpoint) {
  auto& io = static_cast<asio::io_context&>(acceptor.get_executor().context());
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(asio::make_strand(io), kUseTuple);
    if (error == asio::error::operation_aborted) co_return;
    if (error) {
      // Out of descriptors or the like: say so, and keep serving the connections we have.
      log::warn("accept.failed", {{"endpoint", endpoint}, {"error", error.message()}});
      asio::steady_timer pause(acceptor.get_executor(), 100ms);
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    if (counters != nullptr) counters->count_connection();
    socket.set_option(tcp::no_delay(true), error);
    const auto executor = socket.get_executor();
    if (tls != nullptr) {
      asio::co_spawn(executor, serve_tls(std::move(socket), *tls, handler, endpoint),
                     asio::detached);
    } else {
      asio::co_spawn(executor, serve_plain(std::move(socket), handler, endpoint), asio::detached);
    }
  }
}

tcp::acceptor open_listener(asio::io_context& io, const asio::ip::address& address,
                            std::uint16_t port, const std::string& what) {
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(address, port);
  boost::system::error_code error;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    throw std::runtime_error(what + ": cannot listen on " + address.to_string() + ":" +
                             std::to_string(port) + ": " + error.message());
  }
  return acceptor;
}

std::unique_ptr<ssl::context> make_tls_context(const ServerOptions& options) {
  auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code error;
  tls->use_certificate_chain_file(options.tls_cert, error);
  if (error) throw std::runtime_error("--tls-cert " + options.tls_cert + ": " + error.message());
  tls->use_private_key_file(options.tls_key, ssl::context::pem, error);
  if (error) throw std::runtime_error("--tls-key " + options.tls_key + ": " + error.message());
  return tls;
}

}  // namespace

void serve(const ServerOptions& options, Fabric& fabric) {
  boost::system::error_code error;
  const auto address = asio::ip::make_address(options.listen, error);
  if (error) throw std::runtime_error("--listen: not an IP address: " + options.listen);
  const std::unique_ptr<ssl::context> tls =
      options.tls_cert.empty() ? nullptr : make_tls_context(options);
  SwitchTable switches(fabric.switch_names(), options.latency);
  Accounts accounts(options.users);
  std::vector<std::unique_ptr<EapiFrontEnd>> front_ends;
  ControlApi control(fabric, switches);
  // Declared after everything its pending coroutines refer to, so it is destroyed first.
  asio::io_context io(options.threads);

  nlohmann::ordered_json ready = {
      {"control", 0}, {"switches", nlohmann::ordered_json::object()}, {"tls", tls != nullptr}};
  std::uint16_t next_port = options.base_port;
  for (const auto& slot : switches.all()) {
    tcp::acceptor acceptor = open_listener(io, address, next_port, "switch " + slot->name);
    if (options.base_port != 0) ++next_port;
    slot->port = acceptor.local_endpoint().port();
    ready["switches"][slot->name] = slot->port;
    EapiFrontEnd& front_end =
        *front_ends.emplace_back(std::make_unique<EapiFrontEnd>(fabric, accounts, *slot));
    asio::co_spawn(io,
                   accept_loop(
                       std::move(acceptor), tls.get(),
                       [&front_end](const HttpRequest& r) { return front_end.handle(r); },
                       &slot->faults, "switch " + slot->name),
                   asio::detached);
  }
  tcp::acceptor control_acceptor =
      open_listener(io, asio::ip::address_v4::loopback(), options.control_port, "control");
  ready["control"] = control_acceptor.local_endpoint().port();
  asio::co_spawn(io,
                 accept_loop(
                     std::move(control_acceptor), nullptr,
                     [&control](const HttpRequest& r) -> asio::awaitable<Reply> {
                       co_return control.handle(r);
                     },
                     nullptr, "control"),
                 asio::detached);

  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&io](const boost::system::error_code& e, int signo) {
    if (e) return;
    log::info("server.stopping", {{"signal", signo == SIGTERM ? "SIGTERM" : "SIGINT"}});
    io.stop();  // listeners and connections close as the io_context goes away
  });

  log::info("server.ready", {{"switches", switches.all().size()},
                             {"control_port", ready["control"].get<int>()},
                             {"tls", tls != nullptr},
                             {"users", options.users.size()},
                             {"threads", options.threads}});
  std::cout << ready.dump() << std::endl;

  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& t : threads) t.join();
}

}  // namespace vmfabric::eos_sim
