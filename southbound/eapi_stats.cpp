#include "southbound/eapi_stats.h"

#include <algorithm>

namespace vmfabric::southbound {

const char* to_string(EapiFailure failure) {
  switch (failure) {
    case EapiFailure::kConnect:
      return "connect";
    case EapiFailure::kTls:
      return "tls";
    case EapiFailure::kTimeout:
      return "timeout";
    case EapiFailure::kClosed:
      return "closed";
    case EapiFailure::kBadResponse:
      return "bad-response";
    case EapiFailure::kAuth:
      return "auth";
    case EapiFailure::kHttpStatus:
      return "http-status";
    case EapiFailure::kCommand:
      return "command";
  }
  return "unknown";
}

void EapiStats::record(std::string_view name, std::chrono::nanoseconds duration,
                       std::optional<EapiFailure> failure) {
  const double seconds = std::chrono::duration<double>(duration).count();
  const auto& bounds = EapiSwitchStats::kBuckets;
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
  std::lock_guard lock(mutex_);
  auto it = switches_.find(name);
  if (it == switches_.end()) {
    it = switches_.emplace(std::string(name), EapiSwitchStats{}).first;
    it->second.name = it->first;
  }
  EapiSwitchStats& s = it->second;
  ++s.buckets[bucket];
  s.seconds_sum += seconds;
  ++s.requests;
  if (failure) ++s.failures[static_cast<std::size_t>(*failure)];
}

std::vector<EapiSwitchStats> EapiStats::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<EapiSwitchStats> out;
  out.reserve(switches_.size());
  for (const auto& [name, s] : switches_) out.push_back(s);
  return out;
}

}  // namespace vmfabric::southbound
