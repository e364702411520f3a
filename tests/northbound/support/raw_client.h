// A blocking loopback TCP client for server tests that need bytes the HTTP clients never send
// (a half-sent header, oversized fields, garbage) and need to see exactly when the server closes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace vmfabric::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error when it cannot.
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& bytes);
  // Reads one response (Content-Length framed). Nothing when the server closed first, or when
  // nothing came within `timeout` (a safety net: tests wait for what the server does).
  std::optional<RawResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Waits until the server closes the connection (EOF or reset). False when `timeout` passed
  // first.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // false on EOF/timeout
  int fd_ = -1;
  std::string buffer_;
};

// A GET with keep-alive and, when `token` is set, a bearer token.
std::string get_request(const std::string& target, const std::string& token = "");

// Whether a TCP connection to 127.0.0.1:port is refused.
bool connection_refused(std::uint16_t port);

// A loopback port free right now (bound to port 0 and released), for a process under test to
// listen on: the config of vmfabricd takes a real port.
std::uint16_t free_port();

}  // namespace vmfabric::testing
