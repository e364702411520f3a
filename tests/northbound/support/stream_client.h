// A blocking loopback client for streamed responses (server-sent events): reads what arrives as
// it arrives, frame by frame, and can shrink its receive buffer to play a consumer that falls
// behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace vmfabric::testing {

struct SseEvent {
  std::string id;     // "" when the frame has none
  std::string event;  // "" for the default type
  std::string data;
};

class StreamClient {
 public:
  // Connects to 127.0.0.1:port; `receive_buffer` > 0 sets SO_RCVBUF first. Throws
  // std::runtime_error when it cannot connect.
  explicit StreamClient(std::uint16_t port, int receive_buffer = 0);
  ~StreamClient();
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  void send(const std::string& bytes);
  void close();
  // Reads until `marker` arrived; returns everything up to and including it (the rest is kept
  // for the next read). Nothing on EOF or after `timeout`.
  std::optional<std::string> read_until(
      const std::string& marker, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next event frame, comments (heartbeats) skipped. Nothing on EOF or after `timeout`.
  std::optional<SseEvent> next_event(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Whether the server closed the connection within `timeout` (what it sent meanwhile is
  // discarded).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // false on EOF/timeout
  int fd_ = -1;
  std::string buffer_;
};

// "GET `target` HTTP/1.1" with `headers` (each "Name: value\r\n").
std::string stream_request(const std::string& target, const std::string& headers = "");

}  // namespace vmfabric::testing
