// WriteHealth: how a database's writes fare, so that a failing disk makes one log line per
// failure episode (not one per retry), and /healthz and /metrics can show it. An episode runs
// from a failed write to the next write that succeeds. Pure: the caller gives the clock, logs
// and locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vmfabric {

struct StoreHealth {
  std::uint64_t write_errors = 0;     // failed writes since start
  bool writable = true;               // false from a failed write until a write succeeds
  bool disk_full = false;             // the episode's last failure was "disk full"
  std::int64_t failing_since_ms = 0;  // when the episode began (while not writable)
  std::string error;                  // the episode's last error (while not writable)
};

class WriteHealth {
 public:
  // Records a failed write; true when it begins an episode (the failure to log).
  bool failed(std::int64_t now_ms, const std::string& error, bool disk_full);

  // The episode a successful write ended: how many writes failed during it, for how long.
  struct Recovery {
    std::uint64_t failed_writes = 0;
    std::int64_t failing_ms = 0;
  };
  // Records a write that succeeded; the episode it ends, if any (to log).
  std::optional<Recovery> succeeded(std::int64_t now_ms);

  const StoreHealth& state() const { return state_; }

 private:
  StoreHealth state_;
  std::uint64_t errors_before_episode_ = 0;
};

}  // namespace vmfabric
