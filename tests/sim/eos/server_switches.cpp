#include "tests/sim/eos/server_switches.h"

#include <algorithm>

namespace vmfabric::eos_sim {

namespace {

constexpr std::pair<FaultKind, const char*> kFaultNames[] = {
    {FaultKind::kLatency, "latency"},
    {FaultKind::kHttp500, "http500"},
    {FaultKind::kDrop, "drop"},
    {FaultKind::kUnauthorized, "unauthorized"},
    {FaultKind::kFailCommit, "fail_commit"},
};

}  // namespace

const char* to_string(FaultKind kind) {
  for (const auto& [k, name] : kFaultNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<FaultKind> parse_fault_kind(std::string_view text) {
  for (const auto& [k, name] : kFaultNames) {
    if (text == name) return k;
  }
  return std::nullopt;
}

void SwitchFaults::set(FaultKind kind, std::chrono::microseconds latency,
                       std::optional<int> count) {
  std::lock_guard lock(mutex_);
  const Fault fault{kind, latency, count};
  auto same =
      std::find_if(faults_.begin(), faults_.end(), [&](const Fault& f) { return f.kind == kind; });
  if (same != faults_.end()) {
    *same = fault;
  } else {
    faults_.push_back(fault);
  }
}

void SwitchFaults::clear() {
  std::lock_guard lock(mutex_);
  faults_.clear();
}

void SwitchFaults::consume(Fault& fault) {
  switch (fault.kind) {
    case FaultKind::kLatency:
      ++latency_;
      break;
    case FaultKind::kHttp500:
      ++http500_;
      break;
    case FaultKind::kDrop:
      ++drop_;
      break;
    case FaultKind::kUnauthorized:
      ++unauthorized_;
      break;
    case FaultKind::kFailCommit:
      break;  // the engine's, never stored here
  }
  if (fault.remaining) --*fault.remaining;
}

FaultPlan SwitchFaults::take() {
  std::lock_guard lock(mutex_);
  ++requests_;
  FaultPlan plan;
  plan.latency = default_latency_;
  for (Fault& fault : faults_) {
    if (fault.kind == FaultKind::kLatency) {
      plan.latency = fault.latency;
      consume(fault);
    } else if (!plan.answer) {
      plan.answer = fault.kind;
      consume(fault);
    }
  }
  std::erase_if(faults_, [](const Fault& f) { return f.remaining && *f.remaining <= 0; });
  return plan;
}

void SwitchFaults::count_unauthenticated() {
  std::lock_guard lock(mutex_);
  ++unauthenticated_;
}

void SwitchFaults::count_connection() {
  std::lock_guard lock(mutex_);
  ++connections_;
}

nlohmann::json SwitchFaults::stats() const {
  std::lock_guard lock(mutex_);
  return {{"connections", connections_},
          {"requests", requests_},
          {"unauthenticated", unauthenticated_},
          {"faults",
           {{"latency", latency_},
            {"http500", http500_},
            {"drop", drop_},
            {"unauthorized", unauthorized_}}}};
}

nlohmann::json SwitchFaults::active() const {
  std::lock_guard lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const Fault& f : faults_) {
    nlohmann::json entry = {{"kind", to_string(f.kind)}};
    if (f.kind == FaultKind::kLatency) entry["latency_ms"] = f.latency.count() / 1000.0;
    if (f.remaining) entry["count"] = *f.remaining;
    out.push_back(std::move(entry));
  }
  return out;
}

SwitchTable::SwitchTable(const std::vector<std::string>& names,
                         std::chrono::microseconds default_latency) {
  for (const std::string& name : names) {
    slots_.push_back(std::make_unique<SwitchSlot>(name, default_latency));
    by_name_.emplace(slots_.back()->name, slots_.back().get());
  }
}

SwitchSlot* SwitchTable::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace vmfabric::eos_sim
