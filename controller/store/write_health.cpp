#include "store/write_health.h"

namespace vmfabric {

bool WriteHealth::failed(std::int64_t now_ms, const std::string& error, bool disk_full) {
  const bool begins = state_.writable;
  if (begins) {
    state_.writable = false;
    state_.failing_since_ms = now_ms;
    errors_before_episode_ = state_.write_errors;
  }
  ++state_.write_errors;
  state_.disk_full = disk_full;
  state_.error = error;
  return begins;
}

std::optional<WriteHealth::Recovery> WriteHealth::succeeded(std::int64_t now_ms) {
  if (state_.writable) return std::nullopt;
  const Recovery ended{state_.write_errors - errors_before_episode_,
                       now_ms - state_.failing_since_ms};
  state_.writable = true;
  state_.disk_full = false;
  state_.failing_since_ms = 0;
  state_.error.clear();
  return ended;
}

}  // namespace vmfabric
