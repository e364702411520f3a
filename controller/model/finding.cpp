#include "model/finding.h"

namespace vmfabric::audit {

const char* to_string(FindingKind kind) {
  switch (kind) {
    case FindingKind::kVlanMissing:
      return "vlan-missing";
    case FindingKind::kVlanUnneeded:
      return "vlan-unneeded";
    case FindingKind::kVlanNotInDatabase:
      return "vlan-not-in-database";
    case FindingKind::kSwitchUnreachable:
      return "switch-unreachable";
    case FindingKind::kUplinkUnlocated:
      return "uplink-unlocated";
    case FindingKind::kUplinkBundleMismatch:
      return "uplink-bundle-mismatch";
    case FindingKind::kClusterGap:
      return "cluster-gap";
  }
  return "unknown";
}

std::optional<FindingKind> finding_kind(std::string_view name) {
  for (const FindingKind k : kFindingKinds) {
    if (name == to_string(k)) return k;
  }
  return std::nullopt;
}

}  // namespace vmfabric::audit
