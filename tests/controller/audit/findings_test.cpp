#include <catch2/catch.hpp>

#include "audit/audit.h"
#include "controller/planner/lab.h"

namespace vmfabric::audit {
namespace {

using planner::testing::dv_portgroup_id;
using planner::testing::host_id;
using planner::testing::Lab;
using planner::testing::pod_lab;

const VlanSet kUnmanaged = VlanSet::of({10});  // the lab's management VLAN, outside 100-3999

// The pod lab with VM web-1 on esx-a1 (dv-web, VLAN 120) and app-1 on esx-b1 (pg-app, VLAN 110).
Lab vm_lab() {
  Lab lab = pod_lab();
  const VmId web = lab.add_vm("web-1", host_id(lab, "esx-a1.lab.local"));
  lab.add_dv_nic(web, dv_portgroup_id("dv-web"));
  const VmId app = lab.add_vm("app-1", host_id(lab, "esx-b1.lab.local"));
  lab.add_nic(app, "pg-app");
  return lab;
}

// Makes every switch as the plan says: each planned trunk allows its planned VLANs (and the
// unmanaged VLAN 10), each planned VLAN is in the database.
void converge(Lab& lab, const planner::PlanPolicy& policy) {
  const planner::Plan plan = planner::plan(lab.snapshot(), policy);
  for (const auto& [sw, p] : plan.switches) {
    for (const auto& [name, vlans] : p->allowed) {
      const Interface* seen = lab.snapshot().find<Interface>({sw, name});
      Interface i = seen ? *seen : Interface{};
      i.id = {sw, name};
      i.mode = SwitchportMode::kTrunk;
      i.allowed = vlans | kUnmanaged;
      lab.upsert(i);
    }
    Switch s = lab.get<Switch>(sw);
    for (const auto& [vlan, name] : p->vlans) s.vlans[vlan] = name;
    lab.upsert(s);
  }
}

struct Audit {
  planner::PlanPolicy policy = planner::testing::policy();
  std::set<std::string> unreadable;
  std::vector<JournalEntry> journal;
  std::optional<Baseline> established;

  std::vector<Finding> run(const Lab& lab) const {
    const planner::Plan plan = planner::plan(lab.snapshot(), policy);
    AuditInput in{lab.snapshot(),
                  plan,
                  policy,
                  unreadable,
                  journal,
                  [&](const InterfaceId& where, VlanId vlan) {
                    return planner::explain(lab.snapshot(), policy, where, vlan);
                  }};
    if (established) in.established = &*established;
    return find_drift(in);
  }
};

void set_allowed(Lab& lab, const std::string& sw, const std::string& interface,
                 const std::string& vlans) {
  Interface i = lab.get<Interface>({SwitchId(sw), InterfaceName(interface)});
  i.allowed = VlanSet::parse(vlans);
  lab.upsert(i);
}

JournalEntry applied(const std::string& sw, std::vector<std::string> commands, std::int64_t at) {
  JournalEntry e;
  e.switch_name = sw;
  e.session = "vmfabric-" + std::to_string(at);
  e.commands = std::move(commands);
  e.result = JournalResult::kApplied;
  e.created_ms = at;
  e.finished_ms = at + 5;
  return e;
}

// Unplugs a pnic: neither the host nor the switch hears the other any more.
void unplug(Lab& lab, const HostId& host, const std::string& device, const std::string& sw,
            const std::string& port) {
  lab.set_pnic_hints(host, device, std::nullopt, std::nullopt);
  Interface i = lab.get<Interface>({SwitchId(sw), InterfaceName(port)});
  i.lldp.clear();
  lab.upsert(i);
}

// The converged vm_lab after vmfabric added 120 to Port-Channel11 of leaf1a (journaled, finished
// at 1005) and someone removed it since.
void undo_vmfabric_add(Lab& lab, Audit& audit) {
  converge(lab, audit.policy);
  audit.journal.push_back(applied("leaf1a",
                                  {"configure session vmfabric-1", "interface Port-Channel11",
                                   "switchport trunk allowed vlan add 120", "commit"},
                                  1000));
  Interface pc = lab.get<Interface>({SwitchId("leaf1a"), InterfaceName("Port-Channel11")});
  REQUIRE(pc.allowed.contains(VlanId{120}));
  pc.allowed.erase(VlanId{120});
  lab.upsert(pc);
}

}  // namespace

TEST_CASE("a fabric as the plan says has no findings", "[audit]") {
  Lab lab = vm_lab();
  const Audit audit;
  converge(lab, audit.policy);
  REQUIRE(audit.run(lab).empty());
}

TEST_CASE("a VLAN a running VM needs, removed by hand, is missing with its VM and who undid it",
          "[audit]") {
  Lab lab = vm_lab();
  Audit audit;
  undo_vmfabric_add(lab, audit);

  const auto findings = audit.run(lab);
  REQUIRE(findings.size() == 1);
  const Finding& f = findings[0];
  CHECK(f.kind == FindingKind::kVlanMissing);
  CHECK(f.switch_name == "leaf1a");
  CHECK(f.interface == "Port-Channel11");
  CHECK(f.vlans == VlanSet::of({120}));
  REQUIRE_FALSE(f.why.empty());
  CHECK(f.why[0].find("web-1") != std::string::npos);
  CHECK(f.undone == VlanSet::of({120}));
  REQUIRE(f.last_change);
  CHECK(f.last_change->added);
  CHECK(f.last_change->session == "vmfabric-1000");
  CHECK(f.detail.find("changed outside vmfabric") != std::string::npos);
}

TEST_CASE("a VLAN finding names the switch's last session not by vmfabric committed since",
          "[audit]") {
  Lab lab = vm_lab();
  Audit audit;
  undo_vmfabric_add(lab, audit);
  Switch leaf1a = lab.get<Switch>(SwitchId("leaf1a"));

  SECTION("a session committed before vmfabric's change is not named") {
    leaf1a.config_sessions = {{"ansible_1", "joe.bob", 900}};
    lab.upsert(leaf1a);
    const auto findings = audit.run(lab);
    REQUIRE(findings.size() == 1);
    CHECK_FALSE(findings[0].outside);
    CHECK(findings[0].detail.find("ansible_1") == std::string::npos);
    CHECK(findings[0].detail.find("the switch keeps no configuration session since: edits "
                                  "outside sessions, as at the console, leave none") !=
          std::string::npos);
  }
  SECTION("the latest session committed after it is named, with who and when") {
    leaf1a.config_sessions = {{"ansible_1", "joe.bob", 900},
                              {"ansible_167510439362", "joe.bob", 1675104396450},
                              {"manual", "", 2000}};
    lab.upsert(leaf1a);
    const auto findings = audit.run(lab);
    REQUIRE(findings.size() == 1);
    REQUIRE(findings[0].outside);
    CHECK(*findings[0].outside == OutsideChange{"ansible_167510439362", "joe.bob", 1675104396450});
    CHECK(findings[0].detail.find("; the switch's last configuration session not by vmfabric: "
                                  "ansible_167510439362 committed by joe.bob at "
                                  "2023-01-30T18:46:36.450Z") != std::string::npos);
    CHECK(findings[0].detail.find("keeps no configuration session") == std::string::npos);
  }
  SECTION("without a vmfabric change there, any session is named; other switches' are not") {
    audit.journal.clear();
    leaf1a.config_sessions = {{"manual", "", 2000}};
    lab.upsert(leaf1a);
    set_allowed(lab, "leaf2a", "Ethernet1", "10,110,555");  // 555 unneeded; leaf2a reports none
    const auto findings = audit.run(lab);
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].switch_name == "leaf1a");
    CHECK(findings[0].outside == OutsideChange{"manual", "", 2000});
    CHECK(findings[0].detail.find("not by vmfabric: manual at 1970-01-01T00:00:02.000Z") !=
          std::string::npos);
    CHECK(findings[1].switch_name == "leaf2a");
    CHECK_FALSE(findings[1].outside);
    CHECK(findings[1].detail.find("configuration session") == std::string::npos);
  }
}

TEST_CASE("a managed VLAN nothing needs is unneeded; unmanaged VLANs are not vmfabric's",
          "[audit]") {
  Lab lab = vm_lab();
  Audit audit;
  converge(lab, audit.policy);
  set_allowed(lab, "leaf2a", "Ethernet1", "10,110,555,4000");  // 555 managed, 4000 not

  auto findings = audit.run(lab);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == FindingKind::kVlanUnneeded);
  CHECK(findings[0].switch_name == "leaf2a");
  CHECK(findings[0].interface == "Ethernet1");
  CHECK(findings[0].vlans == VlanSet::of({555}));
  CHECK(findings[0].undone.empty());

  SECTION("one vmfabric removed earlier was added back outside it") {
    audit.journal.push_back(applied("leaf2a",
                                    {"configure session vmfabric-7", "interface Ethernet1",
                                     "switchport trunk allowed vlan remove 500-600", "commit"},
                                    7));
    findings = audit.run(lab);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].undone == VlanSet::of({555}));
    CHECK_FALSE(findings[0].last_change->added);
  }
}

TEST_CASE("a planned VLAN deleted from the database is reported once for the switch", "[audit]") {
  Lab lab = vm_lab();
  const Audit audit;
  converge(lab, audit.policy);
  Switch s = lab.get<Switch>(SwitchId("leaf1b"));
  REQUIRE(s.vlans.erase(VlanId{120}) == 1);
  lab.upsert(s);

  const auto findings = audit.run(lab);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == FindingKind::kVlanNotInDatabase);
  CHECK(findings[0].switch_name == "leaf1b");
  CHECK(findings[0].interface.empty());
  CHECK(findings[0].vlans == VlanSet::of({120}));
  CHECK_FALSE(findings[0].why.empty());
}

TEST_CASE("what the reconciler is still adding or removing is not drift", "[audit]") {
  Lab lab = vm_lab();
  Audit audit;
  converge(lab, audit.policy);
  // Port-Channel11 of leaf1a lacks 120 and allows 555; leaf1b's database lacks 120.
  Interface pc = lab.get<Interface>({SwitchId("leaf1a"), InterfaceName("Port-Channel11")});
  pc.allowed.erase(VlanId{120});
  pc.allowed.insert(VlanId{555});
  lab.upsert(pc);
  Switch s = lab.get<Switch>(SwitchId("leaf1b"));
  s.vlans.erase(VlanId{120});
  lab.upsert(s);
  REQUIRE(audit.run(lab).size() == 3);

  SECTION("120 not established yet (being added), 555 established (its hold-down runs)") {
    audit.established = Baseline{{"leaf1a", {{"Port-Channel11", VlanSet::of({555})}}},
                                 {"leaf1b", {{"", VlanSet()}}}};
    CHECK(audit.run(lab).empty());
  }
  SECTION("120 established (removed by hand), 555 not (added by hand)") {
    audit.established = Baseline{{"leaf1a", {{"Port-Channel11", VlanSet::of({120})}}},
                                 {"leaf1b", {{"", VlanSet::of({120})}}}};
    CHECK(audit.run(lab).size() == 3);
  }
}

TEST_CASE("an unreadable or unreachable switch is one finding and nothing else", "[audit]") {
  Lab lab = vm_lab();
  Audit audit;
  converge(lab, audit.policy);
  set_allowed(lab, "leaf1b", "Port-Channel11", "10");  // would be missing 120 if read
  audit.unreadable.insert("leaf1b");
  Switch down = lab.get<Switch>(SwitchId("spine2"));
  down.reachability = Reachability::kUnreachable;
  down.last_error = "connection refused";
  lab.upsert(down);

  const auto findings = audit.run(lab);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].kind == FindingKind::kSwitchUnreachable);
  CHECK(findings[0].switch_name == "leaf1b");
  CHECK(findings[1].kind == FindingKind::kSwitchUnreachable);
  CHECK(findings[1].switch_name == "spine2");
  CHECK(findings[1].detail.find("connection refused") != std::string::npos);
}

TEST_CASE("an unplugged ESX uplink is unlocated", "[audit]") {
  Lab lab = vm_lab();
  const Audit audit;
  unplug(lab, host_id(lab, "esx-b1.lab.local"), "vmnic0", "leaf2a", "Ethernet1");
  converge(lab, audit.policy);

  const auto findings = audit.run(lab);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == FindingKind::kUplinkUnlocated);
  CHECK(findings[0].host == "esx-b1.lab.local");
  CHECK(findings[0].uplink == "vmnic0");
  CHECK(findings[0].detail.find("no LLDP/CDP neighbour") != std::string::npos);
}

TEST_CASE("an ESX uplink whose switch port went down is unlocated", "[audit]") {
  Lab lab = vm_lab();
  const Audit audit;
  converge(lab, audit.policy);
  // The host still names the port it heard last (its LLDP hold time), the switch sees the link
  // down.
  Interface port = lab.get<Interface>({SwitchId("leaf1b"), InterfaceName("Ethernet12")});
  port.oper_up = false;
  port.lldp.clear();
  lab.upsert(port);

  const auto findings = audit.run(lab);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == FindingKind::kUplinkUnlocated);
  CHECK(findings[0].host == "esx-a2.lab.local");
  CHECK(findings[0].uplink == "vmnic3");
  CHECK(findings[0].detail.find("leaf1b Ethernet12, which is down") != std::string::npos);
}

TEST_CASE("uplinks of one virtual switch bundled differently by the switches", "[audit]") {
  Lab lab = vm_lab();
  const Audit audit;
  // esx-a3: vmnic2 in Port-Channel13 of leaf1a, vmnic3 on a plain port of leaf1b.
  const HostId host = lab.add_host("esx-a3.lab.local", "cluster-a");
  lab.add_port("leaf1a", "Ethernet13", std::string("Port-Channel13"))
      .add_port("leaf1b", "Ethernet13");
  lab.cable(host, "vmnic2", "leaf1a", "Ethernet13").cable(host, "vmnic3", "leaf1b", "Ethernet13");
  lab.add_proxy(host, DvsId{planner::testing::kVc, "dvs-dvs-prod"}, {"vmnic2", "vmnic3"});
  converge(lab, audit.policy);

  const auto findings = audit.run(lab);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == FindingKind::kUplinkBundleMismatch);
  CHECK(findings[0].host == "esx-a3.lab.local");
  CHECK(findings[0].detail.find("no port-channel") != std::string::npos);
  CHECK(findings[0].detail.find("Port-Channel13") != std::string::npos);
}

TEST_CASE("a host of the cluster the fabric cannot reach for a VM's VLAN is a cluster gap",
          "[audit]") {
  Lab lab = vm_lab();
  const Audit audit;
  // esx-a3 (cluster-a) is cabled only to a switch linked to nothing else.
  lab.add_switch("island");
  const HostId host = lab.add_host("esx-a3.lab.local", "cluster-a");
  lab.cable(host, "vmnic2", "island", "Ethernet1");
  lab.add_proxy(host, DvsId{planner::testing::kVc, "dvs-dvs-prod"}, {"vmnic2"});
  converge(lab, audit.policy);

  const auto findings = audit.run(lab);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == FindingKind::kClusterGap);
  CHECK(findings[0].host == "esx-a3.lab.local");
  CHECK(findings[0].vlans == VlanSet::of({120}));
  CHECK(findings[0].why == std::vector<std::string>{"VM web-1 on esx-a1.lab.local"});

  SECTION("linking the island to the fabric closes the gap") {
    lab.add_link("island", "Ethernet49", "spine1", "Ethernet9");
    converge(lab, audit.policy);
    CHECK(audit.run(lab).empty());
  }
}

TEST_CASE("finding kinds have stable names", "[audit]") {
  CHECK(std::string(to_string(FindingKind::kVlanMissing)) == "vlan-missing");
  CHECK(std::string(to_string(FindingKind::kClusterGap)) == "cluster-gap");
  CHECK(std::string(to_string(FindingKind::kUplinkBundleMismatch)) == "uplink-bundle-mismatch");
}

}  // namespace vmfabric::audit
