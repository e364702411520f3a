// Shared by the end-to-end benchmarks (system_bench, audit_bench): when a change passed each
// hop, read from the EOS emulator's journal, vmfabricd's session names and its log lines, and the
// percentile table they print.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/vlan_set.h"
#include "tests/sim/eos/harness.h"

namespace vmfabric::testing {

// A session the emulator committed (one entry of its journal).
struct Commit {
  std::string sw, session;
  double time_ms = 0;  // unix ms
  // The VLANs it allowed ("switchport trunk allowed vlan add") and stopped allowing ("... remove"),
  // per interface, and those it deleted ("no vlan").
  std::map<std::string, VlanSet> added;
  std::map<std::string, VlanSet> removed;
  VlanSet deleted;
};
Commit parse_commit(const nlohmann::json& entry);

// Every switch's journal entries after journal sequence number `since`, in commit order.
std::vector<nlohmann::json> journal_since(EosEmulator& fabric, std::uint64_t since);
// The newest journal sequence number over every switch (0 when nothing was committed).
std::uint64_t journal_head(EosEmulator& fabric);

// The start of the reconcile cycle vmfabricd encodes in its session names,
// "vmfabric-<unix ms>-<seq>".
std::optional<double> planned_ms(const std::string& session);

// A vmfabricd log line's time (`ts=2026-11-26T12:00:00.123Z ...`) in unix ms, and the value of
// its field `key` ("" when absent). log_times: the times of every line with `event=EVENT`, in
// log order.
std::optional<double> log_time_ms(const std::string& line);
std::string log_field(const std::string& line, const std::string& key);
std::vector<double> log_times(const std::vector<std::string>& log, const std::string& event);

// The first time in the ascending `times` at or after `t`, if any.
std::optional<double> first_at_or_after(const std::vector<double>& times, double t);

// Nearest-rank percentile (p in 0..1) of an unsorted sample; 0 when empty.
double percentile(std::vector<double> sample, double p);
// One table row: p50, p90, p99 and max of `ms`, and its size.
void print_row(const std::string& what, const std::vector<double>& ms);
void print_header(const std::string& unit);

// The CPU time (user + system) process `pid` used so far in seconds, and its resident / peak
// resident memory in MiB (VmRSS / VmHWM of /proc/PID/status).
double process_cpu_s(int pid);
double process_memory_mib(int pid, const std::string& field);
// "1.20 1.10 0.90" (/proc/loadavg).
std::string load_average();

}  // namespace vmfabric::testing
