// system_bench: the whole controller the way an operator judges it (issue 10). Each scenario runs
// the vCenter simulator harness, the EOS fabric emulator and vmfabricd (an E2eLab) on a generated
// lab (system_lab.h) and times every hop of a change from the clocks of the processes involved
// (all on this host):
//   sent       the harness's client sent the vSphere request (storm / vmotion-storm output)
//   emitted    the vCenter task completed, so the simulator emitted the property update
//   parsed     vmfabricd parsed the update and queued it for the graph (`vcenter.update`, debug)
//   persisted  the graph batch holding it was committed to SQLite (`graph.batch_saved`, debug)
//   planned    the reconcile cycle that planned the switch change started (in the session name)
//   eAPI sent  the change was journaled and handed to the switch's agent (`reconcile.apply`)
//   committed  the emulated switch committed the configuration session (emulator journal)
// vmfabricd logs with millisecond timestamps: a hop shorter than a millisecond shows as 0 or 1.
//
//   system_bench vm-change [--lab generated|standard] [--switches 200] [--vms 10000]
//                          [--change portgroup|nic] [--events 200] [--interval-ms 50]
//                          [--latency-ms 5.5]
//   system_bench vmotion   [--switches 200] [--vms 10000] [--moves 800] [--seconds 10]
//                          [--vmotion-delay-ms 1000] [--latency-ms 5.5] [--seed N]
//   system_bench sync      [--switches 200] [--vms 40000] [--baseline-vms 0]
//   system_bench wide-vlan [--switches 1000] [--vms 1000] [--latency-ms 5.5]
//   system_bench faults    [--switches 200] [--vms 2000] [--failing-percent 5] [--seed N]
//   system_bench topology  [--switches 200] [--vms 10000]   (prints the generated lab, e.g. for
//                                                            deploy/lab --topology FILE)
//
// vm-change: a DV portgroup used by one VM (vm-bench on esx-0; dv-web on the standard lab) gets a
// new VLAN --events times, one change every --interval-ms (`storm`); with --change nic, vm-bench's
// vNIC moves to another DV portgroup instead, each with a VLAN new to its port (the VM's own
// change, which vmfabricd plans incrementally). An event's latency is sent ->
// committed on the VM's leaf port (or a later event's VLAN: vmfabricd is level-triggered and
// vCenter may coalesce changes). Targets: p50 <= 15 ms, p99 <= 50 ms.
// vmotion: --moves VMs (distinct, seeded) each move to another host of their cluster, spread
// evenly over --seconds (`vmotion-storm`), each migration taking --vmotion-delay-ms. A move is
// late when its VLAN was not on both of the destination host's leaf ports when it completed.
// Targets: zero late moves; p99 of sent -> VLAN on the destination <= 250 ms.
// sync: vmfabricd starts on an empty database next to a vCenter of --vms VMs; initial sync is
// vmfabricd starting -> the vCenter in sync (all VMs in the graph); then vCenter restarts
// (reconnect and resync) and vmfabricd restarts on its database (resync): each must write
// nothing to the switches (zero configuration sessions); each prints the CPU vmfabricd and the
// simulator spent meanwhile. Memory per VM: vmfabricd's resident memory after the sync minus
// that of the same lab with --baseline-vms VMs, per VM.
// Targets: initial sync and resync <= 10 s, 0 sessions, <= 1.5 KB per VM.
// wide-vlan: the DV portgroup of every host's vMotion vmknic gets a new VLAN, which every switch
// needs; sent -> the last switch committed. Target <= 2 s.
// faults: --failing-percent of the switches (leaves, seeded) fail: requests dropped (time out),
// HTTP 500, or commits failing, in turn. dv-vmotion then also carries a new VLAN, which every
// switch needs. Checks: the healthy switches commit it with no failed change, each failing one
// is reported (unreachable or its changes failed) and tried again, none commits while failing,
// all catch up once the faults clear. Then the same switches fail again and dv-vmotion drops the
// VLAN: the healthy switches remove and delete it after the hold-down (5 s here), the failing
// ones only once their faults clear; then a clean audit and nothing lost from the journal.
// Switch polls are slow (every 10 s; 30 s at 1,000 switches) so that they add little noise;
// removals wait an hour (prune delay) so that none runs during a measurement. Prints a table per
// scenario; exits 1 when a target is missed or a check fails.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.h"
#include "lab.h"
#include "model/vlan_set.h"
#include "scenario.h"
#include "system_lab.h"

using namespace vmfabric;
using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kFirstStormVlan = 2000;

double unix_now_ms() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()) /
         1000;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string text_option(int argc, char** argv, const std::string& name, const std::string& dflt) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return dflt;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A generated lab of `switches` switches (4 spines, the rest leaves in pairs) and `vms` VMs;
// hosts: 4 per leaf pair up to 200 switches, 1 above.
SystemLabShape shape_of(int switches, int vms) {
  SystemLabShape s;
  s.leaves = (switches - kBenchSpines) / 2 * 2;
  if (s.leaves < 2)
    throw std::invalid_argument("--switches must be at least " + std::to_string(kBenchSpines + 2));
  s.hosts_per_pair = switches <= 200 ? 4 : 1;
  s.vms = vms;
  return s;
}

// The running lab of a scenario, with what its setup took.
struct Running {
  TempDir dir;
  bool generated = false;  // else the tests' standard lab
  SystemLabShape shape;
  std::unique_ptr<E2eLab> lab;
  double setup_s = 0;
};

json vcenter_status(E2eLab& lab) {
  const auto r = lab.api_get("/api/v1/vcenters");
  if (r.status != 200) return json::object();
  const json page = json::parse(r.body);
  return page.at("items").empty() ? json::object() : page.at("items")[0];
}

bool in_sync(E2eLab& lab) { return vcenter_status(lab).value("in_sync", false); }

// Starts the lab of `shape` (or the tests' standard lab); returns once vmfabricd is ready.
std::unique_ptr<Running> launch(const std::optional<SystemLabShape>& shape, int poll_s,
                                const std::string& vmotion_delay = "1500ms",
                                int prune_delay_s = 3600) {
  auto run = std::make_unique<Running>();
  E2eLab::Options options;
  int switches = 6;
  if (shape) {
    run->generated = true;
    run->shape = *shape;
    switches = kBenchSpines + shape->leaves;
    options.topology = run->dir.file("lab.json");
    std::ofstream(options.topology) << system_lab(*shape).dump();
  } else {
    options.adjust_topology = cable_every_pnic_with_lldp;
  }
  if (!raise_fd_limit(4 * static_cast<unsigned long>(switches) + 256)) {
    throw std::runtime_error(std::to_string(switches) +
                             " switches need more open files than the hard limit (ulimit -Hn)");
  }
  options.prune_delay_s = prune_delay_s;
  options.poll_interval_s = poll_s;
  options.log_level = "debug";
  options.vmotion_delay = vmotion_delay;
  run->lab = std::make_unique<E2eLab>(options);
  return run;
}

// launch(), then waits until vmfabricd is in sync and has nothing left to do.
std::unique_ptr<Running> start(const std::optional<SystemLabShape>& shape, int poll_s,
                               const std::string& vmotion_delay = "1500ms",
                               int prune_delay_s = 3600) {
  const auto t0 = Clock::now();
  auto run = launch(shape, poll_s, vmotion_delay, prune_delay_s);
  E2eLab& lab = *run->lab;
  if (!lab.eventually([&] { return in_sync(lab); }, 300s)) {
    throw std::runtime_error("vmfabricd did not get in sync with vCenter within 300 s");
  }
  lab.wait_quiet(std::chrono::seconds(10 * poll_s + 300));
  run->setup_s = seconds_since(t0);
  return run;
}

// The storm's output: one line per change.
struct StormLine {
  int vlan = 0;
  double sent_ms = 0, done_ms = 0;
};

// `storm` with `what` (--portgroup NAME --first-vlan N, or --vm NAME --portgroups A,B,...).
std::vector<StormLine> run_storm(E2eLab& lab, const std::vector<std::string>& what, int count,
                                 double interval_ms) {
  const double storm_s = count * interval_ms / 1000;
  std::vector<std::string> args = {"storm"};
  args.insert(args.end(), what.begin(), what.end());
  for (const std::string& a :
       {std::string("--count"), std::to_string(count), std::string("--interval"),
        fmt(interval_ms) + "ms", std::string("--timeout"), fmt(storm_s + 120) + "s"}) {
    args.push_back(a);
  }
  // On another thread: meanwhile this one keeps reading vmfabricd's log (in eventually()), else
  // its stderr pipe fills and the daemon blocks on logging.
  auto storm = std::async(std::launch::async, [&] { return lab.vcenter().client(args); });
  if (!lab.eventually([&] { return storm.wait_for(0s) == std::future_status::ready; },
                      std::chrono::seconds(static_cast<int>(storm_s) + 180))) {
    throw std::runtime_error("the storm did not finish");
  }
  std::vector<StormLine> out;
  std::istringstream lines(storm.get());
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const json j = json::parse(line);
    out.push_back({j["vlan"].get<int>(),
                   static_cast<double>(j["sent_ns"].get<std::int64_t>()) / 1e6,
                   static_cast<double>(j["done_ns"].get<std::int64_t>()) / 1e6});
  }
  return out;
}

// Waits until no commit came for `quiet` (switches are pushed as they are planned), at most
// `timeout`; returns the journal since `since`.
std::vector<json> settle(E2eLab& lab, std::uint64_t since, std::chrono::milliseconds quiet,
                         std::chrono::milliseconds timeout) {
  std::size_t seen = SIZE_MAX;
  auto last_change = Clock::now();
  std::vector<json> journal;
  lab.eventually(
      [&] {
        journal = journal_since(lab.fabric(), since);
        if (journal.size() != seen) {
          seen = journal.size();
          last_change = Clock::now();
        }
        return Clock::now() - last_change >= quiet;
      },
      timeout);
  return journal;
}

// The hops of one change inside vmfabricd, from its debug log, for a change sent at `sent_ms`:
// the first update parsed at or after it, the first batch persisted after that.
struct Hops {
  std::vector<double> parsed, persisted;  // sent -> hop, ms
  void add(const std::vector<double>& parsed_at, const std::vector<double>& persisted_at,
           double sent_ms) {
    // Log times are whole milliseconds: compare with the millisecond the request was sent in.
    const auto p = first_at_or_after(parsed_at, std::floor(sent_ms));
    if (!p) return;
    parsed.push_back(std::max(0.0, *p - sent_ms));
    if (const auto s = first_at_or_after(persisted_at, *p)) {
      persisted.push_back(std::max(0.0, *s - sent_ms));
    }
  }
};

struct Result {
  bool ok = true;
  void check(bool holds, const std::string& what) {
    std::printf("  check: %-60s %s\n", what.c_str(), holds ? "ok" : "MISSED");
    ok = ok && holds;
  }
};

void print_lab(const Running& run, const std::string& scenario) {
  const SystemLabShape& s = run.shape;
  if (!run.generated) {
    std::printf("system_bench %s: the tests' standard lab (6 switches, 4 hosts)\n",
                scenario.c_str());
  } else {
    std::printf(
        "system_bench %s: %d switches (%d spines, %d leaves), %d hosts, %d VMs, %d DV "
        "portgroups\n",
        scenario.c_str(), kBenchSpines + s.leaves, kBenchSpines, s.leaves, system_hosts(s),
        s.vms + 1, s.portgroups + 2);
  }
  std::printf("  setup (simulators, vmfabricd in sync and idle): %.1f s, load %s\n", run.setup_s,
              load_average().c_str());
}

// ---- vm-change -----------------------------------------------------------------------------

int vm_change(int argc, char** argv) {
  const bool standard = text_option(argc, argv, "--lab", "generated") == "standard";
  const std::string change = text_option(argc, argv, "--change", "portgroup");
  const bool nic = change == "nic";
  if ((change != "portgroup" && !nic) || (nic && standard)) {
    throw std::invalid_argument("--change is portgroup or nic (nic on the generated lab only)");
  }
  const int events = static_cast<int>(bench_option(argc, argv, "--events", 200));
  const double interval_ms = bench_option(argc, argv, "--interval-ms", 50);
  const double latency_ms = bench_option(argc, argv, "--latency-ms", 5.5);
  if (events < 1 || kFirstStormVlan + events - 1 > 3999 || interval_ms < 0) {
    throw std::invalid_argument("--events must be 1-" + std::to_string(4000 - kFirstStormVlan) +
                                ", --interval-ms >= 0");
  }
  std::optional<SystemLabShape> shape;
  if (!standard) {
    shape = shape_of(static_cast<int>(bench_option(argc, argv, "--switches", 200)),
                     static_cast<int>(bench_option(argc, argv, "--vms", 10000)));
  }
  const auto run = start(shape, 10);
  E2eLab& lab = *run->lab;
  print_lab(*run, "vm-change");
  const std::string sw = standard ? "leaf1a" : system_host_leaf(run->shape, 0, 0);
  const std::string port = standard ? "Port-Channel11" : system_host_port(run->shape, 0);
  const std::string portgroup = standard ? "dv-web" : "dv-bench";

  // What changes: the portgroup's VLAN (kFirstStormVlan, +1, ...), or vm-bench's vNIC, moved
  // through the DV portgroups whose VLANs the watched port does not allow yet, lowest first (so
  // that, as with the portgroup's, each change needs a new VLAN, higher than the last).
  std::vector<std::string> what = {"--portgroup", portgroup, "--first-vlan",
                                   std::to_string(kFirstStormVlan)};
  if (nic) {
    const VlanSet there = VlanSet::parse(lab.allowed(sw, port));
    std::string portgroups;
    int found = 0;
    for (int p = 0; p < run->shape.portgroups && found < events; ++p) {
      if (there.contains(VlanId::checked(kFirstPortgroupVlan + p))) continue;
      portgroups += (found++ ? "," : "") + ("dv-pg-" + std::to_string(p));
    }
    if (found < events) {
      throw std::invalid_argument("--change nic: only " + std::to_string(found) +
                                  " portgroups have a VLAN new to " + sw + " " + port +
                                  ": lower --events");
    }
    what = {"--vm", "vm-bench", "--portgroups", portgroups};
  }

  const std::uint64_t since = journal_head(lab.fabric());
  const std::size_t log_from = lab.controller().stderr_lines().size();
  lab.fabric().inject({{"switch", "*"}, {"kind", "latency"}, {"latency_ms", latency_ms}});
  const std::vector<StormLine> storm = run_storm(lab, what, events, interval_ms);
  if (storm.empty()) throw std::runtime_error("the storm made no change");
  VlanSet storm_vlans;
  for (const StormLine& line : storm) storm_vlans.insert(VlanId::checked(line.vlan));
  // Until the watched port has the last VLAN and the other switches settled.
  lab.eventually([&] { return lab.allows(sw, port, storm.back().vlan); }, 60s);
  const std::vector<json> journal = settle(lab, since, 1s, 60s);

  // Per event: the first commit on the watched port of its VLAN or a later one of the storm.
  struct Event {
    std::optional<double> commit_ms, plan_ms;
    std::string session;
  };
  std::map<int, Event> by_vlan;
  for (const StormLine& s : storm) by_vlan[s.vlan];
  std::size_t sessions = 0, port_sessions = 0;
  std::set<std::string> switches;
  std::vector<Commit> port_commits;  // on the watched port, in commit order
  for (const json& entry : journal) {
    const Commit c = parse_commit(entry);
    ++sessions;
    switches.insert(c.sw);
    const auto it = c.added.find(port);
    if (c.sw != sw || it == c.added.end()) continue;
    const VlanSet added = it->second & storm_vlans;
    if (added.empty()) continue;
    ++port_sessions;
    port_commits.push_back(c);
    const int newest = added.ids().back().value;
    for (auto e = by_vlan.begin(); e != by_vlan.end() && e->first <= newest; ++e) {
      if (e->second.commit_ms) continue;
      e->second.commit_ms = c.time_ms;
      e->second.plan_ms = planned_ms(c.session);
      e->second.session = c.session;
    }
  }
  const std::vector<std::string> log(
      lab.controller().stderr_lines().begin() + static_cast<std::ptrdiff_t>(log_from),
      lab.controller().stderr_lines().end());
  const std::vector<double> parsed_at = log_times(log, "vcenter.update");
  const std::vector<double> persisted_at = log_times(log, "graph.batch_saved");
  std::map<std::string, double> handed;
  for (const std::string& line : log) {
    if (line.find(" event=reconcile.apply ") == std::string::npos) continue;
    if (const auto t = log_time_ms(line)) handed[log_field(line, "session")] = *t;
  }
  std::vector<double> emitted, committed, planned, to_agent;
  Hops hops;
  std::size_t missing = 0;
  for (const StormLine& s : storm) {
    const Event& e = by_vlan[s.vlan];
    emitted.push_back(s.done_ms - s.sent_ms);
    hops.add(parsed_at, persisted_at, s.sent_ms);
    if (!e.commit_ms) {
      ++missing;
      continue;
    }
    committed.push_back(*e.commit_ms - s.sent_ms);
    if (e.plan_ms) planned.push_back(std::max(0.0, *e.plan_ms - s.sent_ms));
    if (const auto h = handed.find(e.session); h != handed.end()) {
      to_agent.push_back(h->second - s.sent_ms);
    }
  }
  std::printf("  %zu %s, one every %g ms; %g ms per eAPI call; watched: %s %s\n", storm.size(),
              nic ? "moves of vm-bench's vNIC to a portgroup with a new VLAN"
                  : ("VLAN changes of " + portgroup).c_str(),
              interval_ms, latency_ms, sw.c_str(), port.c_str());
  print_header("ms after the request was sent");
  print_row("emitted (vCenter task done)", emitted);
  print_row("parsed (vcenter.update)", hops.parsed);
  print_row("persisted (graph.batch_saved)", hops.persisted);
  print_row("planned (reconcile cycle started)", planned);
  print_row("eAPI sent (journaled, handed to the agent)", to_agent);
  print_row("committed on " + sw + " " + port, committed);
  // vmfabricd alone, whatever the simulator's delay: each update it parsed to the next commit on
  // the watched port that was planned after it.
  std::vector<double> own_planned, own_committed;
  for (const double parsed : parsed_at) {
    for (const Commit& c : port_commits) {
      const auto plan = planned_ms(c.session);
      if (!plan || *plan < std::floor(parsed)) continue;
      own_planned.push_back(std::max(0.0, *plan - parsed));
      own_committed.push_back(std::max(0.0, c.time_ms - parsed));
      break;
    }
  }
  print_header("ms after vmfabricd parsed an update");
  print_row("planned (reconcile cycle started)", own_planned);
  print_row("committed on " + sw + " " + port, own_committed);
  std::printf(
      "  configuration sessions: %zu on %zu switches, %zu on the watched port (%.2f per "
      "event)\n",
      sessions, switches.size(), port_sessions,
      static_cast<double>(port_sessions) / static_cast<double>(storm.size()));
  Result r;
  r.check(storm.size() == static_cast<std::size_t>(events) && missing == 0,
          "every event committed (" + std::to_string(missing) + " missing)");
  r.check(percentile(committed, 0.5) <= 15, "p50 sent -> committed <= 15 ms");
  r.check(percentile(committed, 0.99) <= 50, "p99 sent -> committed <= 50 ms");
  return r.ok ? 0 : 1;
}

// ---- vmotion -------------------------------------------------------------------------------

// One move of the vMotion storm: vm-`vm` to esx-`to`, and when the harness requested and saw it
// done (its own clock).
struct VmotionMove {
  int vm = 0, to = 0;
  double sent_ms = 0, done_ms = 0;
  std::string error;
};

// Where vmfabricd has the moves whose VLAN never reached the destination, once the fabric
// settled: it tells a move vmfabricd never learned of from one it placed but did not plan for.
void print_never_added(E2eLab& lab, const std::vector<const VmotionMove*>& moves) {
  if (moves.empty()) return;
  std::map<std::string, std::size_t> counts;
  for (const VmotionMove* m : moves) {
    const auto r = lab.api_get("/api/v1/vms/" + system_vm(m->vm));
    std::string where = "no such VM";
    if (r.status == 200) {
      const json vm = json::parse(r.body);
      where = vm.at("host") == system_host(m->to) ? "on the destination" : "elsewhere";
      if (!vm.at("migrating_to").is_null()) where += ", migrating";
    }
    ++counts[where];
  }
  std::printf("  moves whose VLAN never reached the destination (%zu), where vmfabricd has them:\n",
              moves.size());
  for (const auto& [where, n] : counts) std::printf("    %5zu  %s\n", n, where.c_str());
}

int vmotion(int argc, char** argv) {
  const SystemLabShape shape =
      shape_of(static_cast<int>(bench_option(argc, argv, "--switches", 200)),
               static_cast<int>(bench_option(argc, argv, "--vms", 10000)));
  const int moves = static_cast<int>(bench_option(argc, argv, "--moves", 800));
  const double seconds = bench_option(argc, argv, "--seconds", 10);
  const double delay_ms = bench_option(argc, argv, "--vmotion-delay-ms", 1000);
  const double latency_ms = bench_option(argc, argv, "--latency-ms", 5.5);
  const auto seed = static_cast<std::uint32_t>(
      bench_option(argc, argv, "--seed", static_cast<double>(std::random_device{}())));
  if (moves < 1 || moves > shape.vms || seconds <= 0 || shape.cluster_size < 2) {
    throw std::invalid_argument("--moves must be 1 to the number of VMs, --seconds > 0");
  }
  const auto run = start(shape, 10, fmt(delay_ms) + "ms");
  E2eLab& lab = *run->lab;
  print_lab(*run, "vmotion");

  // Distinct VMs, each to another host of its cluster.
  std::mt19937 rng(seed);
  std::vector<int> vms(static_cast<std::size_t>(shape.vms));
  for (int i = 0; i < shape.vms; ++i) vms[static_cast<std::size_t>(i)] = i;
  std::shuffle(vms.begin(), vms.end(), rng);
  const int hosts = system_hosts(shape);
  std::vector<VmotionMove> plan;
  std::ofstream moves_file(run->dir.file("moves.jsonl"));
  for (int i = 0; i < moves; ++i) {
    const int vm = vms[static_cast<std::size_t>(i)], from = system_vm_host(shape, vm);
    const int cluster = from / shape.cluster_size;
    const int size = std::min(shape.cluster_size, hosts - cluster * shape.cluster_size);
    if (size < 2) throw std::runtime_error("a cluster of one host: no vMotion possible");
    int to = from;
    while (to == from) to = cluster * shape.cluster_size + static_cast<int>(rng() % size);
    plan.push_back({vm, to, 0, 0, {}});
    moves_file << json{{"vm", system_vm(vm)}, {"host", system_host(to)}}.dump() << '\n';
  }
  moves_file.close();

  // What the destination ports allow before the storm (VLANs are only added during it).
  std::map<std::string, json> before;
  for (const VmotionMove& m : plan) {
    for (int n = 0; n < 2; ++n) {
      const std::string leaf = system_host_leaf(shape, m.to, n);
      if (!before.contains(leaf)) before[leaf] = lab.fabric().state(leaf);
    }
  }
  const std::uint64_t since = journal_head(lab.fabric());
  const std::size_t log_from = lab.controller().stderr_lines().size();
  lab.fabric().inject({{"switch", "*"}, {"kind", "latency"}, {"latency_ms", latency_ms}});
  const double interval_ms = seconds * 1000 / moves;
  auto storm = std::async(std::launch::async, [&] {
    return lab.vcenter().client({"vmotion-storm", "--moves", run->dir.file("moves.jsonl"),
                                 "--interval", fmt(interval_ms) + "ms", "--timeout",
                                 fmt(seconds + delay_ms / 1000 + 300) + "s"});
  });
  if (!lab.eventually([&] { return storm.wait_for(0s) == std::future_status::ready; },
                      std::chrono::seconds(static_cast<int>(seconds + delay_ms / 1000) + 400))) {
    throw std::runtime_error("vmotion-storm did not finish");
  }
  std::string output;
  try {
    output = storm.get();
  } catch (const std::exception& e) {
    output = e.what();  // failed moves: the lines are still there, with "error"
  }
  std::size_t reported = 0;
  {
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("{")) continue;
      const json j = json::parse(line);
      VmotionMove& m = plan.at(j.at("i").get<std::size_t>());
      m.sent_ms = static_cast<double>(j.at("sent_ns").get<std::int64_t>()) / 1e6;
      m.done_ms = static_cast<double>(j.at("done_ns").get<std::int64_t>()) / 1e6;
      if (j.contains("error")) m.error = j["error"].get<std::string>();
      ++reported;
    }
  }
  const std::vector<json> journal = settle(lab, since, 2s, 120s);
  // When each (switch, interface) first allowed each VLAN during the storm.
  std::map<std::pair<std::string, std::string>, std::map<int, double>> added_at;
  for (const json& entry : journal) {
    const Commit c = parse_commit(entry);
    for (const auto& [interface, vlans] : c.added) {
      auto& at = added_at[{c.sw, interface}];
      for (const VlanId v : vlans.ids()) at.try_emplace(v.value, c.time_ms);
    }
  }
  std::vector<double> needed_ms, sent_to_done;
  std::size_t late = 0, failed = 0, already = 0;
  std::vector<const VmotionMove*>
      never_added;  // late moves whose VLAN never reached the destination
  for (const VmotionMove& m : plan) {
    if (!m.error.empty() || m.sent_ms == 0) {
      ++failed;
      continue;
    }
    sent_to_done.push_back(m.done_ms - m.sent_ms);
    const int vlan = kFirstPortgroupVlan + system_vm_portgroup(shape, m.vm);
    double ready = 0;  // when both destination ports allowed the VLAN (0: before the move)
    bool missing = false;
    for (int n = 0; n < 2; ++n) {
      const std::string leaf = system_host_leaf(shape, m.to, n),
                        port = system_host_port(shape, m.to);
      const std::string allowed = before[leaf].at("interfaces").at(port).at("allowed");
      if (VlanSet::parse(allowed).contains(VlanId::checked(vlan))) continue;
      const auto& at = added_at[{leaf, port}];
      const auto it = at.find(vlan);
      if (it == at.end()) {
        missing = true;
      } else {
        ready = std::max(ready, it->second);
      }
    }
    if (missing || ready > m.done_ms) ++late;
    if (missing) never_added.push_back(&m);
    if (!missing && ready == 0) ++already;
    if (!missing && ready > 0) needed_ms.push_back(std::max(0.0, ready - m.sent_ms));
  }
  std::printf(
      "  %d moves over %g s (one every %.1f ms), each migration %g ms; %g ms per eAPI "
      "call; seed %u\n",
      moves, seconds, interval_ms, delay_ms, latency_ms, seed);
  print_header("ms after the migration was requested");
  print_row("migration done (VmMigratedEvent)", sent_to_done);
  print_row("VLAN on both destination ports (moves needing it)", needed_ms);
  std::printf("  moves: %zu reported, %zu failed, %zu found the VLAN already there, %zu late\n",
              reported, failed, already, late);
  std::printf("  configuration sessions during the storm: %zu\n", journal.size());
  // How far vmfabricd got: its work during the run, relative to the first move.
  const std::vector<std::string> log(
      lab.controller().stderr_lines().begin() + static_cast<std::ptrdiff_t>(log_from),
      lab.controller().stderr_lines().end());
  const double first_sent = plan.empty() ? 0 : plan.front().sent_ms;
  for (const char* event : {"vcenter.update", "graph.batch_saved", "reconcile.apply"}) {
    const std::vector<double> at = log_times(log, event);
    std::printf("  vmfabricd %-18s %5zu lines, the last %8.0f ms after the first move\n", event,
                at.size(), at.empty() ? 0.0 : at.back() - first_sent);
  }
  print_never_added(lab, never_added);
  Result r;
  r.check(reported == static_cast<std::size_t>(moves) && failed == 0, "every move done");
  r.check(late == 0, "no move completed before its VLAN was on the destination");
  r.check(percentile(needed_ms, 0.99) <= 250, "p99 requested -> VLAN on the destination <= 250 ms");
  return r.ok ? 0 : 1;
}

// ---- sync ----------------------------------------------------------------------------------

// vmfabricd's `vmfabricd.starting` time (unix ms), from its log.
double started_ms(E2eLab& lab) {
  const std::vector<double> t = log_times(lab.controller().stderr_lines(), "vmfabricd.starting");
  if (t.empty()) throw std::runtime_error("vmfabricd logged no vmfabricd.starting line");
  return t.back();
}

// Waits until vmfabricd is in sync after its `count`th full sync; returns the unix ms the API
// first showed it so. Until vmfabricd logs that sync's `vcenter.synced` it reads the log, and only
// then polls the API (until the sync is published): polling all along cost vmfabricd CPU while it
// synced (each answer counts every VM), and each answer's log line woke the next poll at once.
double wait_in_sync(E2eLab& lab, std::size_t count, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  };
  while (log_times(lab.controller().stderr_lines(), "vcenter.synced").size() < count) {
    if (left().count() <= 0) throw std::runtime_error("vmfabricd logged no vcenter.synced");
    lab.controller().wait_for_stderr(" event=vcenter.synced ", left());
  }
  if (!lab.eventually([&] { return in_sync(lab); }, left())) {
    throw std::runtime_error("vmfabricd did not get in sync with vCenter");
  }
  return unix_now_ms();
}

// How long each full sync itself took (the `ms` of vmfabricd's `vcenter.synced` lines), in s.
std::vector<double> sync_durations(E2eLab& lab) {
  std::vector<double> out;
  for (const std::string& line : lab.controller().stderr_lines()) {
    if (line.find(" event=vcenter.synced ") != std::string::npos) {
      out.push_back(std::atof(log_field(line, "ms").c_str()) / 1000);
    }
  }
  return out;
}

// CPU seconds vmfabricd and the vCenter simulator spent.
struct SyncCpu {
  double vmfabricd = 0;
  double simulator = 0;
  SyncCpu operator-(const SyncCpu& o) const {
    return {vmfabricd - o.vmfabricd, simulator - o.simulator};
  }
};

void print_cpu(const SyncCpu& cpu) {
  std::printf("  %-56s %5.2f / %5.2f s\n", "  CPU meanwhile: vmfabricd / vCenter simulator",
              cpu.vmfabricd, cpu.simulator);
}

int initial_sync(int argc, char** argv) {
  const int switches = static_cast<int>(bench_option(argc, argv, "--switches", 200));
  const int vms = static_cast<int>(bench_option(argc, argv, "--vms", 40000));
  const int baseline_vms = static_cast<int>(bench_option(argc, argv, "--baseline-vms", 0));
  double baseline_mib = 0;
  {
    const auto base = start(shape_of(switches, baseline_vms), 10);
    baseline_mib = process_memory_mib(base->lab->controller().pid(), "VmRSS");
    std::printf("system_bench sync: baseline lab (%d VMs): vmfabricd resident %.1f MiB\n",
                baseline_vms + 1, baseline_mib);
  }
  const auto t0 = Clock::now();
  const auto run = launch(shape_of(switches, vms), 10);  // returns once vmfabricd logged ready
  E2eLab& lab = *run->lab;
  // The CPU each side spent on each sync: which one bounds it on this shared machine.
  const auto cpu = [&] {
    return SyncCpu{process_cpu_s(lab.controller().pid()), process_cpu_s(lab.vcenter().pid())};
  };
  const SyncCpu initial_from{0, cpu().simulator};  // vmfabricd just started
  const double first_start = started_ms(lab);
  const double synced = wait_in_sync(lab, 1, 300s);
  const SyncCpu initial_cpu = cpu() - initial_from;
  const double initial_s = (synced - first_start) / 1000;
  const json vc = vcenter_status(lab);
  lab.wait_quiet(400s);
  const std::vector<json> initial_journal = journal_since(lab.fabric(), 0);
  double last_commit = 0;
  for (const json& e : initial_journal)
    last_commit = std::max(last_commit, e["time"].get<double>() * 1000);
  run->setup_s = seconds_since(t0);
  print_lab(*run, "sync");
  const double rss = process_memory_mib(lab.controller().pid(), "VmRSS");
  const double hwm = process_memory_mib(lab.controller().pid(), "VmHWM");
  const double per_vm_kb = (rss - baseline_mib) * 1024 / std::max(1, vms - baseline_vms);

  // vCenter restarts: vmfabricd reconnects and resyncs everything.
  std::uint64_t head = journal_head(lab.fabric());
  lab.kill_vcenter();
  lab.eventually([&] { return !in_sync(lab); }, 60s);
  const auto vc_start = Clock::now();
  lab.start_vcenter();
  const double vcsim_s = seconds_since(vc_start);
  const double reconnect_from = unix_now_ms();
  const SyncCpu resync_from = cpu();
  const double resynced = wait_in_sync(lab, 2, 300s);
  const SyncCpu resync_cpu = cpu() - resync_from;
  lab.wait_quiet(400s);
  const std::size_t resync_sessions = journal_since(lab.fabric(), head).size();
  const std::vector<double> first_syncs = sync_durations(lab);  // the initial one, the resync
  const double resync_s = first_syncs.size() == 2 ? first_syncs[1] : -1;

  // vmfabricd restarts on its database.
  head = journal_head(lab.fabric());
  lab.stop_controller();
  const double simulator_before = process_cpu_s(lab.vcenter().pid());
  lab.start_controller();
  const double restarted = wait_in_sync(lab, 1, 300s);
  const SyncCpu restart_cpu = cpu() - SyncCpu{0, simulator_before};
  const double restart_s = (restarted - started_ms(lab)) / 1000;
  lab.wait_quiet(400s);
  const std::size_t restart_sessions = journal_since(lab.fabric(), head).size();
  const double restarted_rss = process_memory_mib(lab.controller().pid(), "VmRSS");
  const std::vector<double> restart_syncs = sync_durations(lab);

  std::printf("  %-56s %8.2f s   (%s hosts, %s VMs; the sync itself %.2f s)\n",
              "initial sync: vmfabricd starting -> in sync", initial_s,
              vc.value("hosts", json()).dump().c_str(), vc.value("vms", json()).dump().c_str(),
              first_syncs.empty() ? -1.0 : first_syncs.front());
  print_cpu(initial_cpu);
  std::printf("  %-56s %8.2f s   (%zu sessions)\n", "  -> last switch committed",
              (last_commit - first_start) / 1000, initial_journal.size());
  std::printf("  %-56s %8.2f s   (the simulator's start: %.1f s)\n",
              "resync after vCenter restarted: up -> in sync", (resynced - reconnect_from) / 1000,
              vcsim_s);
  std::printf("  %-56s %8.2f s   (the rest: vmfabricd's reconnect backoff)\n",
              "  the resync itself (vcenter.synced)", resync_s);
  print_cpu(resync_cpu);
  std::printf("  %-56s %8zu\n", "  configuration sessions", resync_sessions);
  std::printf("  %-56s %8.2f s   (the sync itself: %.2f s)\n",
              "resync after vmfabricd restarted: starting -> in sync", restart_s,
              restart_syncs.empty() ? -1.0 : restart_syncs.front());
  print_cpu(restart_cpu);
  std::printf("  %-56s %8zu\n", "  configuration sessions", restart_sessions);
  std::printf("  %-56s %8.1f MiB (peak %.1f MiB; %d VMs: %.1f MiB)\n", "vmfabricd resident memory",
              rss, hwm, baseline_vms + 1, baseline_mib);
  std::printf("  %-56s %8.1f MiB\n", "  after the restart and resync", restarted_rss);
  std::printf("  %-56s %8.2f KB\n", "memory per VM (resident minus baseline, per VM)", per_vm_kb);
  Result r;
  r.check(vc.value("vms", 0) == vms + 1, "every VM in the graph");
  r.check(initial_s <= 10, "initial sync <= 10 s");
  r.check(resync_s >= 0 && resync_s <= 10, "resync after reconnect <= 10 s");
  r.check(restart_s <= 10, "resync after restart <= 10 s");
  r.check(resync_sessions == 0 && restart_sessions == 0, "no switch written by a resync");
  r.check(per_vm_kb <= 1.5, "memory per VM <= 1.5 KB");
  return r.ok ? 0 : 1;
}

// ---- wide-vlan -----------------------------------------------------------------------------

int wide_vlan(int argc, char** argv) {
  const SystemLabShape shape =
      shape_of(static_cast<int>(bench_option(argc, argv, "--switches", 1000)),
               static_cast<int>(bench_option(argc, argv, "--vms", 1000)));
  const double latency_ms = bench_option(argc, argv, "--latency-ms", 5.5);
  const int switches = kBenchSpines + shape.leaves;
  const auto run = start(shape, switches > 200 ? 30 : 10);
  E2eLab& lab = *run->lab;
  print_lab(*run, "wide-vlan");
  const std::uint64_t since = journal_head(lab.fabric());
  const std::size_t log_from = lab.controller().stderr_lines().size();
  lab.fabric().inject({{"switch", "*"}, {"kind", "latency"}, {"latency_ms", latency_ms}});
  const int vlan = kFirstStormVlan;
  const std::vector<StormLine> storm =
      run_storm(lab, {"--portgroup", "dv-vmotion", "--first-vlan", std::to_string(vlan)}, 1, 0);
  if (storm.size() != 1) throw std::runtime_error("the VLAN change was not made");
  const double sent = storm[0].sent_ms;
  // Every switch commits the new VLAN (every leaf has a host, every spine a leaf).
  std::map<std::string, double> committed_at;
  std::vector<double> planned;
  lab.eventually(
      [&] {
        for (const json& entry : journal_since(lab.fabric(), since)) {
          const Commit c = parse_commit(entry);
          if (committed_at.contains(c.sw)) continue;
          for (const auto& [interface, vlans] : c.added) {
            if (!vlans.contains(VlanId::checked(vlan))) continue;
            committed_at[c.sw] = c.time_ms;
            if (const auto p = planned_ms(c.session)) planned.push_back(*p - sent);
            break;
          }
        }
        return committed_at.size() == static_cast<std::size_t>(switches);
      },
      120s);
  const std::vector<std::string> log(
      lab.controller().stderr_lines().begin() + static_cast<std::ptrdiff_t>(log_from),
      lab.controller().stderr_lines().end());
  Hops hops;
  hops.add(log_times(log, "vcenter.update"), log_times(log, "graph.batch_saved"), sent);
  std::vector<double> handed, committed;
  for (const std::string& line : log) {
    if (line.find(" event=reconcile.apply ") == std::string::npos) continue;
    if (const auto t = log_time_ms(line)) handed.push_back(*t - sent);
  }
  for (const auto& [sw, t] : committed_at) committed.push_back(t - sent);
  std::printf("  dv-vmotion (every host's vmk1) to VLAN %d; %g ms per eAPI call\n", vlan,
              latency_ms);
  print_header("ms after the request was sent");
  print_row("emitted (vCenter task done)", {storm[0].done_ms - sent});
  print_row("parsed (vcenter.update)", hops.parsed);
  print_row("persisted (graph.batch_saved)", hops.persisted);
  print_row("planned (reconcile cycle started), per switch", planned);
  print_row("eAPI sent (handed to the agent), per switch", handed);
  print_row("committed, per switch", committed);
  const double last = committed.empty() ? 0 : *std::max_element(committed.begin(), committed.end());
  std::printf("  switches that committed VLAN %d: %zu of %d; the last %.1f ms after the request\n",
              vlan, committed_at.size(), switches, last);
  Result r;
  r.check(committed_at.size() == static_cast<std::size_t>(switches), "every switch committed it");
  r.check(last <= 2000, "the last switch within 2 s");
  return r.ok ? 0 : 1;
}

// ---- faults --------------------------------------------------------------------------------

int faults(int argc, char** argv) {
  const SystemLabShape shape =
      shape_of(static_cast<int>(bench_option(argc, argv, "--switches", 200)),
               static_cast<int>(bench_option(argc, argv, "--vms", 2000)));
  const double percent = bench_option(argc, argv, "--failing-percent", 5);
  const double latency_ms = bench_option(argc, argv, "--latency-ms", 5.5);
  const auto seed = static_cast<std::uint32_t>(
      bench_option(argc, argv, "--seed", static_cast<double>(std::random_device{}())));
  const int switches = kBenchSpines + shape.leaves;
  const auto failing_count = static_cast<std::size_t>(std::max(1.0, switches * percent / 100));
  if (percent <= 0 || failing_count >= static_cast<std::size_t>(shape.leaves)) {
    throw std::invalid_argument("--failing-percent must leave some leaves healthy");
  }
  constexpr int kPruneDelayS = 5;  // the removals' hold-down, short enough to wait for
  const auto run = start(shape, 10, "1500ms", kPruneDelayS);
  E2eLab& lab = *run->lab;
  print_lab(*run, "faults");

  // Failing leaves, seeded; the three kinds of fault in turn.
  std::vector<std::string> leaves;
  for (int i = 0; i < shape.leaves; ++i) leaves.push_back(bench_leaf(i));
  std::mt19937 rng(seed);
  std::shuffle(leaves.begin(), leaves.end(), rng);
  const std::vector<std::string> kinds = {"drop", "http500", "fail_commit"};
  std::map<std::string, std::string> failing;  // switch -> fault kind
  for (std::size_t i = 0; i < failing_count; ++i) failing[leaves[i]] = kinds[i % kinds.size()];

  const auto inject_faults = [&] {
    for (const auto& [sw, kind] : failing) lab.fabric().inject({{"switch", sw}, {"kind", kind}});
  };
  const auto clear_faults = [&] {
    lab.fabric().clear_faults();
    lab.fabric().inject({{"switch", "*"}, {"kind", "latency"}, {"latency_ms", latency_ms}});
  };
  // The times in `at` of the healthy switches, in ms after `from`.
  const auto healthy_after = [&](const std::map<std::string, double>& at, double from) {
    std::vector<double> out;
    for (const auto& [sw, t] : at) {
      if (!failing.contains(sw)) out.push_back(t - from);
    }
    return out;
  };

  const std::uint64_t since = journal_head(lab.fabric());
  const std::size_t journal_before = lab.changes().size();
  clear_faults();  // the latency alone
  inject_faults();

  // Every host's vmk1 portgroup also carries VLAN 2000: every switch needs it, none loses one.
  const int vlan = kFirstStormVlan;
  const double sent = unix_now_ms();
  lab.vcenter().client({"set-dvportgroup-vlan", "dv-vmotion", "--trunk",
                        std::to_string(kVmotionVlan) + "," + std::to_string(vlan)});
  std::map<std::string, double> committed_at;  // switch -> when it committed the VLAN
  const auto scan = [&] {
    for (const json& entry : journal_since(lab.fabric(), since)) {
      const Commit c = parse_commit(entry);
      for (const auto& [interface, vlans] : c.added) {
        if (vlans.contains(VlanId::checked(vlan))) committed_at.try_emplace(c.sw, c.time_ms);
      }
    }
  };
  const auto healthy_done = [&] {
    scan();
    return healthy_after(committed_at, 0).size() ==
           static_cast<std::size_t>(switches) - failing.size();
  };
  const bool healthy_converged = lab.eventually(healthy_done, 120s);
  const std::vector<double> healthy_ms = healthy_after(committed_at, sent);

  // Each failing switch: reported (unreachable, or its changes failed) and tried again.
  // Per switch, the journal entries made since the faults that failed or were aborted.
  const auto failed_since = [&] {
    std::map<std::string, std::size_t> out;
    const auto all = lab.changes();
    for (std::size_t i = 0; i + journal_before < all.size(); ++i) {
      const json& c = all[i];  // newest first: the entries made since the faults
      if (c.at("result") == "failed" || c.at("result") == "aborted") {
        ++out[c.at("switch").get<std::string>()];
      }
    }
    return out;
  };
  const auto reachability = [&](const std::string& sw) {
    return json::parse(lab.api_get("/api/v1/switches/" + sw).body)
        .at("reachability")
        .get<std::string>();
  };
  std::map<std::string, std::pair<std::string, int>> reported;  // switch -> (how, attempts)
  const bool all_reported = lab.eventually(
      [&] {
        const json stats = lab.fabric().stats();
        auto failed_changes = failed_since();
        for (const auto& [sw, kind] : failing) {
          const std::size_t failed = failed_changes[sw];
          // A failed commit is the engine's (the request itself succeeds): each attempt is a
          // failed change.
          const int attempts =
              kind == "fail_commit" ? static_cast<int>(failed) : stats[sw]["faults"].value(kind, 0);
          const std::string reach = reachability(sw);
          if (attempts < 2 || (reach == "reachable" && failed == 0)) return false;
          reported[sw] = {reach + ", " + std::to_string(failed) + " failed changes", attempts};
        }
        return true;
      },
      180s);
  std::size_t healthy_failed = 0;
  for (const auto& [sw, n] : failed_since()) healthy_failed += failing.contains(sw) ? 0 : n;
  bool failing_committed = false;
  for (const auto& [sw, kind] : failing) failing_committed |= committed_at.contains(sw);

  // The faults cleared: the failing switches catch up.
  const double cleared = unix_now_ms();
  clear_faults();
  const bool recovered = lab.eventually(
      [&] {
        scan();
        return committed_at.size() == static_cast<std::size_t>(switches);
      },
      180s);
  std::vector<double> recovered_ms;
  for (const auto& [sw, kind] : failing) {
    if (committed_at.contains(sw)) recovered_ms.push_back(committed_at[sw] - cleared);
  }
  lab.wait_quiet(std::chrono::seconds(300));

  // Removals while the same switches fail again: dv-vmotion drops the VLAN. The healthy switches
  // remove it after the hold-down (and then delete it: vmfabric created it), the failing ones
  // once their faults clear.
  inject_faults();
  const std::uint64_t before_drop = journal_head(lab.fabric());
  const double dropped = unix_now_ms();
  lab.vcenter().client(
      {"set-dvportgroup-vlan", "dv-vmotion", "--trunk", std::to_string(kVmotionVlan)});
  std::map<std::string, double> removed_at, deleted_at;  // switch -> when
  const auto scan_removals = [&] {
    for (const json& entry : journal_since(lab.fabric(), before_drop)) {
      const Commit c = parse_commit(entry);
      for (const auto& [interface, vlans] : c.removed) {
        if (vlans.contains(VlanId::checked(vlan))) removed_at.try_emplace(c.sw, c.time_ms);
      }
      if (c.deleted.contains(VlanId::checked(vlan))) deleted_at.try_emplace(c.sw, c.time_ms);
    }
  };
  const std::size_t healthy = static_cast<std::size_t>(switches) - failing.size();
  const bool healthy_removed = lab.eventually(
      [&] {
        scan_removals();
        return healthy_after(removed_at, 0).size() == healthy &&
               healthy_after(deleted_at, 0).size() == healthy;
      },
      std::chrono::seconds(4 * kPruneDelayS + 120));
  const std::vector<double> removed_ms = healthy_after(removed_at, dropped);
  const std::vector<double> deleted_ms = healthy_after(deleted_at, dropped);
  bool failing_removed = false;
  for (const auto& [sw, kind] : failing) failing_removed |= removed_at.contains(sw);
  const json plan_while_failing = json::parse(lab.api_get("/api/v1/plan").body);
  clear_faults();
  const bool all_removed = lab.eventually(
      [&] {
        scan_removals();
        return deleted_at.size() == static_cast<std::size_t>(switches);
      },
      std::chrono::seconds(4 * kPruneDelayS + 180));

  lab.wait_quiet(std::chrono::seconds(300));
  const json audit = lab.run_audit(std::chrono::seconds(300));
  const E2eLab::JournalCheck journal = lab.check_journal();

  std::printf(
      "  %zu of %d switches failing (%g%%, seed %u); dv-vmotion also carries VLAN %d, then not; "
      "%g ms per eAPI call, %d s hold-down\n",
      failing.size(), switches, percent, seed, vlan, latency_ms, kPruneDelayS);
  for (const auto& [sw, kind] : failing) {
    const auto it = reported.find(sw);
    std::printf("    %-10s %-12s %s\n", sw.c_str(), kind.c_str(),
                it == reported.end()
                    ? "not reported"
                    : ("reported " + it->second.first + "; " + std::to_string(it->second.second) +
                       " attempts hit the fault")
                          .c_str());
  }
  print_header("ms");
  print_row("healthy switches: request -> VLAN committed", healthy_ms);
  print_row("failing switches: faults cleared -> VLAN committed", recovered_ms);
  print_row("healthy, 5% failing again: dropped -> removed", removed_ms);
  print_row("healthy, 5% failing again: dropped -> deleted", deleted_ms);
  std::printf("  failed changes on healthy switches: %zu\n", healthy_failed);
  std::printf("  removals frozen while failing: %s\n",
              plan_while_failing.at("removals_frozen").is_null()
                  ? "no"
                  : plan_while_failing.at("removals_frozen").get<std::string>().c_str());
  std::printf(
      "  audit: %s, %zu findings; journal: %zu sessions committed, %zu lost, %zu pending, "
      "%zu failed or aborted\n",
      audit.value("status", "?").c_str(), audit.at("findings").size(), journal.committed,
      journal.lost.size(), journal.pending, journal.failed);
  for (const std::string& lost : journal.lost) std::printf("    lost: %s\n", lost.c_str());
  Result r;
  r.check(healthy_converged, "every healthy switch committed the VLAN");
  r.check(healthy_failed == 0, "no change failed on a healthy switch");
  r.check(all_reported, "every failing switch reported and tried again");
  r.check(!failing_committed, "no failing switch committed while failing");
  r.check(recovered, "every failing switch committed the VLAN once the faults cleared");
  r.check(healthy_removed, "failing again, every healthy switch removed and deleted the VLAN");
  r.check(!failing_removed, "no failing switch removed it while failing");
  r.check(all_removed, "every failing switch removed and deleted it once the faults cleared");
  r.check(audit.value("status", "") == "done" && audit.at("findings").empty(), "a clean audit");
  r.check(journal.lost.empty() && journal.pending == 0, "nothing lost from the journal");
  return r.ok ? 0 : 1;
}

int print_topology(int argc, char** argv) {
  std::printf("%s\n",
              system_lab(shape_of(static_cast<int>(bench_option(argc, argv, "--switches", 200)),
                                  static_cast<int>(bench_option(argc, argv, "--vms", 10000))))
                  .dump(1)
                  .c_str());
  return 0;
}

int usage() {
  std::fprintf(
      stderr,
      "usage: system_bench vm-change|vmotion|sync|wide-vlan|faults|topology [options] (see "
      "the "
      "comment at the top of tests/bench/system_bench.cpp)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string scenario = argv[1];
  try {
    if (scenario == "vm-change") return vm_change(argc, argv);
    if (scenario == "vmotion") return vmotion(argc, argv);
    if (scenario == "sync") return initial_sync(argc, argv);
    if (scenario == "wide-vlan") return wide_vlan(argc, argv);
    if (scenario == "faults") return faults(argc, argv);
    if (scenario == "topology") return print_topology(argc, argv);
    return usage();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "system_bench %s: %s\n", scenario.c_str(), e.what());
    return 1;
  }
}
