// reconcile_bench: vCenter event → change committed on the emulated switch, end to end (issue 5).
// An E2eLab (vCenter simulator, EOS fabric emulator on tests/sim/eos/testdata/topology.json,
// vmfabricd) converges; then every switch answers each eAPI call after --latency-ms, and
// `vmfabric-vcsim storm` changes dv-web's VLAN --events times, one change every --interval-ms,
// to 1000, 1001, ... Each change makes vmfabricd allow the new VLAN where dv-web runs (leaf1a's
// Port-Channel11, esx-a1's MLAG) and on the fabric paths. The old VLAN is pruned only after an
// hour, so removals stay out of the measurement; switch polls every 30 s add no noise.
//
// An event's latency: the first commit on leaf1a that allows its VLAN, or a later one of the
// storm, on Port-Channel11 (the emulator's journal time), minus when storm sent the reconfigure
// request (same host clock). "Or a later one": vmfabricd is level-triggered; changes that arrive
// while leaf1a has a session in flight go together in its next one, and vCenter may report
// several changes in one update, so an intermediate VLAN need not be pushed at all. (The
// harness's simulator reports updates within a millisecond: tests/sim/vcsim/README.md, "Property
// updates".) Fabric-wide: until the last switch that allows such a VLAN anywhere committed it.
//
// The breakdown of the leaf1a commit: the session name vmfabricd gives a commit
// ("vmfabric-<unix ms>-<seq>") says when its reconcile cycle had planned, and its
// `reconcile.apply` log line when the session was journaled and handed to the switch's agent;
// the rest is the switch's queue and eAPI round trip. The last rows split the storm in fifths:
// every event leaves one more VLAN on the fabric (pruned after an hour), so a cost that grows
// with the VLANs a fabric carries shows as latency growing along the storm.
// Prints one table; exits 1 when a target is missed (p50 > 15 ms or p99 > 50 ms on leaf1a).
//
//   reconcile_bench [--events N] [--interval-ms F] [--latency-ms F]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lab.h"
#include "model/vlan_set.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr double kTargetP50Ms = 15, kTargetP99Ms = 50;
constexpr int kFirstVlan = 1000;
const std::string kLeaf = "leaf1a", kInterface = "Port-Channel11";

double arg(int argc, char** argv, const std::string& name, double fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atof(argv[i + 1]);
  }
  return fallback;
}

// One storm line, plus what the journal says about its VLAN.
struct Event {
  int vlan = 0;
  double sent_ms = 0, done_ms = 0;  // unix ms: request sent, vCenter task completed
  // First commit on leaf1a Port-Channel11 of this VLAN or a later one of the storm (the event's
  // state or a newer one), and when the reconcile behind it started.
  std::optional<double> leaf_commit_ms, leaf_plan_ms;
  std::string leaf_session;
  bool exact = false;  // that commit has this very VLAN (else vCenter coalesced the event away)
  std::map<std::string, double> switch_commit_ms;  // the same, per switch, any interface
};

// A committed session from the emulator's journal.
struct Commit {
  std::string sw, session;
  double time_ms = 0;
  // VLANs it allowed ("switchport trunk allowed vlan add"), per interface.
  std::map<std::string, VlanSet> added;
};

Commit parse_commit(const json& entry) {
  Commit c{entry["switch"].get<std::string>(),
           entry["session"].get<std::string>(),
           entry["time"].get<double>() * 1000,
           {}};
  const std::string prefix = "switchport trunk allowed vlan add ";
  std::string interface;
  for (const json& command : entry["commands"]) {
    const std::string line = command.get<std::string>();
    if (line.starts_with("interface ")) interface = line.substr(10);
    if (!interface.empty() && line.starts_with(prefix)) {
      c.added[interface] |= VlanSet::parse(line.substr(prefix.size()));
    }
  }
  return c;
}

// The reconcile start vmfabricd encodes in its session names: "vmfabric-<unix ms>-<seq>".
std::optional<double> planned_ms(const std::string& session) {
  const auto first = session.find('-'), last = session.rfind('-');
  if (!session.starts_with("vmfabric-") || first == last) return std::nullopt;
  return std::stod(session.substr(first + 1, last - first - 1));
}

// When vmfabricd handed each of its sessions to a switch agent (unix ms), from its log lines
// `ts=2024-06-10T12:00:00.123Z level=info event=reconcile.apply switch=... session=...`.
std::map<std::string, double> handed_to_agent(const std::vector<std::string>& log) {
  std::map<std::string, double> out;
  for (const std::string& line : log) {
    if (line.find(" event=reconcile.apply ") == std::string::npos) continue;
    const auto session = line.find(" session=");
    std::tm tm{};
    int ms = 0;
    if (session == std::string::npos ||
        std::sscanf(line.c_str(), "ts=%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
      continue;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const std::size_t from = session + 9;
    out[line.substr(from, line.find(' ', from) - from)] =
        static_cast<double>(timegm(&tm)) * 1000 + ms;
  }
  return out;
}

// Every switch's commits after journal sequence number `since`, in commit (sequence) order.
std::vector<json> journal_since(E2eLab& lab, std::uint64_t since) {
  std::vector<json> out;
  for (const std::string& sw : lab.fabric().switch_names()) {
    for (json& entry : lab.fabric().journal(sw, since)) out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return a["seq"].get<std::uint64_t>() < b["seq"].get<std::uint64_t>();
  });
  return out;
}

// Nearest-rank percentile of an unsorted sample.
double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void row(const char* what, const std::vector<double>& ms) {
  std::printf("  %-44s %8.1f %8.1f %8.1f %8.1f   (n=%zu)\n", what, pct(ms, 0.5), pct(ms, 0.9),
              pct(ms, 0.99), ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()), ms.size());
}

int run(int argc, char** argv) {
  const int events = static_cast<int>(arg(argc, argv, "--events", 500));
  const double interval_ms = arg(argc, argv, "--interval-ms", 50);
  const double latency_ms = arg(argc, argv, "--latency-ms", 5.5);
  if (events < 1 || kFirstVlan + events - 1 > 3999 || interval_ms < 0) {
    std::fprintf(stderr, "reconcile_bench: --events must be 1-%d, --interval-ms >= 0\n",
                 3999 - kFirstVlan + 1);
    return 2;
  }

  E2eLab::Options options;
  options.prune_delay_s = 3600;
  options.poll_interval_s = 30;
  E2eLab lab(options);
  // Every switch read twice since the last commit: with 30 s polls, about a minute.
  lab.wait_quiet(3min);
  std::uint64_t since = 0;  // the journal before the storm is not measured
  for (const json& e : journal_since(lab, 0)) since = e["seq"].get<std::uint64_t>();
  lab.fabric().inject({{"switch", "*"}, {"kind", "latency"}, {"latency_ms", latency_ms}});

  // The storm runs on another thread: meanwhile this one keeps reading vmfabricd's log (in
  // eventually()), else its stderr pipe fills and the daemon blocks on logging.
  const double storm_s = events * interval_ms / 1000;
  auto storm = std::async(std::launch::async, [&] {
    return lab.vcenter().client({"storm", "--portgroup", "dv-web", "--first-vlan",
                                 std::to_string(kFirstVlan), "--count", std::to_string(events),
                                 "--interval", fmt(interval_ms) + "ms", "--timeout",
                                 fmt(storm_s + 120) + "s"});
  });
  const auto storm_done = [&] { return storm.wait_for(0s) == std::future_status::ready; };
  if (!lab.eventually(storm_done, std::chrono::seconds(static_cast<int>(storm_s) + 180))) {
    std::fprintf(stderr, "reconcile_bench: the storm did not finish\n");
    return 1;
  }
  std::map<int, Event> by_vlan;
  {
    std::istringstream lines(storm.get());
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      const json j = json::parse(line);
      Event& e = by_vlan[j["vlan"].get<int>()];
      e.vlan = j["vlan"].get<int>();
      e.sent_ms = static_cast<double>(j["sent_ns"].get<std::int64_t>()) / 1e6;
      e.done_ms = static_cast<double>(j["done_ns"].get<std::int64_t>()) / 1e6;
    }
  }

  // Reads the journal since the storm into the events; true when leaf1a has the last VLAN. An
  // event counts as committed when its VLAN or a later one of the storm is, which is the event's
  // state or a newer one (level-triggered, vmfabricd need not push every intermediate VLAN).
  std::vector<Commit> commits;
  const auto collect = [&] {
    commits.clear();
    for (auto& [vlan, e] : by_vlan) {
      e.leaf_commit_ms.reset();
      e.exact = false;
      e.switch_commit_ms.clear();
    }
    for (const json& entry : journal_since(lab, since)) {
      commits.push_back(parse_commit(entry));
      const Commit& c = commits.back();
      for (const auto& [interface, vlans] : c.added) {
        const VlanSet storm_vlans =
            vlans & VlanSet::range(VlanId::checked(kFirstVlan), VlanId::checked(3999));
        if (storm_vlans.empty()) continue;
        const int newest = storm_vlans.ids().back().value;
        // Journal order is commit order: the first commit that covers an event is kept.
        for (auto it = by_vlan.begin(); it != by_vlan.end() && it->first <= newest; ++it) {
          Event& e = it->second;
          e.switch_commit_ms.try_emplace(c.sw, c.time_ms);
          if (c.sw == kLeaf && interface == kInterface && !e.leaf_commit_ms) {
            e.leaf_commit_ms = c.time_ms;
            e.leaf_plan_ms = planned_ms(c.session);
            e.leaf_session = c.session;
            e.exact = storm_vlans.contains(VlanId::checked(e.vlan));
          }
        }
      }
    }
    return !by_vlan.empty() && by_vlan.rbegin()->second.leaf_commit_ms.has_value();
  };
  const bool all_on_leaf = lab.eventually(collect, 60s);
  // The other switches: until no commit came for a second (they are pushed as they are planned).
  std::size_t seen = 0;
  auto last_change = std::chrono::steady_clock::now();
  lab.eventually(
      [&] {
        const std::size_t n = journal_since(lab, since).size();
        if (n != seen) {
          seen = n;
          last_change = std::chrono::steady_clock::now();
        }
        return std::chrono::steady_clock::now() - last_change >= 1s;
      },
      60s);
  collect();

  const std::map<std::string, double> handed = handed_to_agent(lab.controller().stderr_lines());
  std::vector<double> task_ms, leaf_ms, exact_ms, fabric_ms, to_plan_ms, plan_to_commit_ms,
      plan_to_agent_ms, agent_to_commit_ms;
  std::vector<std::vector<double>> fifths(5);
  std::size_t missing = 0, min_switches = SIZE_MAX, max_switches = 0;
  for (const auto& [vlan, e] : by_vlan) {
    task_ms.push_back(e.done_ms - e.sent_ms);
    if (!e.leaf_commit_ms) {
      ++missing;
      continue;
    }
    leaf_ms.push_back(*e.leaf_commit_ms - e.sent_ms);
    fifths[static_cast<std::size_t>((vlan - kFirstVlan) * 5 / events)].push_back(leaf_ms.back());
    if (e.exact) exact_ms.push_back(leaf_ms.back());
    double last = 0;
    for (const auto& [sw, t] : e.switch_commit_ms) last = std::max(last, t);
    fabric_ms.push_back(last - e.sent_ms);
    min_switches = std::min(min_switches, e.switch_commit_ms.size());
    max_switches = std::max(max_switches, e.switch_commit_ms.size());
    if (e.leaf_plan_ms) {
      to_plan_ms.push_back(*e.leaf_plan_ms - e.sent_ms);
      plan_to_commit_ms.push_back(*e.leaf_commit_ms - *e.leaf_plan_ms);
      if (const auto it = handed.find(e.leaf_session); it != handed.end()) {
        plan_to_agent_ms.push_back(it->second - *e.leaf_plan_ms);
        agent_to_commit_ms.push_back(*e.leaf_commit_ms - it->second);
      }
    }
  }
  const std::size_t leaf_sessions = static_cast<std::size_t>(
      std::count_if(commits.begin(), commits.end(), [](const Commit& c) { return c.sw == kLeaf; }));
  std::set<std::string> switches;
  for (const Commit& c : commits) switches.insert(c.sw);

  std::printf(
      "reconcile_bench: vCenter event -> commit on the emulated switch, %zu events (dv-web VLAN "
      "%d..%d, one every %g ms), %g ms per eAPI call\n",
      by_vlan.size(), kFirstVlan, kFirstVlan + events - 1, interval_ms, latency_ms);
  std::printf("  %-44s %8s %8s %8s %8s\n", "ms", "p50", "p90", "p99", "max");
  row("event -> committed on leaf1a Port-Channel11", leaf_ms);
  row("event -> last switch committed (fabric)", fabric_ms);
  row("  only events whose own VLAN was pushed", exact_ms);
  std::printf("  breakdown of the leaf1a commit:\n");
  row("  vCenter task (sent -> task done)", task_ms);
  row("  event -> reconcile started (session name)", to_plan_ms);
  row("  reconcile started -> committed on leaf1a", plan_to_commit_ms);
  row("    planned -> journaled, handed to the agent", plan_to_agent_ms);
  row("    handed to the agent -> committed", agent_to_commit_ms);
  std::printf("  event -> committed on leaf1a, by fifth of the storm:\n");
  for (std::size_t i = 0; i < fifths.size(); ++i) {
    const std::string what = "  events " + std::to_string(i * events / 5) + "-" +
                             std::to_string((i + 1) * events / 5 - 1);
    row(what.c_str(), fifths[i]);
  }
  std::printf("  %-44s %8zu   (%zu-%zu switches per event)\n", "events committed on leaf1a",
              leaf_ms.size(), min_switches == SIZE_MAX ? 0 : min_switches, max_switches);
  std::printf("  %-44s %8zu   (%.2f per event, %zu switches)\n", "configuration sessions, all",
              commits.size(), static_cast<double>(commits.size()) / by_vlan.size(),
              switches.size());
  std::printf("  %-44s %8zu   (%.2f per event)\n", "configuration sessions, leaf1a", leaf_sessions,
              static_cast<double>(leaf_sessions) / by_vlan.size());
  const double p50 = pct(leaf_ms, 0.5), p99 = pct(leaf_ms, 0.99);
  const bool ok = all_on_leaf && missing == 0 &&
                  by_vlan.size() == static_cast<std::size_t>(events) && p50 <= kTargetP50Ms &&
                  p99 <= kTargetP99Ms;
  std::printf("  targets: p50 <= %g ms, p99 <= %g ms; missing on leaf1a: %zu\n", kTargetP50Ms,
              kTargetP99Ms, missing);
  std::printf("  result: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reconcile_bench: %s\n", e.what());
    return 1;
  }
}
