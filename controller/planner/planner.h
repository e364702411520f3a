// The planner: from one graph snapshot (vCenter's view and the switches' view) and the policy,
// where every managed VLAN must be allowed in the fabric. Pure: no I/O, clock or threads; the
// same snapshot and policy always give the same plan.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "model/model.h"

namespace vmfabric::planner {

enum class DemandMode { kOnDemand, kCluster, kPortgroup };

struct PlanPolicy {
  VlanSet managed;  // only these VLANs are planned (added, removed, created)
  DemandMode mode = DemandMode::kOnDemand;
};

// ---- correlation: which switch port each ESX uplink is on ------------------------------------

// How an uplink's switch port was learnt, best first.
enum class Evidence {
  kHostLldp,    // the host's QueryNetworkHint LLDP: chassis id / system name + port id
  kHostCdp,     // the host's QueryNetworkHint CDP: device id + port id
  kSwitchLldp,  // the switch's LLDP neighbour: system name = host (FQDN or short, any case) and
                // port id = vmnic, or chassis id = the pnic's MAC
};

// One ESX uplink located on the fabric. `port` is the physical interface; `attachment` is what
// VLANs are configured on: the port-channel when the interface is a member of one, else the
// interface itself.
struct Uplink {
  PnicId pnic;
  InterfaceId port;
  InterfaceId attachment;
  Evidence evidence = Evidence::kHostLldp;
  bool operator==(const Uplink&) const = default;
};

// An uplink that could not be located, or whose sources disagree. Never guessed: an uplink whose
// best source names a port that does not exist, or that no source finds, has no Uplink.
struct CorrelationProblem {
  PnicId pnic;
  std::string problem;  // "vmnic2 of esx-a1: host LLDP says leaf1a Ethernet11, switch LLDP says
                        // leaf1b Ethernet11"; "vmnic0 of esx-a1: no LLDP/CDP neighbour"
  bool operator==(const CorrelationProblem&) const = default;
};

struct Correlation {
  std::map<PnicId, Uplink> uplinks;
  std::vector<CorrelationProblem> problems;  // sorted by pnic
};

Correlation correlate(const Snapshot& graph);

// ---- the plan --------------------------------------------------------------------------------

enum class PortRole {
  kEsxFacing,    // an attachment of a located ESX uplink
  kInterSwitch,  // an end of a switch-to-switch link (the port-channel for bundled members),
                 // including an MLAG peer-link
};

// What one switch must have. Only interfaces with a role are listed; vmfabric touches no other.
struct SwitchPlan {
  std::map<InterfaceName, PortRole> roles;
  // The managed VLANs each listed interface must allow (empty set: none).
  std::map<InterfaceName, VlanSet> allowed;
  // The managed VLANs that must exist in the switch's VLAN database, with the name to create them
  // with (a portgroup's name made valid for EOS: southbound::eos_vlan_name rules; the
  // alphabetically first portgroup when several carry the VLAN).
  VlanNames vlans;
  bool operator==(const SwitchPlan&) const = default;
};

// Shared parts: copying a plan (to publish it to readers) costs one pointer per switch, and an
// update replaces only the switches it changed.
struct Plan {
  std::map<SwitchId, std::shared_ptr<const SwitchPlan>> switches;  // every Switch of the graph
  std::shared_ptr<const Correlation> correlation = std::make_shared<const Correlation>();

  // The plan of `sw`; nullptr when the graph has no such switch.
  const SwitchPlan* find(const SwitchId& sw) const;
  // Equal switch plans and uplinks (not the same pointers).
  bool operator==(const Plan& other) const;
};

Plan plan(const Snapshot& graph, const PlanPolicy& policy);

// plan(), kept up to date one graph change at a time. After changes that touch only VMs and
// vNICs (power, host, migration, vNIC backing: the event stream of a running data center) it
// replans only what those VMs' demand changes, in microseconds; after any other change it plans
// from scratch. Either way the result equals plan() of the same snapshot. Pure like plan().
class Planner {
 public:
  explicit Planner(PlanPolicy policy);
  ~Planner();
  Planner(Planner&&) noexcept;
  Planner& operator=(Planner&&) noexcept;

  // Plans `graph`. `changes` are the graph's batches since the snapshot planned last, in order;
  // when they do not lead exactly from that snapshot to `graph` (a version missing) the plan is
  // made from scratch. Returns the switches whose plan changed, ascending.
  std::vector<SwitchId> update(const Snapshot& graph, std::span<const GraphChanges> changes = {});

  // The current plan. A copy of it is a snapshot: a switch plan shared with a copy is copied
  // before an update changes it (one held by this planner alone is updated in place).
  const Plan& plan() const;
  const Snapshot& planned() const;  // the snapshot plan() is for
  const PlanPolicy& policy() const;
  // Whether the last update() was incremental (for benchmarks and metrics).
  bool last_update_incremental() const;

  // explain() for the current plan, from the planner's state (no replanning).
  // At most `limit` lines: the shortest fabric paths a VLAN takes grow with the square of the
  // switches that carry it, and a journal entry's cause needs only the first few.
  // With `recent` (a journal entry's cause: some reasons, not all), the VMs in it (those that
  // just changed) are searched first, then the vmkernel adapters of the hosts behind `where`, and
  // every VM only when these explain nothing: the search of every VM reads the whole inventory.
  std::vector<std::string> explain(const InterfaceId& where, VlanId vlan,
                                   std::size_t limit = SIZE_MAX,
                                   const std::vector<VmId>* recent = nullptr) const;

  // One VLAN on one interface, to explain.
  struct Question {
    InterfaceId where;
    VlanId vlan;
  };
  // explain() in two parts, for many questions at once. The demand part (VMs, vmkernel adapters,
  // portgroups) of each question, in their order: one search of every VM serves them all, where
  // explain() of each searches again. `limit` and `recent` as for explain().
  std::vector<std::vector<std::string>> explain_demand(std::span<const Question> questions,
                                                       std::size_t limit,
                                                       const std::vector<VmId>* recent) const;
  // The fabric part (paths, peer-links), added to `lines` until it holds `limit`.
  void explain_fabric(const Question& question, std::size_t limit,
                      std::vector<std::string>& lines) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Why VLAN `vlan` is allowed on interface `where` in the plan of `graph`, one line per cause,
// e.g. "VM web-3 on esx-a2.lab.local via pg-app (VLAN 120)", "vmk1 (vmotion) of esx-a2.lab.local
// via dv-vmotion", "fabric path leaf1a - spine1 - leaf2a: VLAN 120 is on leaf1a and leaf2a",
// "MLAG peer-link of pod1: VLAN 120 is on leaf1a". Empty when the plan does not allow it there.
// Computed on demand (for the API and the viewer); plans store no reasons.
std::vector<std::string> explain(const Snapshot& graph, const PlanPolicy& policy,
                                 const InterfaceId& where, VlanId vlan);

}  // namespace vmfabric::planner
