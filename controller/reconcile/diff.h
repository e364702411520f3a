// The reconciler's decision, pure: from the plan, the observed switches and the safety policy,
// the ChangeSet each switch needs now. No I/O and no clock: the time is an input, and the state,
// when each removal was first wanted (the hold-down) and what vmfabric established on each
// interface (the baseline), is explicit.
//
// The baseline tells a plan change from drift. vmfabric changes what the plan changed since it
// last established an interface; a VLAN someone removed or added by hand outside the plan is
// drift, left to the audits and repaired only as `audit.remediate` allows (add-only: restore
// what is missing; full: remove what is extra too).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "config/config.h"
#include "graph/graph.h"
#include "planner/planner.h"
#include "southbound/change_set.h"
#include "store/store.h"

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

// A switch whose diff needs nothing now and waits for nothing but hold-downs: the same inputs
// give the same diff until `until_ms`, when the first of its waiting removals becomes due (no
// removal waiting: never).
struct Settled {
  std::size_t removals_waiting = 0;
  std::optional<std::int64_t> until_ms;
  bool operator==(const Settled&) const = default;
};

struct Diff {
  std::map<SwitchId, SwitchDiff> switches;  // only switches with changes
  // Why nothing is removed anywhere this cycle (a vCenter out of sync, a switch not read yet),
  // empty when removals may proceed.
  std::string removals_frozen;
  std::size_t removals_waiting = 0;         // wanted but within their hold-down or over the cap
  std::optional<std::int64_t> next_due_ms;  // when the earliest waiting removal becomes due
  // Interfaces the plan wants changed but that cannot be: not a trunk, or not seen on the switch.
  std::vector<std::string> skipped;
  // Switches whose baseline this diff changed (to persist).
  std::vector<SwitchId> baseline_changed;
  std::size_t diffed = 0;  // switches diffed (not busy, settled or unreachable)
  // Switches diffed that need nothing now and whose waiting removals, if any, wait only for
  // their hold-down: their diff stays the same until their plan, their readings (the Switch or
  // its interfaces) or their baseline change, or Settled::until_ms, so a later diff may skip
  // them (DiffInput::settled).
  std::vector<std::pair<SwitchId, Settled>> settled;
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
  // What to do about drift (what differs from the baseline without a plan change): kNone leaves
  // it; kAddOnly restores what the plan needs; kFull also removes extra managed VLANs at once.
  Remediation drift = Remediation::kNone;
  // Switches not to diff because an earlier diff found them settled (Diff::settled) and nothing
  // they depend on changed since: a change of one VM then diffs the few switches it touches,
  // not the whole fabric, even while the last moves' removals wait out their hold-down. Only
  // with `drift` kNone (a settled switch may have drift to repair). A settled switch's waiting
  // removals still count in Diff::removals_waiting and next_due_ms.
  const std::map<SwitchId, Settled>* settled = nullptr;
};

// Adds: every planned VLAN missing on a planned interface, and every planned VLAN missing from a
// switch's database (created with the plan's name), but under `drift` kNone only those the
// baseline does not have yet (a VLAN established and then removed by hand is drift). Removals
// (only when no vCenter is out of sync and every switch has been read since start, or was read
// before and is unreachable now: its last reading stands): managed VLANs of the
// baseline allowed on a planned interface but not planned there any more, and VLANs vmfabric
// created that no interface of the switch allows any more, each only after its hold-down; under
// kFull also managed VLANs allowed outside the baseline and the plan, at once. At most
// `max_removals_per_cycle` removals in all per diff. A switch that is not reachable gets nothing.
// Nothing outside `policy.managed` and nothing on an interface without a planned role is ever in
// a ChangeSet.
//
// `baseline` (switch, then interface, "" for the VLAN database) is updated for every switch
// diffed: an interface seen for the first time adopts its managed VLANs; then a VLAN stays while
// it is planned or still there, and joins once planned and there.
Diff diff(const DiffInput& input, HoldDown& holds, Baseline& baseline);

// Records in `baseline` a ChangeSet committed on `sw`: what vmfabric added is its own even when
// the plan dropped it while the session was in flight (the next diff then removes it after its
// hold-down instead of leaving it to the audits as drift), what it removed is not.
void record_applied(Baseline& baseline, const SwitchId& sw, const southbound::ChangeSet& applied);

}  // namespace vmfabric::reconcile
