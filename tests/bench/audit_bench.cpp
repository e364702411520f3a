// audit_bench: drift audits of a large fabric, end to end (issue 8: 1,000 switches at 50 ms per
// eAPI call in <= 10 s). The EOS emulator serves a generated spine-leaf fabric (bench_support.h);
// vmfabricd (an E2eLab without vCenter) follows every switch over plain HTTP, polling each once
// at start and then hourly, so that only the audits read the switches; audit.interval_s 0 and
// remediate none. Once every switch is reachable, each eAPI call is delayed by --latency-ms (after
// the first poll, which is no part of the measurement), then --audits audits run one after
// another: POST /api/v1/audits (operator token), GET /api/v1/audits/{id} until it is no longer
// running. Per audit: the wall time from POST to seen ended (GET every <= 50 ms), the audit's own
// started -> finished, its switches, unreadable switches and findings, and the eAPI calls it made
// per switch (the emulator's request counters), and the CPU time vmfabricd and the emulator used
// meanwhile (wall time well above their sum: the machine was busy). Then the median wall time
// and vmfabricd's peak RSS. Prints one table; exits 1 when an audit fails or
// misses a switch, a switch is unreadable, or the median exceeds --target-s.
//
//   audit_bench [--switches N] [--latency-ms F] [--audits K] [--target-s F]
//
// Every switch costs vmfabricd and the emulator a few file descriptors (listening socket,
// connections); the soft RLIMIT_NOFILE is raised for this process and so for its children when
// it is below what N switches need.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.h"
#include "lab.h"
#include "scenario.h"

using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// "2026-11-26T02:00:00.123Z" -> unix ms.
std::int64_t unix_ms(const std::string& iso) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) != 7) {
    throw std::runtime_error("not an API timestamp: \"" + iso + "\"");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + millis;
}

// eAPI requests the emulator served, over every switch.
long eapi_requests(EosEmulator& fabric) {
  const json stats = fabric.stats();
  long n = 0;
  for (const json& counters : stats) n += counters.at("requests").get<long>();
  return n;
}

// GET `target`'s "total" (a list of the API).
long api_total(E2eLab& lab, const std::string& target) {
  const auto r = lab.api_get(target);
  if (r.status != 200) return -1;
  return json::parse(r.body).at("total").get<long>();
}

struct AuditRow {
  std::string status = "error", error;
  long id = 0, switches = 0, unreadable = 0, findings = 0;
  double wall_s = 0, own_s = 0, calls_per_switch = 0;
  double controller_cpu_s = 0, emulator_cpu_s = 0;  // CPU time used during the audit
  json counts;
};

}  // namespace

int main(int argc, char** argv) {
  const int switches = static_cast<int>(bench_option(argc, argv, "--switches", 1000));
  const double latency_ms = bench_option(argc, argv, "--latency-ms", 50);
  const int audits = static_cast<int>(bench_option(argc, argv, "--audits", 3));
  const double target_s = bench_option(argc, argv, "--target-s", 10);
  if (switches <= kBenchSpines || audits < 1) {
    std::fprintf(stderr, "audit_bench: --switches must be more than %d and --audits at least 1\n",
                 kBenchSpines);
    return 2;
  }
  const int leaves = switches - kBenchSpines;
  std::printf(
      "audit_bench: drift audits of %d switches (%d spines, %d leaves), %.1f ms per eAPI "
      "call, %d audits\n",
      switches, kBenchSpines, leaves, latency_ms, audits);
  // vmfabricd: a connection per switch (two while an audit reads it next to the poller);
  // the emulator: a listening socket and the accepted connections per switch.
  const unsigned long fds_needed = 4 * static_cast<unsigned long>(switches) + 256;
  if (!raise_fd_limit(fds_needed)) {
    std::fprintf(stderr,
                 "audit_bench: %d switches need %llu open files; raise the hard limit "
                 "(ulimit -Hn) or use fewer --switches\n",
                 switches, static_cast<unsigned long long>(fds_needed));
    return 2;
  }
  const std::string load_before = load_average();

  TempDir dir;
  E2eLab::Options options;
  options.topology = dir.file("fabric.json");
  std::ofstream(options.topology) << spine_leaf_fabric(leaves).dump();
  options.vcenter = false;
  options.poll_interval_s = 3600;
  options.audit_interval_s = 0;
  options.remediate = "none";
  const auto setup_start = Clock::now();
  E2eLab lab(options);
  const std::string all = "/api/v1/switches?limit=1";
  const std::string reachable = "/api/v1/switches?reachability=reachable&limit=1";
  if (!lab.eventually([&] { return api_total(lab, reachable) == switches; },
                      std::chrono::seconds(120 + switches / 10))) {
    std::fprintf(stderr, "audit_bench: %ld of %ld switches reachable after the wait\n",
                 api_total(lab, reachable), api_total(lab, all));
    return 1;
  }
  const double setup_s = std::chrono::duration<double>(Clock::now() - setup_start).count();
  lab.fabric().inject({{"switch", "*"}, {"kind", "latency"}, {"latency_ms", latency_ms}});
  lab.operator_token();  // made now, so that no audit's time includes it

  std::vector<AuditRow> rows;
  const auto timeout = std::chrono::milliseconds(static_cast<long>(target_s * 10'000)) + 60s;
  for (int i = 0; i < audits; ++i) {
    AuditRow row;
    const long requests_before = eapi_requests(lab.fabric());
    const double controller_cpu_before = process_cpu_s(lab.controller().pid());
    const double emulator_cpu_before = process_cpu_s(lab.fabric().process().pid());
    const auto start = Clock::now();
    try {
      const json audit = lab.run_audit(timeout);
      row.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
      row.id = audit.at("id").get<long>();
      row.status = audit.at("status").get<std::string>();
      if (audit.at("error").is_string()) row.error = audit.at("error").get<std::string>();
      row.switches = audit.at("switches").get<long>();
      row.unreadable = audit.at("unreadable").get<long>();
      row.findings = audit.at("finding_count").get<long>();
      row.counts = audit.at("counts");
      if (audit.at("finished").is_string()) {
        row.own_s = static_cast<double>(unix_ms(audit.at("finished").get<std::string>()) -
                                        unix_ms(audit.at("started").get<std::string>())) /
                    1000;
      }
    } catch (const std::exception& e) {
      row.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
      row.error = e.what();
    }
    row.controller_cpu_s = process_cpu_s(lab.controller().pid()) - controller_cpu_before;
    row.emulator_cpu_s = process_cpu_s(lab.fabric().process().pid()) - emulator_cpu_before;
    row.calls_per_switch =
        static_cast<double>(eapi_requests(lab.fabric()) - requests_before) / switches;
    rows.push_back(row);
  }
  const double peak_mib = process_memory_mib(lab.controller().pid(), "VmHWM");
  const double eos_peak_mib = process_memory_mib(lab.fabric().process().pid(), "VmHWM");

  std::vector<double> walls;
  bool ok = true;
  std::printf("  %-28s %.1f s (load average %s)\n", "setup: all switches reachable", setup_s,
              load_before.c_str());
  std::printf("  %2s %5s %-7s %9s %10s %9s %10s %9s %11s %10s %9s\n", "#", "id", "status", "wall s",
              "started->", "switches", "unreadable", "findings", "eAPI calls", "vmfabricd",
              "emulator");
  std::printf("  %2s %5s %-7s %9s %10s %9s %10s %9s %11s %10s %9s\n", "", "", "", "POST->end",
              "finished s", "", "", "", "per switch", "CPU s", "CPU s");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const AuditRow& r = rows[i];
    std::printf("  %2zu %5ld %-7s %9.2f %10.2f %9ld %10ld %9ld %11.1f %10.2f %9.2f\n", i + 1, r.id,
                r.status.c_str(), r.wall_s, r.own_s, r.switches, r.unreadable, r.findings,
                r.calls_per_switch, r.controller_cpu_s, r.emulator_cpu_s);
    if (!r.error.empty()) std::printf("     error: %s\n", r.error.c_str());
    walls.push_back(r.wall_s);
    ok = ok && r.status == "done" && r.switches == switches && r.unreadable == 0;
  }
  std::sort(walls.begin(), walls.end());
  const double median = walls.size() % 2 == 1
                            ? walls[walls.size() / 2]
                            : (walls[walls.size() / 2 - 1] + walls[walls.size() / 2]) / 2;
  ok = ok && median <= target_s;
  std::printf("  %-28s %.2f s (target <= %.1f s)\n", "median wall time", median, target_s);
  std::printf("  %-28s %s\n", "findings by kind (last)", rows.back().counts.dump().c_str());
  std::printf("  %-28s %.1f MiB (emulator: %.1f MiB)\n", "vmfabricd peak RSS (VmHWM)", peak_mib,
              eos_peak_mib);
  std::printf("  %-28s %s (1/5/15 min; at start %s)\n", "load average at end",
              load_average().c_str(), load_before.c_str());
  std::printf("  result: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
