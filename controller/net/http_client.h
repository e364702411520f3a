// The HTTP/1.1 client every edge of vmfabric uses (vCenter SOAP on /sdk, Arista eAPI on
// /command-api): one persistent connection to one peer, over TCP or TLS, as Asio coroutines.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"

namespace vmfabric::net {

// How to trust the peer's certificate. Default: verify the chain against the system CAs and the
// certificate's names (SAN, else CN) against `HttpTarget::host`. Set at most one of the three
// below; if several are, `insecure` wins over `fingerprint_sha256`, which wins over `ca_file`.
struct TlsPolicy {
  bool enabled = true;  // false: plain HTTP
  // Verify the chain against this PEM bundle instead of the system CAs (names still checked).
  // Read at the first TLS connect; a missing or bad file fails that request with kTls.
  std::string ca_file;
  // Pin: accept the peer iff the SHA-256 of its leaf certificate (DER) is this; no CA or name
  // check (vCenter thumbprint pinning). 64 hex digits; colons and upper case are tolerated.
  std::string fingerprint_sha256;
  bool insecure = false;  // no verification at all (a warning is logged at each connect)
};

struct HttpTarget {
  std::string peer;  // names the peer in messages and logs: "switch leaf1", "vcenter vc1"
  std::string host;  // DNS name or IP address literal (IPv6 without brackets)
  std::uint16_t port = 443;
  TlsPolicy tls;
};

struct HttpLimits {
  // Name resolution, TCP connect and TLS handshake, together. A getaddrinfo call already
  // running cannot be interrupted; it ends by the system resolver's own timeouts.
  std::chrono::milliseconds connect_timeout{5000};
  // Writing the request and reading the whole response, together.
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_body = std::size_t{64} << 20;  // response body bytes; more → kTooLarge
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "POST";
  std::string target = "/";
  // Sent as given, in order (no CR or LF in them). Host and User-Agent are added unless given;
  // Content-Length is set from the body.
  HttpHeaders headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // in the order received
  std::string body;

  // The first header named `name` (case-insensitive), or nothing.
  std::optional<std::string> header(std::string_view name) const;
};

// A request that got no complete HTTP response. The message names the peer and host:port, and
// the method and target; it never holds a request body or header value (they may hold secrets).
class HttpError : public Error {
 public:
  enum class Kind {
    kResolve,   // the host name did not resolve
    kConnect,   // TCP connect failed (refused, unreachable)
    kTls,       // TLS handshake or certificate verification failed, or a bad TlsPolicy
    kTimeout,   // connect_timeout or request_timeout passed
    kClosed,    // the peer closed the connection before the response was complete
    kProtocol,  // the peer's response is not HTTP/1.1
    kTooLarge,  // the response body is over HttpLimits::max_body (or its header over 8 KiB)
  };
  HttpError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

const char* to_string(HttpError::Kind kind);

// One persistent (kept-alive) connection to one peer, opened on the first request and reopened
// as needed. HTTP statuses are not errors: a 401 or 500 is a response; `request` throws
// HttpError only when no complete response arrived (the connection is then closed).
//
// Stale connections: before reusing an idle connection the client checks whether the peer
// closed it (or sent something unasked) and reconnects if so. If the peer closes a reused
// connection while the request is in flight and nothing of the response was read, the request is
// sent once more on a fresh connection (the usual keep-alive race; a peer that received the
// request and then died without answering would see it twice).
//
// Not thread-safe: use from one strand, one request at a time (a second concurrent request
// throws std::logic_error). The client may be destroyed with a request in flight: the request
// then fails with kClosed.
class HttpClient {
 public:
  // Connects lazily, at the first request. Throws HttpError (kTls) when
  // `target.tls.fingerprint_sha256` is not a SHA-256 fingerprint.
  HttpClient(boost::asio::any_io_executor executor, HttpTarget target, HttpLimits limits = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws HttpError when no complete response arrived; std::invalid_argument for a malformed
  // request (CR/LF in a header, a space in the method or target).
  boost::asio::awaitable<HttpResponse> request(HttpRequest req);
  // Closes the connection (an in-flight request fails with kClosed). The next request reopens.
  void close();
  bool connected() const;
  const HttpTarget& target() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with in-flight requests
};

// The value of an Authorization header for HTTP Basic authentication: "Basic base64(user:pw)".
std::string basic_auth(std::string_view user, std::string_view password);

}  // namespace vmfabric::net
