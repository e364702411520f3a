// The emulated switches as the server sees them: each one's eAPI port, the faults injected on it
// through the control endpoint and its request counters. The engine (engine.h) holds what the
// switch is; this holds how its HTTP front end misbehaves.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vmfabric::eos_sim {

enum class FaultKind { kLatency, kHttp500, kDrop, kUnauthorized, kFailCommit };

const char* to_string(FaultKind kind);
std::optional<FaultKind> parse_fault_kind(std::string_view text);

// What happens to one eAPI request: a delay first, then either the normal answer or the fault
// `answer` (kHttp500, kDrop or kUnauthorized).
struct FaultPlan {
  std::chrono::microseconds latency{0};
  std::optional<FaultKind> answer;
};

// The HTTP-level faults of one switch (kFailCommit lives in the engine) and its counters.
// Thread-safe.
class SwitchFaults {
 public:
  explicit SwitchFaults(std::chrono::microseconds default_latency)
      : default_latency_(default_latency) {}

  // Replaces the fault of the same kind: `count` requests are affected, all of them when empty.
  // `latency` is used by kLatency only, instead of the default latency.
  void set(FaultKind kind, std::chrono::microseconds latency, std::optional<int> count);
  void clear();
  // The plan for the next request; consumes one count of each fault it applies and counts the
  // request.
  FaultPlan take();
  // Counts a request answered 401 because its credentials were missing or wrong.
  void count_unauthenticated();
  void count_connection();
  // {"connections", "requests", "unauthenticated", "faults": {"latency", "http500", "drop",
  // "unauthorized"}}
  nlohmann::json stats() const;
  // The faults still active: [{"kind", "latency_ms", "count" (absent: until cleared)}].
  nlohmann::json active() const;

 private:
  struct Fault {
    FaultKind kind;
    std::chrono::microseconds latency;
    std::optional<int> remaining;
  };
  // Applies `fault` to one request: counts it and uses up one of its count.
  void consume(Fault& fault);

  const std::chrono::microseconds default_latency_;
  mutable std::mutex mutex_;
  std::vector<Fault> faults_;  // at most one per kind, in the order they were set
  std::uint64_t connections_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t unauthenticated_ = 0;
  std::uint64_t latency_ = 0, http500_ = 0, drop_ = 0, unauthorized_ = 0;
};

// One emulated switch's front end.
struct SwitchSlot {
  SwitchSlot(std::string switch_name, std::chrono::microseconds default_latency)
      : name(std::move(switch_name)), faults(default_latency) {}
  std::string name;
  std::uint16_t port = 0;  // set once its socket listens
  SwitchFaults faults;
};

// All switches, in topology order, found by name.
class SwitchTable {
 public:
  SwitchTable(const std::vector<std::string>& names, std::chrono::microseconds default_latency);
  SwitchSlot* find(std::string_view name) const;
  const std::vector<std::unique_ptr<SwitchSlot>>& all() const { return slots_; }

 private:
  std::vector<std::unique_ptr<SwitchSlot>> slots_;
  std::unordered_map<std::string_view, SwitchSlot*> by_name_;
};

}  // namespace vmfabric::eos_sim
