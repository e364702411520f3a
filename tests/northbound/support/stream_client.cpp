#include "support/stream_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace vmfabric::testing {

using Clock = std::chrono::steady_clock;

StreamClient::StreamClient(std::uint16_t port, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close();
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
}

StreamClient::~StreamClient() { close(); }

void StreamClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void StreamClient::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<std::size_t>(n);
  }
}

bool StreamClient::fill(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (fd_ < 0 || left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[4096];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> StreamClient::read_until(const std::string& marker,
                                                    std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (const auto at = buffer_.find(marker); at != std::string::npos) {
      std::string out = buffer_.substr(0, at + marker.size());
      buffer_.erase(0, at + marker.size());
      return out;
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

std::optional<SseEvent> StreamClient::next_event(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const auto frame = read_until("\n\n", std::max(left, std::chrono::milliseconds(0)));
    if (!frame) return std::nullopt;
    SseEvent e;
    bool any = false;
    std::size_t at = 0;
    while (at < frame->size()) {
      const std::size_t end = frame->find('\n', at);
      const std::string line = frame->substr(at, end - at);
      at = end + 1;
      for (auto [field, out] : {std::pair<const char*, std::string*>{"id: ", &e.id},
                                {"event: ", &e.event},
                                {"data: ", &e.data}}) {
        if (line.rfind(field, 0) == 0) {
          *out = line.substr(std::string(field).size());
          any = true;
        }
      }
    }
    if (any) return e;
  }
}

bool StreamClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (fill(deadline)) buffer_.clear();
  return Clock::now() < deadline;
}

std::string stream_request(const std::string& target, const std::string& headers) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

}  // namespace vmfabric::testing
