// planner_bench: the planner's cost on a large fabric, single threaded: a full plan (correlate +
// plan), an incremental replan after one VM event (power, vMotion start, vMotion end, vNIC moved
// to another portgroup), and the reconciler's diff of the whole plan against the switches.
//
//   planner_bench [--rounds N] [--events N]
//
// Fabric: 4 spines and 996 leaves in 498 MLAG pairs (1,000 switches); each leaf has Ethernet1-48
// (host ports, 4 spine uplinks Ethernet43-46, peer-link Ethernet47-48 in Port-Channel1000), each
// spine one port per leaf: ~52,000 ports. Inventory: 8 hosts per pair (3,984), clusters of 16
// hosts, vmnic0/1 on the two leaves for vSwitch0, vmnic2/3 in an MLAG port-channel for the DVS;
// 4,000 DV portgroups with VLANs 2-4001 (all managed), each cluster using 40 of them; 25 VMs per
// host (~100,000), 80% powered on. Prints one table; exits 1 when a target is missed (full plan
// 500 ms, incremental replan 1 ms at the median).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "graph/graph.h"
#include "large_lab.h"
#include "planner/planner.h"
#include "reconcile/diff.h"
#include "runtime/heap.h"

using namespace vmfabric;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point started) {
  return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// One VM event as vCenter reports it: power toggled, a vMotion starting or ending (to another
// host of the VM's MLAG pair, the lab's hosts come in eights per pair), or a vNIC moved to
// another portgroup.
Delta vm_event(const Snapshot& g, std::mt19937& rng, int vms, int kind) {
  const VmId id{VCenterId("vc1"), "vm-" + std::to_string(rng() % static_cast<unsigned>(vms))};
  Vm vm = *g.find<Vm>(id);
  Delta d;
  if (kind == 0) {
    vm.power =
        vm.power == PowerState::kPoweredOn ? PowerState::kPoweredOff : PowerState::kPoweredOn;
  } else if (kind == 1) {
    const int host = std::stoi(vm.host->moref.substr(5));
    vm.migrating_to = HostId{vm.host->vcenter, "host-" + std::to_string(host ^ 1)};
    vm.power = PowerState::kPoweredOn;
  } else if (kind == 2) {
    if (vm.migrating_to) vm.host = *vm.migrating_to;
    vm.migrating_to.reset();
  } else {
    VmNic nic = *g.find<VmNic>(VmNicId{id, 4000});
    const DvPortgroup& pg = *g.find<DvPortgroup>(*nic.backing.dv_portgroup);
    const int number = std::stoi(pg.id.moref.substr(pg.id.moref.find('-') + 1));
    nic.backing.dv_portgroup =
        DvPortgroupId{pg.id.vcenter, pg.id.moref.substr(0, pg.id.moref.find('-') + 1) +
                                         std::to_string(number ^ 1)};
    d.upsert(nic);
    return d;
  }
  d.upsert(vm);
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  int events = 2000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[++i]));
    if (std::strcmp(argv[i], "--events") == 0) events = std::max(1, std::atoi(argv[++i]));
  }
  int vms = 0;
  Graph graph;
  graph.apply(bench::large_lab(vms));
  const Snapshot snapshot = graph.snapshot();

  planner::PlanPolicy policy;
  policy.managed = VlanSet::parse("2-4001");
  std::vector<double> ms;
  planner::Plan last;
  for (int r = 0; r < rounds; ++r) {
    const auto started = Clock::now();
    last = planner::plan(snapshot, policy);  // correlate() included
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  }
  std::sort(ms.begin(), ms.end());
  const auto correlate_started = Clock::now();
  const planner::Correlation correlation = planner::correlate(snapshot);
  const double correlate_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - correlate_started).count();
  std::size_t ports = snapshot.count<Interface>();
  std::size_t allowed = 0;
  for (const auto& [id, sw] : last.switches) {
    for (const auto& [name, vlans] : sw->allowed) allowed += vlans.size();
  }
  // Incremental: one VM event at a time, as the reconciler feeds them.
  const std::size_t heap_before = runtime::bytes_in_use();
  planner::Planner planner(policy);
  planner.update(snapshot);
  const std::size_t planner_heap = runtime::bytes_in_use() - heap_before;
  std::mt19937 rng(7);
  std::vector<double> replan_ms;
  std::size_t incremental = 0;
  std::size_t switches_changed = 0;
  for (int e = 0; e < events; ++e) {
    const GraphChanges changes = graph.apply(vm_event(graph.current(), rng, vms, e % 4));
    const auto started = Clock::now();
    switches_changed += planner.update(graph.current(), {&changes, 1}).size();
    replan_ms.push_back(ms_since(started));
    if (planner.last_update_incremental()) ++incremental;
  }
  const bool same = planner.plan() == planner::plan(graph.current(), policy);

  // The reconciler's diff of the whole plan against the switches, once all have been read (they
  // allow nothing yet: every planned VLAN is a change).
  Delta read;
  for (const Switch& sw : graph.current().all<Switch>()) {
    Switch reachable = sw;
    reachable.reachability = Reachability::kReachable;
    read.upsert(reachable);
  }
  graph.apply(read);
  reconcile::SafetyPolicy safety;
  safety.managed = policy.managed;
  const std::map<std::string, VlanSet> created;
  reconcile::HoldDown holds;
  Baseline baseline;
  const auto diff_started = Clock::now();
  const reconcile::Diff diff =
      reconcile::diff(reconcile::DiffInput{planner.plan(), graph.current(), safety, created, 0, {}},
                      holds, baseline);
  const double diff_ms = ms_since(diff_started);

  std::printf("switches            %zu\n", snapshot.count<Switch>());
  std::printf("ports               %zu\n", ports);
  std::printf("hosts               %zu\n", snapshot.count<Host>());
  std::printf("VMs                 %d\n", vms);
  std::printf("managed VLANs       %zu\n", policy.managed.size());
  std::printf("uplinks located     %zu (problems %zu)\n", last.correlation->uplinks.size(),
              last.correlation->problems.size());
  std::printf("(interface, VLAN)   %zu allowed\n", allowed);
  std::printf("full plan           median %.1f ms, min %.1f ms over %d rounds (target 500 ms)\n",
              ms[ms.size() / 2], ms.front(), rounds);
  std::printf("  of which correlate %.1f ms\n", correlate_ms);
  const double replan_p50 = percentile(replan_ms, 0.5);
  std::printf(
      "incremental replan  p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d VM events (target 1 ms)\n",
      replan_p50, percentile(replan_ms, 0.99), percentile(replan_ms, 1.0), events);
  std::printf("  incremental        %zu of %d; %.2f switch plans changed per event\n", incremental,
              events, static_cast<double>(switches_changed) / events);
  std::printf("  equals a full plan %s\n", same ? "yes" : "NO");
  std::printf(
      "planner's memory    %.1f MB (its indexes, demand counts and the plan): %.0f B per VM\n",
      static_cast<double>(planner_heap) / 1e6, static_cast<double>(planner_heap) / vms);
  std::printf("diff of whole plan  %.1f ms (%zu switches to change)\n", diff_ms,
              diff.switches.size());
  return ms[ms.size() / 2] <= 500.0 && replan_p50 <= 1.0 && same ? 0 : 1;
}
