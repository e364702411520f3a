// What a drift audit found, as plain values: kept by the store, printed by the API, computed by
// controller/audit.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/vlan_set.h"

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

// The switch's latest configuration session not made by vmfabric, committed after vmfabric's own
// latest change at the finding's place (or at all, when vmfabric made none): who changed it, and
// when, as the switch says.
struct OutsideChange {
  std::string session;
  std::string user;  // "" when the switch does not say
  std::int64_t at_ms = 0;
  bool operator==(const OutsideChange&) const = default;
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
  std::optional<OutsideChange> outside;  // VLAN findings only
  std::string detail;                    // one sentence: what differs, and what to do about it
  bool operator==(const Finding&) const = default;
};

inline constexpr std::array<FindingKind, 7> kFindingKinds = {
    FindingKind::kVlanMissing,       FindingKind::kVlanUnneeded,
    FindingKind::kVlanNotInDatabase, FindingKind::kSwitchUnreachable,
    FindingKind::kUplinkUnlocated,   FindingKind::kUplinkBundleMismatch,
    FindingKind::kClusterGap};

// "vlan-missing", "vlan-unneeded", "vlan-not-in-database", "switch-unreachable",
// "uplink-unlocated", "uplink-bundle-mismatch", "cluster-gap".
const char* to_string(FindingKind kind);
// The kind `to_string` names, if any.
std::optional<FindingKind> finding_kind(std::string_view name);

}  // namespace vmfabric::audit
