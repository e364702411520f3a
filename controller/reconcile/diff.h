// The reconciler's decision, pure: from the plan, the observed switches and the safety policy,
// the ChangeSet each switch needs now. No I/O and no clock: the time is an input, and the only
// state, when each removal was first wanted (the hold-down), is an explicit object.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "graph/graph.h"
#include "planner/planner.h"
#include "southbound/change_set.h"

namespace vmfabric::reconcile {

// When each pending removal was first wanted. A removal is due once it has been wanted for the
// whole prune delay without interruption; one that stops being wanted starts over.
class HoldDown {
 public:
  // An allowed VLAN on an interface (interface name set), or a VLAN in a switch's database (empty
  // interface name).
  using Key = std::tuple<SwitchId, InterfaceName, VlanId>;

  // Records that `key` is wanted removed at `now_ms`; returns since when.
  std::int64_t want(const Key& key, std::int64_t now_ms);
  // Keeps every key of `sw` as it is through this diff (a switch that is not diffed now).
  void keep(const SwitchId& sw);
  // Forgets every key not wanted in the last diff (call `begin` before a diff, `end` after).
  void begin();
  void end();
  std::size_t size() const { return since_.size(); }

 private:
  struct Since {
    std::int64_t ms = 0;
    std::uint64_t diff = 0;  // the last diff that wanted (or kept) it
  };
  std::map<Key, Since> since_;
  std::uint64_t diff_ = 0;  // the diff in progress
};

struct SafetyPolicy {
  VlanSet managed;
  std::int64_t prune_delay_ms = 300'000;
  std::size_t max_removals_per_cycle = 200;
};

struct SwitchDiff {
  southbound::ChangeSet changes;
  // One line per kind of change, for the journal's reason: "add VLAN 120 on Ethernet11",
  // "remove VLAN 130 from Ethernet49 (unneeded since 300 s)", "create VLAN 120 (web)".
  std::vector<std::string> reasons;
};

struct Diff {
  std::map<SwitchId, SwitchDiff> switches;  // only switches with changes
  // Why nothing is removed anywhere this cycle (a vCenter out of sync, a switch not polled),
  // empty when removals may proceed.
  std::string removals_frozen;
  std::size_t removals_waiting = 0;         // wanted but within their hold-down or over the cap
  std::optional<std::int64_t> next_due_ms;  // when the earliest waiting removal becomes due
  // Interfaces the plan wants changed but that cannot be: not a trunk, or not seen on the switch.
  std::vector<std::string> skipped;
};

struct DiffInput {
  const planner::Plan& plan;
  const Snapshot& observed;
  SafetyPolicy policy;
  // The VLANs vmfabric created, per switch name: the only ones it may delete.
  const std::map<std::string, VlanSet>& created;
  std::int64_t now_ms = 0;
  // Switches not to diff now (a session in flight, or backing off after a failure).
  std::vector<SwitchId> busy;
};

// Adds: every planned VLAN missing on a planned interface, and every planned VLAN missing from a
// switch's database (created with the plan's name). Removals (only when no vCenter is out of sync
// and every switch has been read): managed VLANs allowed on a planned interface but not planned
// there, and VLANs vmfabric created that no interface of the switch allows any more; each only
// after its hold-down, and at most `max_removals_per_cycle` in all per diff. A switch that is
// not reachable gets nothing. Nothing outside `policy.managed` and nothing on an interface without
// a planned role is ever in a ChangeSet.
Diff diff(const DiffInput& input, HoldDown& holds);

}  // namespace vmfabric::reconcile
