#include "net/http_client.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <stdexcept>
#include <vector>

#include "log/log.h"

namespace vmfabric::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Kind = HttpError::Kind;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::size_t kReadChunk = 64 * 1024;  // Beast's largest read

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// An IPv6 literal in brackets, as in URLs and Host headers.
std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

// "AB:cd:…" → "abcd…"; empty when it is not 64 hex digits.
std::string normalize_fingerprint(std::string_view pin) {
  std::string out;
  for (char c : pin) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    out += lower(c);
  }
  return out.size() == 64 ? out : std::string();
}

std::string sha256_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return "(unknown)";
  return hex(md, len);
}

// "subject CN=leaf1,O=Arista".
std::string subject_of(X509* cert) {
  if (cert == nullptr) return "no certificate";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
    return "subject unknown";
  }
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data
  return "subject " + std::string(data, static_cast<std::size_t>(len));
}

// The names a certificate is valid for: its subjectAltName entries, else its subject.
std::string names_of(X509* cert) {
  std::string out;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    std::string entry;
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      entry = "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                   static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_STRING* s = name->d.iPAddress;
      const auto* bytes = ASN1_STRING_get0_data(s);
      if (ASN1_STRING_length(s) == 4) {
        asio::ip::address_v4::bytes_type b;
        std::copy(bytes, bytes + 4, b.begin());
        entry = "IP:" + asio::ip::address_v4(b).to_string();
      } else if (ASN1_STRING_length(s) == 16) {
        asio::ip::address_v6::bytes_type b;
        std::copy(bytes, bytes + 16, b.begin());
        entry = "IP:" + asio::ip::address_v6(b).to_string();
      }
    }
    if (entry.empty()) continue;
    out += out.empty() ? "" : ", ";
    out += entry;
  }
  GENERAL_NAMES_free(sans);
  return out.empty() ? subject_of(cert) : out;
}

bool is_http_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

// The peer closed or reset the connection.
bool peer_closed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

// The socket was closed under the operation, here (close() or the client's destruction).
bool closed_locally(const error_code& ec) {
  return ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor;
}

Request build_request(const HttpRequest& in, const std::string& authority) {
  auto has_crlf = [](std::string_view s) { return s.find_first_of("\r\n") != s.npos; };
  if (in.method.empty() || in.method.find_first_of(" \r\n") != std::string::npos ||
      in.target.empty() || in.target.find_first_of(" \r\n") != std::string::npos) {
    throw std::invalid_argument("HttpRequest: method and target must be non-empty, without spaces");
  }
  Request req;
  const http::verb verb = http::string_to_verb(in.method);
  if (verb == http::verb::unknown) {
    req.method_string(in.method);
  } else {
    req.method(verb);
  }
  req.target(in.target);
  req.version(11);
  for (const auto& [name, value] : in.headers) {
    if (name.empty() || has_crlf(name) || has_crlf(value)) {
      throw std::invalid_argument("HttpRequest: header '" + (has_crlf(name) ? "?" : name) +
                                  "': empty name or CR/LF in it");
    }
    req.insert(name, value);
  }
  if (req.find(http::field::host) == req.end()) req.set(http::field::host, authority);
  if (req.find(http::field::user_agent) == req.end()) req.set(http::field::user_agent, "vmfabric");
  req.body() = in.body;
  req.prepare_payload();
  return req;
}

HttpResponse to_response(Response&& res) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(res.body());
  return out;
}

// What one write-then-read on an open connection gave.
struct Exchange {
  error_code ec;
  bool got_some = false;  // some of the response was read
  Response response;
  bool keep_alive = false;
};

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

const char* to_string(HttpError::Kind kind) {
  switch (kind) {
    case Kind::kResolve:
      return "resolve";
    case Kind::kConnect:
      return "connect";
    case Kind::kTls:
      return "tls";
    case Kind::kTimeout:
      return "timeout";
    case Kind::kClosed:
      return "closed";
    case Kind::kProtocol:
      return "protocol";
    case Kind::kTooLarge:
      return "too-large";
  }
  return "unknown";
}

struct HttpClient::Impl {
  Impl(asio::any_io_executor ex, HttpTarget t, HttpLimits l);

  HttpError error(Kind kind, const std::string& what) const {
    return HttpError(kind, where + ": " + what);
  }
  beast::tcp_stream* lowest() {
    if (plain) return &*plain;
    if (tls) return &beast::get_lowest_layer(*tls);
    return nullptr;
  }
  bool is_open() {
    beast::tcp_stream* s = lowest();
    return s != nullptr && s->socket().is_open();
  }
  // Closes the socket; pending operations complete with operation_aborted. Safe at any time.
  void close_socket() {
    if (beast::tcp_stream* s = lowest()) {
      error_code ignored;
      s->socket().shutdown(tcp::socket::shutdown_both, ignored);
      s->socket().close(ignored);
    }
  }
  // Drops the connection's objects. Only when no operation is pending on them.
  void reset() {
    close_socket();
    plain.reset();
    tls.reset();
    buffer.clear();
  }
  // An idle kept-alive connection is reusable when the peer has neither closed it nor sent
  // anything since the last response (poll, no wait).
  bool idle_connection_usable() {
    if (!is_open() || buffer.size() > 0) return false;
    pollfd p{lowest()->socket().native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  ssl::context& context();
  bool verify_certificate(bool preverified, ssl::verify_context& vc,
                          const ssl::host_name_verification& names);
  asio::awaitable<void> connect();
  template <class Stream>
  asio::awaitable<Exchange> exchange(Stream& stream, const Request& req, bool head);
  asio::awaitable<HttpResponse> request(const HttpRequest& in);
  HttpError exchange_error(const error_code& ec, const std::string& what) const;

  asio::any_io_executor executor;
  HttpTarget target;
  HttpLimits limits;
  std::string address;    // host:port
  std::string where;      // "switch leaf1 (10.0.0.11:443)", the prefix of every message
  std::string authority;  // the Host header
  std::string pin;        // normalized tls.fingerprint_sha256
  std::optional<ssl::context> ssl_ctx;  // made at the first TLS connect
  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> tls;
  beast::flat_buffer buffer;
  std::string verify_failure;      // why the last handshake's certificate check failed
  bool busy = false;               // a request is in flight
  bool closed_while_busy = false;  // close() or ~HttpClient during that request
};

HttpClient::Impl::Impl(asio::any_io_executor ex, HttpTarget t, HttpLimits l)
    : executor(std::move(ex)), target(std::move(t)), limits(l) {
  address = bracketed(target.host) + ":" + std::to_string(target.port);
  where = target.peer + " (" + address + ")";
  const bool default_port = target.port == (target.tls.enabled ? 443 : 80);
  authority = default_port ? bracketed(target.host) : address;
  if (target.tls.enabled && !target.tls.insecure && !target.tls.fingerprint_sha256.empty()) {
    pin = normalize_fingerprint(target.tls.fingerprint_sha256);
    if (pin.empty()) {
      throw error(Kind::kTls, "tls.fingerprint_sha256 must be 64 hex digits (SHA-256), got " +
                                  std::to_string(target.tls.fingerprint_sha256.size()) +
                                  " characters");
    }
  }
}

ssl::context& HttpClient::Impl::context() {
  if (ssl_ctx) return *ssl_ctx;
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (target.tls.insecure || !pin.empty()) {
    // No chain to verify against: the pin (checked after the handshake) or nothing.
  } else if (!target.tls.ca_file.empty()) {
    ctx.load_verify_file(target.tls.ca_file, ec);
    if (ec) {
      throw error(Kind::kTls, "cannot load tls.ca_file " + target.tls.ca_file + ": " +
                                  ec.message() + "; it must be a readable PEM CA bundle");
    }
  } else {
    ctx.set_default_verify_paths(ec);
    if (ec) throw error(Kind::kTls, "cannot load the system CA certificates: " + ec.message());
  }
  ssl_ctx.emplace(std::move(ctx));
  return *ssl_ctx;
}

bool HttpClient::Impl::verify_certificate(bool preverified, ssl::verify_context& vc,
                                          const ssl::host_name_verification& names) {
  X509_STORE_CTX* store = vc.native_handle();
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (!preverified) {
    if (verify_failure.empty()) {
      verify_failure = std::string(X509_verify_cert_error_string(X509_STORE_CTX_get_error(store))) +
                       " (" + subject_of(cert) + ")";
      verify_failure +=
          target.tls.ca_file.empty()
              ? "; set tls.ca_file or tls.fingerprint_sha256"
              : " against tls.ca_file " + target.tls.ca_file +
                    "; check that it holds the CA that issued the peer's certificate, or set "
                    "tls.fingerprint_sha256";
    }
    return false;
  }
  if (!names(preverified, vc)) {
    verify_failure = "the certificate is for " + names_of(cert) + ", not " + target.host +
                     "; connect by a name it holds, or set tls.fingerprint_sha256";
    return false;
  }
  return true;
}

// Opens `plain` or `tls`, in place so that close() can abort it. On failure the caller resets.
asio::awaitable<void> HttpClient::Impl::connect() {
  using asio::redirect_error;
  using asio::use_awaitable;
  reset();
  const auto deadline = Clock::now() + limits.connect_timeout;
  const auto closed_here = [&] {
    return error(Kind::kClosed, "the connection was closed locally while connecting");
  };
  error_code ec;

  std::vector<tcp::endpoint> endpoints;
  const asio::ip::address literal = asio::ip::make_address(target.host, ec);
  if (!ec) {
    endpoints.emplace_back(literal, target.port);
  } else {
    tcp::resolver resolver(executor);
    auto results = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                   redirect_error(use_awaitable, ec));
    if (closed_while_busy) throw closed_here();
    if (ec) throw error(Kind::kResolve, "cannot resolve " + target.host + ": " + ec.message());
    if (Clock::now() >= deadline) {
      throw error(Kind::kTimeout, "resolving " + target.host + " took over " +
                                      ms(limits.connect_timeout) + " (connect_timeout)");
    }
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }

  if (target.tls.enabled) {
    tls.emplace(executor, context());
  } else {
    plain.emplace(executor);
  }
  beast::tcp_stream& stream = *lowest();
  stream.expires_at(deadline);
  co_await stream.async_connect(endpoints, redirect_error(use_awaitable, ec));
  if (closed_while_busy) throw closed_here();
  if (ec == beast::error::timeout) {
    throw error(Kind::kTimeout,
                "cannot connect within " + ms(limits.connect_timeout) + " (connect_timeout)");
  }
  if (ec) throw error(Kind::kConnect, "cannot connect: " + ec.message());
  stream.socket().set_option(tcp::no_delay(true), ec);

  if (!tls) {
    stream.expires_never();
    log::debug("net.connected", {{"peer", target.peer}, {"address", address}, {"tls", false}});
    co_return;
  }

  // SSL_set_tlsext_host_name, without the macro's C cast.
  if (!is_ip_literal(target.host) &&
      SSL_ctrl(tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(target.host.c_str())) != 1) {
    throw error(Kind::kTls, "cannot set the TLS server name (SNI) to " + target.host);
  }
  if (target.tls.insecure || !pin.empty()) {
    tls->set_verify_mode(ssl::verify_none);
  } else {
    tls->set_verify_mode(ssl::verify_peer);
    tls->set_verify_callback([this, names = ssl::host_name_verification(target.host)](
                                 bool preverified, ssl::verify_context& vc) {
      return verify_certificate(preverified, vc, names);
    });
  }
  verify_failure.clear();
  co_await tls->async_handshake(ssl::stream_base::client, redirect_error(use_awaitable, ec));
  if (closed_while_busy) throw closed_here();
  if (ec == beast::error::timeout) {
    throw error(Kind::kTimeout, "TLS handshake did not complete within " +
                                    ms(limits.connect_timeout) + " (connect_timeout)");
  }
  if (ec && !verify_failure.empty()) {
    throw error(Kind::kTls, "TLS certificate verification failed: " + verify_failure);
  }
  if (ec) throw error(Kind::kTls, "TLS handshake failed: " + ec.message());
  if (!pin.empty()) {
    X509* cert = SSL_get0_peer_certificate(tls->native_handle());
    if (cert == nullptr) throw error(Kind::kTls, "the peer presented no TLS certificate");
    const std::string presented = sha256_fingerprint(cert);
    if (presented != pin) {
      throw error(Kind::kTls, "TLS certificate fingerprint mismatch: the peer presented SHA-256 " +
                                  presented + " (" + subject_of(cert) +
                                  "), tls.fingerprint_sha256 is " + pin +
                                  "; if the certificate was replaced on purpose, update the pin");
    }
  }
  if (target.tls.insecure) {
    log::warn("net.tls_unverified", {{"peer", target.peer}, {"address", address}});
  }
  stream.expires_never();
  log::debug("net.connected", {{"peer", target.peer},
                               {"address", address},
                               {"tls", true},
                               {"version", SSL_get_version(tls->native_handle())}});
}

template <class Stream>
asio::awaitable<Exchange> HttpClient::Impl::exchange(Stream& stream, const Request& req,
                                                     bool head) {
  using asio::redirect_error;
  using asio::use_awaitable;
  Exchange out;
  beast::get_lowest_layer(stream).expires_after(limits.request_timeout);
  co_await http::async_write(stream, req, redirect_error(use_awaitable, out.ec));
  if (out.ec) co_return out;
  http::response_parser<http::string_body> parser;
  parser.body_limit(static_cast<std::uint64_t>(limits.max_body));
  if (head) parser.skip(true);
  co_await http::async_read_header(stream, buffer, parser, redirect_error(use_awaitable, out.ec));
  if (!out.ec && !parser.is_done()) {
    // Beast reads at most the buffer's free capacity per call (512 bytes when it has none): a
    // large body (a vCenter's full sync, tens of MB) would take one socket read, one timer
    // update and one handler dispatch per 512 bytes. Read in chunks of up to 64 KB, reserved
    // once the header has come, not while the request waits: every switch's client may wait
    // at once.
    const std::uint64_t expected = parser.content_length().value_or(kReadChunk);
    buffer.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(expected, kReadChunk)));
    co_await http::async_read(stream, buffer, parser, redirect_error(use_awaitable, out.ec));
  }
  buffer.shrink_to_fit();  // an idle connection keeps little
  out.got_some = parser.got_some() || buffer.size() > 0;
  if (out.ec) co_return out;
  beast::get_lowest_layer(stream).expires_never();
  out.response = parser.release();
  out.keep_alive = !out.response.need_eof();
  co_return out;
}

HttpError HttpClient::Impl::exchange_error(const error_code& ec, const std::string& what) const {
  if (ec == beast::error::timeout) {
    return error(Kind::kTimeout, "no response to " + what + " within " +
                                     ms(limits.request_timeout) + " (request_timeout)");
  }
  if (ec == http::error::body_limit) {
    return error(Kind::kTooLarge, "the response to " + what + " has a body over " +
                                      std::to_string(limits.max_body) + " bytes (max_body)");
  }
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return error(Kind::kTooLarge, "the response to " + what + " has a header over 8 KiB");
  }
  if (ec == http::error::end_of_stream) {
    return error(Kind::kClosed, "the peer closed the connection without responding to " + what);
  }
  if (ec == http::error::partial_message) {
    return error(Kind::kClosed,
                 "the peer closed the connection in the middle of the response to " + what);
  }
  if (closed_locally(ec)) {
    return error(Kind::kClosed, "the connection was closed locally during " + what);
  }
  if (peer_closed(ec)) {
    return error(Kind::kClosed, "the connection failed during " + what + ": " + ec.message());
  }
  if (is_http_error(ec)) {
    return error(Kind::kProtocol, "malformed HTTP response to " + what + ": " + ec.message());
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    return error(Kind::kTls, "TLS error during " + what + ": " + ec.message());
  }
  return error(Kind::kClosed, "the connection failed during " + what + ": " + ec.message());
}

asio::awaitable<HttpResponse> HttpClient::Impl::request(const HttpRequest& in) {
  const Request req = build_request(in, authority);
  const std::string what = in.method + " " + in.target;
  const bool head = in.method == "HEAD";
  for (int attempt = 1;; ++attempt) {
    bool reused = is_open();
    if (reused && !idle_connection_usable()) {
      log::debug("net.stale_connection", {{"peer", target.peer}, {"address", address}});
      reset();
      reused = false;
    }
    if (!reused) {
      try {
        co_await connect();
      } catch (...) {
        reset();
        throw;
      }
    }
    Exchange ex;
    if (tls) {
      ex = co_await exchange(*tls, req, head);
    } else {
      ex = co_await exchange(*plain, req, head);
    }
    if (!ex.ec) {
      if (!ex.keep_alive) reset();
      co_return to_response(std::move(ex.response));
    }
    reset();
    if (reused && attempt == 1 && !ex.got_some && peer_closed(ex.ec) && !closed_while_busy) {
      log::debug("net.resend",
                 {{"peer", target.peer}, {"address", address}, {"reason", ex.ec.message()}});
      continue;
    }
    throw exchange_error(ex.ec, what);
  }
}

HttpClient::HttpClient(boost::asio::any_io_executor executor, HttpTarget target, HttpLimits limits)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(target), limits)) {}

HttpClient::~HttpClient() { close(); }

boost::asio::awaitable<HttpResponse> HttpClient::request(HttpRequest req) {
  std::shared_ptr<Impl> self = impl_;
  if (self->busy) {
    throw std::logic_error(self->where + ": HttpClient::request while another is in flight");
  }
  struct Busy {
    explicit Busy(Impl& i) : impl(i) {
      impl.busy = true;
      impl.closed_while_busy = false;
    }
    ~Busy() { impl.busy = false; }
    Impl& impl;
  } busy(*self);
  co_return co_await self->request(req);
}

void HttpClient::close() {
  if (impl_->busy) {
    // The request in flight (which keeps Impl alive) fails with kClosed and resets.
    impl_->closed_while_busy = true;
    impl_->close_socket();
  } else {
    impl_->reset();
  }
}

bool HttpClient::connected() const { return impl_->is_open(); }

const HttpTarget& HttpClient::target() const { return impl_->target; }

std::string basic_auth(std::string_view user, std::string_view password) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in;
  in.reserve(user.size() + 1 + password.size());
  in.append(user).append(":").append(password);
  std::string out = "Basic ";
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                       static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  in.assign(in.size(), '\0');  // the password
  return out;
}

}  // namespace vmfabric::net
