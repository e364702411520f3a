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
#include "planner/planner.h"
#include "store/store.h"

namespace vmfabric::audit {

enum class FindingKind {
  kVlanMissing,        // a VLAN the plan needs is not allowed on the interface (VMs cut off)
  kVlanUnneeded,       // a managed VLAN is allowed on a planned interface that needs it nowhere,
                       // or vmfabric created it in the VLAN database and nothing needs it any more
  kVlanNotInDatabase,  // a VLAN the plan needs is missing from the switch's VLAN database
  kSwitchUnreachable,  // the switch could not be read: nothing about it is known
  kUplinkUnlocated,    // an ESX uplink with no LLDP/CDP neighbour, or whose sources disagree
  kUplinkBundleMismatch,  // a host's uplinks of one virtual switch disagree with the switches'
                          // port-channel / MLAG membership
  kClusterGap,  // two hosts of one cluster the fabric cannot connect: a vMotion between them
                // would cut the VM off
};

// What vmfabric itself last did to one VLAN at one place, read from the journal.
struct LastChange {
  bool added = false;  // else removed (or deleted, for the VLAN database)
  std::int64_t at_ms = 0;
  std::string session;
  bool operator==(const LastChange&) const = default;
};

struct Finding {
  static constexpr std::size_t kMaxWhy = 20;
  FindingKind kind = FindingKind::kVlanMissing;
  std::string switch_name;  // empty for host and cluster findings
  std::string interface;    // empty for switch-wide findings
  std::string host;         // the ESX host concerned (uplink and cluster findings)
  std::string uplink;       // its pnic ("vmnic2"), for uplink findings
  // The VLANs concerned (VLAN findings: one finding per interface and kind, or per switch for the
  // VLAN database).
  VlanSet vlans;
  // Why it matters: the planner's reasons for missing VLANs ("VM web-3 on esx-a2 via pg-app
  // (VLAN 120)"), the VMs a cluster gap would cut off. At most kMaxWhy lines.
  std::vector<std::string> why;
  // The VLANs of `vlans` that vmfabric itself had set the other way (added what is now missing,
  // removed what is now there): changed outside vmfabric since. `last_change` is vmfabric's
  // latest such change.
  VlanSet undone;
  std::optional<LastChange> last_change;
  std::string detail;  // one sentence: what differs, and what to do about it
  bool operator==(const Finding&) const = default;
};

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
};

// Every finding: switches by name (each one's interfaces by name, then its VLAN database), then
// uplink findings by host and pnic, then cluster gaps by host. Switches that
// are unreadable or not reachable get one kSwitchUnreachable finding and nothing else.
std::vector<Finding> find_drift(const AuditInput& input);

// "vlan-missing", "vlan-unneeded", "vlan-not-in-database", "switch-unreachable",
// "uplink-unlocated", "uplink-bundle-mismatch", "cluster-gap".
const char* to_string(FindingKind kind);

}  // namespace vmfabric::audit
