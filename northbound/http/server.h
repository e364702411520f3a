// The northbound HTTP/1.1 server: Boost.Beast on Asio coroutines, over TCP or TLS, with its own
// io_context and threads so that API load never delays the controller's edges. Each connection
// is served on its own strand, one request at a time (keep-alive); the application is a plain
// function from Request to Response, called on that strand.
//
// Protection: a limit on the request header (431) and body (413); a whole request must arrive
// within `request_timeout` once its first byte did, and an idle kept-alive connection is closed
// after `idle_timeout` (no slowloris); at most `max_connections` at once (more get 503 and are
// closed); plain HTTP only on a loopback address unless `allow_insecure_http`.
//
// A response with a stream (server-sent events) is sent as the stream produces it, without the
// request timeout, until it ends, the client goes away (a read on the socket fails, or a write
// does) or the server stops; then the connection closes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "model/error.h"
#include "northbound/http/message.h"

namespace vmfabric::northbound::http {

// The server cannot start: the address does not resolve or is in use, the certificate or key
// cannot be loaded, plain HTTP on a non-loopback address. The message says what to do.
class ServerError : public Error {
 public:
  // kListen: the address cannot be listened on now (in use, not resolvable): may work later.
  // kConfig: the options are wrong (certificate, key, plain HTTP off loopback): will not.
  enum class Kind { kConfig, kListen };
  ServerError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port)
  std::string tls_cert_file;  // both set: HTTPS (PEM certificate chain and private key)
  std::string tls_key_file;
  bool allow_insecure_http = false;

  std::size_t header_limit = 8 * 1024;
  std::size_t body_limit = 1024 * 1024;
  // To receive a whole request once its first byte arrived (and the TLS handshake), and to
  // send a response.
  std::chrono::milliseconds request_timeout{10'000};
  // A kept-alive connection with no request in progress is closed after this.
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 512;
  // stop(): how long requests in flight may take before their connections are cut (streamed
  // responses are ended at once).
  std::chrono::milliseconds shutdown_grace{5'000};
  // A streamed response (Response::stream) that sent nothing for this long sends its heartbeat.
  // Each chunk must be taken by the client within request_timeout, else the connection is cut.
  std::chrono::milliseconds stream_heartbeat{15'000};
  int threads = 2;
};

// Called on the connection's strand, possibly on several connections at once: must be
// thread-safe. An exception becomes a 500 problem (logged).
using Handler = std::function<Response(const Request&)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  // Stops (gracefully) if running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads. Throws ServerError naming what failed; after a
  // kListen failure start() may be called again.
  void start();
  // The port it listens on (the chosen one when options.port was 0). Valid after start().
  std::uint16_t port() const;
  bool tls() const;
  // Graceful: stops accepting, closes idle connections, lets requests in flight finish (for up
  // to shutdown_grace, then cuts them) and joins the threads. Idempotent; blocks.
  void stop();
  // Connections open now.
  std::size_t connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vmfabric::northbound::http
