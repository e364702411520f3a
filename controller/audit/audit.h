// Drift audit, the pure part: what differs between the fabric as just read from the switches and
// what vmfabric wants, and what in the discovered topology would stop it from serving a VM. No
// I/O, clock or threads: the switches' fresh readings arrive as a graph snapshot, the journal and
// the planner's explanations as inputs.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "model/finding.h"
#include "planner/planner.h"
#include "store/store.h"

namespace vmfabric::audit {

struct AuditInput {
  // The graph with every reachable switch read just now.
  const Snapshot& live;
  // The plan of `live` (planner::plan or a Planner updated to it).
  const planner::Plan& plan;
  const planner::PlanPolicy& policy;
  // Switches whose reading failed now (they may still look reachable in `live`).
  std::set<std::string> unreadable;
  // The journal's applied changes, oldest first (to tell what was undone outside vmfabric).
  const std::vector<JournalEntry>& journal;
  // The planner's reasons for `vlan` on `where` (Planner::explain); may be empty.
  std::function<std::vector<std::string>(const InterfaceId& where, VlanId vlan)> explain;
  // What the reconciler established (Store::baseline), when known: a VLAN it is still adding
  // (planned, not established yet) or still removing (established, unplanned: its hold-down)
  // is a plan change under way, not drift. An interface without an entry is judged on the plan
  // alone.
  const Baseline* established = nullptr;
};

// Every finding: switches by name (each one's interfaces by name, then its VLAN database), then
// uplink findings by host and pnic, then cluster gaps by host. Switches that
// are unreadable or not reachable get one kSwitchUnreachable finding and nothing else.
// VLAN findings name the switch's latest configuration session not by vmfabric
// (Switch::config_sessions) when it committed after vmfabric's own latest change undone there, or
// at all when there is none (Finding::outside).
std::vector<Finding> find_drift(const AuditInput& input);

}  // namespace vmfabric::audit
