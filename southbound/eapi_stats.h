// EapiStats: what vmfabric's eAPI requests cost, per switch, for /metrics: a histogram of each
// request's duration (connection, TLS, the switch's work and the answer) and the failures by
// kind. Thread-safe: the switches' strands record, the API's threads read.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmfabric::southbound {

// Why an eAPI request failed.
enum class EapiFailure {
  kConnect,      // the address did not resolve, or TCP connect failed
  kTls,          // TLS handshake or certificate verification failed
  kTimeout,      // no complete answer within the timeouts
  kClosed,       // the switch closed the connection before answering
  kBadResponse,  // not HTTP/1.1, too large, or not a JSON-RPC answer to the request
  kAuth,         // HTTP 401: the credentials were refused
  kHttpStatus,   // another HTTP status than 200
  kCommand,      // the switch refused a command (a JSON-RPC error)
};
inline constexpr std::array<EapiFailure, 8> kEapiFailures = {
    EapiFailure::kConnect,     EapiFailure::kTls,  EapiFailure::kTimeout,    EapiFailure::kClosed,
    EapiFailure::kBadResponse, EapiFailure::kAuth, EapiFailure::kHttpStatus, EapiFailure::kCommand};

// "connect", "tls", "timeout", "closed", "bad-response", "auth", "http-status", "command".
const char* to_string(EapiFailure failure);

// The requests to one switch.
struct EapiSwitchStats {
  // The upper bounds (seconds) of the duration histogram's buckets; +Inf is implied. A poll of a
  // real EOS switch takes 0.1-2 s; the request timeout is 15 s.
  static constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,    2.5,   5,    10};

  std::string name;  // the switch's name in the config
  // Requests whose duration was at most kBuckets[i] (not cumulative: each request counts in the
  // first bucket it fits; the last entry counts those over every bound).
  std::array<std::uint64_t, kBuckets.size() + 1> buckets{};
  double seconds_sum = 0;
  std::uint64_t requests = 0;                                  // answered or not
  std::array<std::uint64_t, kEapiFailures.size()> failures{};  // by EapiFailure
};

class EapiStats {
 public:
  // One request to switch `name` that took `duration` and failed with `failure` (nothing: it
  // succeeded).
  void record(std::string_view name, std::chrono::nanoseconds duration,
              std::optional<EapiFailure> failure);
  // Every switch that made a request, ordered by name.
  std::vector<EapiSwitchStats> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, EapiSwitchStats, std::less<>> switches_;
};

}  // namespace vmfabric::southbound
