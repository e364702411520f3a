// The reconciler's pure diff: adds, VLAN creation, removals after the hold-down, the cap, the
// freeze while a vCenter or switch is unknown, deletion of only what vmfabric created, and the
// interfaces and VLANs it must never touch.
#include "reconcile/diff.h"

#include <catch2/catch.hpp>
#include <set>

using namespace vmfabric;
using namespace vmfabric::reconcile;
using planner::PortRole;

namespace {

const SwitchId kLeaf("leaf1a");
const SwitchId kSpine("spine1");
const InterfaceName kEsxPort("Ethernet11");
const InterfaceName kUplink("Ethernet49");
const InterfaceName kOther("Ethernet5");

VlanSet vlans(const std::string& text) { return text.empty() ? VlanSet() : VlanSet::parse(text); }

Interface trunk(const SwitchId& sw, const InterfaceName& name, const std::string& allowed) {
  Interface i;
  i.id = {sw, name};
  i.mode = SwitchportMode::kTrunk;
  i.allowed = vlans(allowed);
  i.oper_up = true;
  return i;
}

Switch reachable(const SwitchId& id, VlanNames vlans) {
  Switch s;
  s.id = id;
  s.reachability = Reachability::kReachable;
  s.vlans = std::move(vlans);
  return s;
}

// A leaf with an ESX-facing port, an uplink and an unmanaged port, and a spine.
struct Lab {
  Graph graph;
  std::map<SwitchId, planner::SwitchPlan> switch_plans;
  std::map<std::string, VlanSet> created;
  HoldDown holds;
  Baseline baseline;
  SafetyPolicy policy;
  std::map<SwitchId, Settled> settled;  // given to the diff (DiffInput::settled) if `give_settled`
  bool give_settled = false;

  Lab() {
    policy.managed = VlanSet::parse("100-3999");
    policy.prune_delay_ms = 300'000;
    policy.max_removals_per_cycle = 200;
    Delta d;
    VCenter vc;
    vc.id = VCenterId("vc1");
    vc.synced = true;
    d.upsert(vc);
    d.upsert(reachable(kLeaf, {{VlanId::checked(1), "default"}, {VlanId::checked(10), "mgmt"}}));
    d.upsert(reachable(kSpine, {{VlanId::checked(1), "default"}, {VlanId::checked(10), "mgmt"}}));
    d.upsert(trunk(kLeaf, kEsxPort, "10"));
    d.upsert(trunk(kLeaf, kUplink, "10"));
    d.upsert(trunk(kLeaf, kOther, "10,150"));
    d.upsert(trunk(kSpine, InterfaceName("Ethernet1"), "10"));
    graph.apply(std::move(d));

    planner::SwitchPlan leaf;
    leaf.roles = {{kEsxPort, PortRole::kEsxFacing}, {kUplink, PortRole::kInterSwitch}};
    leaf.allowed = {{kEsxPort, VlanSet()}, {kUplink, VlanSet()}};
    switch_plans[kLeaf] = leaf;
    planner::SwitchPlan spine;
    spine.roles = {{InterfaceName("Ethernet1"), PortRole::kInterSwitch}};
    spine.allowed = {{InterfaceName("Ethernet1"), VlanSet()}};
    switch_plans[kSpine] = spine;
  }

  void want(const SwitchId& sw, const InterfaceName& i, const std::string& list) {
    switch_plans[sw].allowed[i] = vlans(list);
    for (const VlanId v : vlans(list).ids()) {
      switch_plans[sw].vlans[v] = "pg-" + std::to_string(v.value);
    }
  }
  void observe(Delta d) { graph.apply(std::move(d)); }

  Diff run(std::int64_t now_ms, std::vector<SwitchId> busy = {},
           Remediation drift = Remediation::kNone) {
    planner::Plan plan;
    for (const auto& [sw, sp] : switch_plans) {
      plan.switches[sw] = std::make_shared<const planner::SwitchPlan>(sp);
    }
    DiffInput input{plan, graph.current(), policy, created, now_ms, std::move(busy)};
    input.drift = drift;
    if (give_settled) input.settled = &settled;
    return diff(input, holds, baseline);
  }
  Diff repair(std::int64_t now_ms, Remediation drift) { return run(now_ms, {}, drift); }

  // What the switches look like once `d` is applied, as a read-back would show; the
  // reconciler records each committed ChangeSet in the baseline.
  void apply(const Diff& d) {
    Delta delta;
    for (const auto& [sw, sd] : d.switches) {
      record_applied(baseline, sw, sd.changes);
      Switch s = *graph.current().find<Switch>(sw);
      for (const auto& [v, name] : sd.changes.create_vlans) {
        s.vlans[v] = name;
        created[sw.str()].insert(v);
      }
      for (const VlanId v : sd.changes.delete_vlans.ids()) s.vlans.erase(v);
      delta.upsert(s);
      for (const auto& [name, change] : sd.changes.interfaces) {
        Interface i = *graph.current().find<Interface>(InterfaceId{sw, name});
        i.allowed |= change.add;
        i.allowed -= change.remove;
        delta.upsert(i);
      }
    }
    graph.apply(std::move(delta));
  }
};

}  // namespace

TEST_CASE("a planned VLAN is created and added where it is missing") {
  Lab lab;
  lab.want(kLeaf, kEsxPort, "120");
  lab.want(kLeaf, kUplink, "120");
  const Diff d = lab.run(0);
  REQUIRE(d.switches.size() == 1);
  const auto& cs = d.switches.at(kLeaf).changes;
  CHECK(cs.create_vlans.at(VlanId::checked(120)) == "pg-120");
  CHECK(cs.interfaces.at(kEsxPort).add == VlanSet::of({120}));
  CHECK(cs.interfaces.at(kUplink).add == VlanSet::of({120}));
  CHECK(cs.delete_vlans.empty());
  CHECK(d.removals_frozen.empty());
}

TEST_CASE("applying a diff and diffing again gives nothing") {
  Lab lab;
  lab.want(kLeaf, kEsxPort, "120,130-140");
  lab.want(kLeaf, kUplink, "120");
  lab.want(kSpine, InterfaceName("Ethernet1"), "120");
  lab.apply(lab.run(0));
  CHECK(lab.run(1).switches.empty());
}

TEST_CASE("VLANs outside the managed range and interfaces without a role are never touched") {
  Lab lab;
  lab.want(kLeaf, kEsxPort, "10,120");  // 10 is the admin VLAN, outside 100-3999
  const Diff d = lab.run(10'000'000);   // long past any hold-down
  const auto& cs = d.switches.at(kLeaf).changes;
  CHECK(cs.interfaces.at(kEsxPort).add == VlanSet::of({120}));
  CHECK_FALSE(cs.create_vlans.contains(VlanId::checked(10)));
  // Ethernet5 allows managed VLAN 150 that nothing plans, but it has no role.
  CHECK_FALSE(cs.interfaces.contains(kOther));
  // The uplink allows admin VLAN 10, unplanned: never removed.
  CHECK_FALSE(cs.interfaces.contains(kUplink));
}

TEST_CASE("a removal waits for the hold-down and restarts it when wanted again") {
  Lab lab;
  Delta d;
  d.upsert(reachable(kLeaf, {{VlanId::checked(10), "mgmt"}, {VlanId::checked(120), "web"}}));
  d.upsert(trunk(kLeaf, kEsxPort, "10,120"));
  lab.observe(std::move(d));

  Diff first = lab.run(1'000);
  CHECK(first.switches.empty());
  CHECK(first.removals_waiting == 1);
  CHECK(first.next_due_ms == 301'000);
  CHECK(lab.run(300'999).switches.empty());

  SECTION("due after the delay") {
    const Diff due = lab.run(301'000);
    CHECK(due.switches.at(kLeaf).changes.interfaces.at(kEsxPort).remove == VlanSet::of({120}));
    CHECK(due.removals_waiting == 0);
  }
  SECTION("wanted again in between: the hold-down starts over") {
    lab.want(kLeaf, kEsxPort, "120");
    CHECK(lab.run(200'000).switches.empty());
    lab.want(kLeaf, kEsxPort, "");
    CHECK(lab.run(250'000).switches.empty());
    CHECK(lab.run(301'000).switches.empty());
    CHECK(lab.run(550'000).switches.at(kLeaf).changes.interfaces.at(kEsxPort).remove ==
          VlanSet::of({120}));
  }
  SECTION("a busy switch keeps its hold-down running") {
    CHECK(lab.run(200'000, {kLeaf}).switches.empty());
    CHECK(lab.run(301'000).switches.contains(kLeaf));
  }
}

TEST_CASE("no removal while a vCenter is out of sync or a switch has not been read") {
  Lab lab;
  lab.want(kSpine, InterfaceName("Ethernet1"), "120");
  Delta d;
  d.upsert(trunk(kLeaf, kEsxPort, "10,130"));
  SECTION("vCenter out of sync") {
    VCenter vc;
    vc.id = VCenterId("vc1");
    vc.synced = false;
    d.upsert(vc);
    lab.observe(std::move(d));
    const Diff diff = lab.run(10'000'000);
    CHECK(diff.removals_frozen == "vCenter vc1 is not in sync");
    CHECK_FALSE(diff.switches.contains(kLeaf));
    CHECK(diff.switches.contains(kSpine));  // adds go on
  }
  const auto spine_is = [&](Reachability r) {
    Switch s = reachable(kSpine, {});
    s.reachability = r;
    d.upsert(s);
    lab.observe(std::move(d));
    return lab.run(10'000'000);
  };
  SECTION("a switch not read since start") {
    const Diff diff = spine_is(Reachability::kUnknown);
    CHECK(diff.removals_frozen == "switch spine1 has not been read");
    CHECK(diff.switches.empty());  // nothing for the unread one, no removal on the other
  }
  SECTION("a switch never read, unreachable: nothing is known of its links") {
    d.remove(InterfaceId{kSpine, InterfaceName("Ethernet1")});
    const Diff diff = spine_is(Reachability::kUnreachable);
    CHECK(diff.removals_frozen == "switch spine1 has not been read");
    CHECK(diff.switches.empty());
  }
}

TEST_CASE("a switch read before and unreachable now waits alone: removals go on elsewhere") {
  Lab lab;
  lab.want(kSpine, InterfaceName("Ethernet1"), "120");
  Delta d;
  d.upsert(trunk(kLeaf, kEsxPort, "10,130"));
  lab.observe(std::move(d));
  CHECK(lab.run(0).removals_waiting == 1);  // 130: its hold-down starts
  std::int64_t now = 10'000'000;
  for (const Reachability r : {Reachability::kUnreachable, Reachability::kAuthFailed}) {
    Switch s = reachable(kSpine, {});
    s.reachability = r;
    Delta unreachable;
    unreachable.upsert(s);
    lab.observe(std::move(unreachable));
    const Diff diff = lab.run(++now);
    CHECK(diff.removals_frozen.empty());
    CHECK(diff.switches.at(kLeaf).changes.interfaces.at(kEsxPort).remove == VlanSet::of({130}));
    CHECK_FALSE(diff.switches.contains(kSpine));  // its add waits until it answers
  }
}

TEST_CASE("removals are capped per cycle") {
  Lab lab;
  lab.policy.prune_delay_ms = 0;
  lab.policy.max_removals_per_cycle = 2;
  Delta d;
  d.upsert(trunk(kLeaf, kEsxPort, "10,120-124"));
  lab.observe(std::move(d));
  const Diff diff = lab.run(0);
  CHECK(diff.switches.at(kLeaf).changes.interfaces.at(kEsxPort).remove.size() == 2);
  CHECK(diff.removals_waiting == 3);
}

TEST_CASE("only VLANs vmfabric created are deleted, once nothing allows them") {
  Lab lab;
  lab.policy.prune_delay_ms = 0;
  Delta d;
  Switch leaf = reachable(kLeaf, {{VlanId::checked(1), "default"},
                                  {VlanId::checked(120), "web"},
                                  {VlanId::checked(130), "found"}});
  d.upsert(leaf);
  d.upsert(trunk(kLeaf, kEsxPort, "10,120"));
  lab.observe(std::move(d));
  lab.created[kLeaf.str()] = VlanSet::of({120});

  // 120 is still allowed on Ethernet11 before this diff removes it: deleted in the same session.
  const Diff diff = lab.run(0);
  const auto& cs = diff.switches.at(kLeaf).changes;
  CHECK(cs.interfaces.at(kEsxPort).remove == VlanSet::of({120}));
  CHECK(cs.delete_vlans == VlanSet::of({120}));  // 130 was found there: never deleted

  SECTION("not while another interface, even one without a role, allows it") {
    Delta other;
    other.upsert(trunk(kLeaf, kOther, "120"));
    lab.observe(std::move(other));
    CHECK(lab.run(1).switches.at(kLeaf).changes.delete_vlans.empty());
  }
}

TEST_CASE("an interface the plan wants changed but that is not a trunk is reported and left") {
  Lab lab;
  Delta d;
  Interface access = trunk(kLeaf, kEsxPort, "");
  access.mode = SwitchportMode::kAccess;
  d.upsert(access);
  lab.observe(std::move(d));
  lab.want(kLeaf, kEsxPort, "120");
  const Diff diff = lab.run(0);
  REQUIRE(diff.skipped.size() == 1);
  CHECK(diff.skipped[0] == "leaf1a Ethernet11: not a trunk port, left as it is");
  CHECK_FALSE(diff.switches.at(kLeaf).changes.interfaces.contains(kEsxPort));
}

// Drift: what differs from what vmfabric established without a plan change.
namespace {

// The leaf's ESX port and VLAN database with 120 planned and established.
Lab established_lab() {
  Lab lab;
  lab.policy.prune_delay_ms = 1'000;
  lab.want(kLeaf, kEsxPort, "120");
  lab.apply(lab.run(0));
  REQUIRE(lab.run(1).switches.empty());
  return lab;
}

void hand_edit(Lab& lab, const std::string& allowed, bool keep_vlan_120 = true) {
  Delta d;
  Switch leaf = *lab.graph.current().find<Switch>(kLeaf);
  if (!keep_vlan_120) leaf.vlans.erase(VlanId::checked(120));
  d.upsert(leaf);
  d.upsert(trunk(kLeaf, kEsxPort, allowed));
  lab.observe(std::move(d));
}

}  // namespace

TEST_CASE("a VLAN removed by hand is drift: left alone, restored by an add-only or full repair") {
  Lab lab = established_lab();
  hand_edit(lab, "10");
  CHECK(lab.run(2).switches.empty());
  CHECK(lab.run(10'000'000).switches.empty());  // not a plan change: never re-added by itself
  SECTION("add-only") {
    const Diff d = lab.repair(10'000'001, Remediation::kAddOnly);
    CHECK(d.switches.at(kLeaf).changes.interfaces.at(kEsxPort).add == VlanSet::of({120}));
  }
  SECTION("full") {
    const Diff d = lab.repair(10'000'001, Remediation::kFull);
    CHECK(d.switches.at(kLeaf).changes.interfaces.at(kEsxPort).add == VlanSet::of({120}));
  }
  SECTION("the plan dropping it ends the drift, wanting it again adds it") {
    lab.want(kLeaf, kEsxPort, "");
    CHECK(lab.run(3).switches.empty());
    lab.want(kLeaf, kEsxPort, "120");
    CHECK(lab.run(4).switches.at(kLeaf).changes.interfaces.at(kEsxPort).add == VlanSet::of({120}));
  }
}

TEST_CASE("a VLAN deleted by hand from the database is recreated only by a repair") {
  Lab lab = established_lab();
  hand_edit(lab, "10,120", false);
  CHECK(lab.run(2).switches.empty());
  const Diff d = lab.repair(3, Remediation::kAddOnly);
  CHECK(d.switches.at(kLeaf).changes.create_vlans.at(VlanId::checked(120)) == "pg-120");
  CHECK(d.switches.at(kLeaf).changes.interfaces.empty());
}

TEST_CASE("a managed VLAN added by hand is removed only by a full repair, at once") {
  Lab lab = established_lab();
  hand_edit(lab, "10,120,130");
  CHECK(lab.run(2).switches.empty());
  CHECK(lab.run(10'000'000).switches.empty());  // not established: no hold-down runs for it
  CHECK(lab.repair(10'000'001, Remediation::kAddOnly).switches.empty());
  const Diff full = lab.repair(10'000'002, Remediation::kFull);
  const SwitchDiff& sd = full.switches.at(kLeaf);
  CHECK(sd.changes.interfaces.at(kEsxPort).remove == VlanSet::of({130}));
  CHECK(sd.changes.interfaces.at(kEsxPort).add.empty());
  CHECK(sd.reasons == std::vector<std::string>{
                          "remove VLAN 130 from Ethernet11 (added outside vmfabric, not planned)"});
}

TEST_CASE("a full repair leaves a VLAN the plan stopped needing to its hold-down") {
  Lab lab = established_lab();
  lab.want(kLeaf, kEsxPort, "");
  CHECK(lab.repair(100, Remediation::kFull).switches.empty());
  CHECK(lab.run(1'100).switches.at(kLeaf).changes.interfaces.at(kEsxPort).remove ==
        VlanSet::of({120}));
}

TEST_CASE("the baseline follows what was established and reports the switches it changed") {
  Lab lab;
  lab.want(kLeaf, kEsxPort, "120");
  Diff d = lab.run(0);
  // Adopted at first sight: the leaf's and the spine's interfaces and VLAN databases.
  CHECK(d.baseline_changed == std::vector<SwitchId>{kLeaf, kSpine});
  CHECK(lab.baseline.at("leaf1a").at("Ethernet11").empty());  // 120 not there yet
  lab.apply(d);                                               // recorded as applied
  CHECK(lab.baseline.at("leaf1a").at("Ethernet11") == VlanSet::of({120}));
  CHECK(lab.baseline.at("leaf1a").at("") == VlanSet::of({120}));
  CHECK(lab.run(1).baseline_changed.empty());
  // A planned VLAN found there (added by someone else) joins it.
  lab.want(kLeaf, kUplink, "130");
  Delta found;
  found.upsert(trunk(kLeaf, kUplink, "10,130"));
  lab.observe(std::move(found));
  CHECK(lab.run(2).baseline_changed == std::vector<SwitchId>{kLeaf});
  CHECK(lab.baseline.at("leaf1a").at("Ethernet49") == VlanSet::of({130}));
}

TEST_CASE("a VLAN added while the plan dropped it is vmfabric's: removed after the hold-down") {
  Lab lab;
  lab.policy.prune_delay_ms = 1'000;
  lab.want(kLeaf, kEsxPort, "120");
  const Diff adding = lab.run(0);
  lab.want(kLeaf, kEsxPort, "");
  CHECK(lab.run(1, {kLeaf}).switches.empty());  // the session is in flight
  lab.apply(adding);
  CHECK(lab.run(2).switches.empty());  // its hold-down starts
  CHECK(lab.run(1'002).switches.at(kLeaf).changes.interfaces.at(kEsxPort).remove ==
        VlanSet::of({120}));
}

using SettledList = std::vector<std::pair<SwitchId, Settled>>;

TEST_CASE("a switch that needs nothing and waits for no removal is settled, then skipped") {
  Lab lab;
  lab.want(kLeaf, kEsxPort, "120");
  lab.want(kLeaf, kUplink, "120");
  const Diff first = lab.run(0);
  CHECK(first.switches.contains(kLeaf));
  CHECK(first.settled == SettledList{{kSpine, Settled{}}});  // no plan, only unmanaged VLAN 10
  lab.apply(first);
  const Diff second = lab.run(1);
  CHECK(second.switches.empty());
  CHECK(second.settled == SettledList{{kLeaf, Settled{}}, {kSpine, Settled{}}});

  lab.settled = {second.settled.begin(), second.settled.end()};
  lab.give_settled = true;
  lab.want(kLeaf, kEsxPort, "120,130");
  SECTION("a settled switch is not diffed, even when its plan changed") {
    const Diff d = lab.run(2);
    CHECK(d.switches.empty());
    CHECK(d.settled.empty());
  }
  SECTION("unsettled, it is") {
    lab.settled.erase(kLeaf);
    const Diff d = lab.run(2);
    CHECK(d.switches.at(kLeaf).changes.interfaces.at(kEsxPort).add == VlanSet::of({130}));
  }
  SECTION("a repair diffs every switch") {
    const Diff d = lab.repair(2, Remediation::kAddOnly);
    CHECK(d.switches.at(kLeaf).changes.interfaces.at(kEsxPort).add == VlanSet::of({130}));
  }
}

TEST_CASE("a switch waiting for hold-downs alone is settled until the first is due") {
  Lab lab;
  lab.want(kLeaf, kEsxPort, "120");
  lab.apply(lab.run(0));
  lab.want(kLeaf, kEsxPort, "");
  const Diff waiting = lab.run(1);
  CHECK(waiting.switches.empty());
  CHECK(waiting.removals_waiting == 1);
  CHECK(waiting.next_due_ms == 300'001);
  CHECK(waiting.settled == SettledList{{kLeaf, Settled{1, 300'001}}, {kSpine, Settled{}}});

  lab.settled = {waiting.settled.begin(), waiting.settled.end()};
  lab.give_settled = true;
  SECTION("skipped before then, its removal still waiting and its hold-down kept") {
    for (const std::int64_t now : {2, 150'000, 300'000}) {
      const Diff d = lab.run(now);
      CHECK(d.diffed == 0);
      CHECK(d.switches.empty());
      CHECK(d.removals_waiting == 1);
      CHECK(d.next_due_ms == 300'001);
      CHECK(lab.holds.size() == 1);
    }
    CHECK(lab.run(300'001).switches.at(kLeaf).changes.interfaces.at(kEsxPort).remove ==
          VlanSet::of({120}));
  }
  SECTION("diffed when due: the removal goes") {
    const Diff d = lab.run(300'001);
    CHECK(d.diffed == 1);
    CHECK(d.switches.at(kLeaf).changes.interfaces.at(kEsxPort).remove == VlanSet::of({120}));
  }
  SECTION("a removal due but over the cap waits for the cap: not settled") {
    lab.policy.max_removals_per_cycle = 0;
    const Diff d = lab.run(300'001);
    CHECK(d.switches.empty());
    CHECK(d.removals_waiting == 1);
    CHECK(d.settled.empty());
  }
}

TEST_CASE("a switch whose removal waits for a freeze is not settled") {
  Lab lab;
  lab.want(kLeaf, kEsxPort, "120");
  lab.apply(lab.run(0));
  lab.want(kLeaf, kEsxPort, "");
  Switch s = reachable(kSpine, {});
  s.reachability = Reachability::kUnknown;
  Delta d;
  d.upsert(s);
  lab.observe(std::move(d));
  const Diff frozen = lab.run(10'000'000);
  CHECK_FALSE(frozen.removals_frozen.empty());
  CHECK(frozen.removals_waiting == 1);
  CHECK(frozen.settled.empty());  // the leaf still wants its removal; the spine was not read
}
