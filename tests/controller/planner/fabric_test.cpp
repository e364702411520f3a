// The fabric: VLANs on every shortest path between the switches that carry them and on MLAG
// peer-links, nowhere else; inter-switch roles; the VLANs each switch must have, with names.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "lab.h"

namespace vmfabric::planner::testing {
namespace {

// A host on `sw` port `port` whose powered-on VM needs VLAN `id` through pg-<id>.
void vm_on(Lab& lab, const std::string& host, const std::string& sw, const std::string& port,
           int id) {
  const HostId h = lab.add_host(host);
  lab.cable(h, "vmnic0", sw, port);
  lab.add_vswitch(h, "vSwitch0", {"vmnic0"});
  const std::string pg = "pg-" + std::to_string(id);
  lab.add_portgroup(h, pg, "vSwitch0", vlan(id));
  lab.add_nic(lab.add_vm("vm-" + host, h), pg);
}

TEST_CASE("shortest paths only: two equal-cost paths, not the longer one") {
  // a-b-d and a-c-d (2 hops each), a-e-f-d (3 hops); hosts on a and d.
  Lab lab;
  for (const char* sw : {"a", "b", "c", "d", "e", "f"}) lab.add_switch(sw);
  lab.add_link("a", "Ethernet1", "b", "Ethernet1").add_link("b", "Ethernet2", "d", "Ethernet1");
  lab.add_link("a", "Ethernet2", "c", "Ethernet1").add_link("c", "Ethernet2", "d", "Ethernet2");
  lab.add_link("a", "Ethernet3", "e", "Ethernet1").add_link("e", "Ethernet2", "f", "Ethernet1");
  lab.add_link("f", "Ethernet2", "d", "Ethernet3");
  vm_on(lab, "esx-1", "a", "Ethernet10", 120);
  vm_on(lab, "esx-2", "d", "Ethernet10", 120);
  const Plan p = plan(lab.snapshot(), policy());
  const VlanSet v120 = VlanSet::of({120});
  const std::vector<std::pair<const char*, const char*>> on = {
      {"a", "Ethernet1"}, {"b", "Ethernet1"}, {"b", "Ethernet2"}, {"d", "Ethernet1"},
      {"a", "Ethernet2"}, {"c", "Ethernet1"}, {"c", "Ethernet2"}, {"d", "Ethernet2"}};
  const std::vector<std::pair<const char*, const char*>> off = {
      {"a", "Ethernet3"}, {"e", "Ethernet1"}, {"e", "Ethernet2"},
      {"f", "Ethernet1"}, {"f", "Ethernet2"}, {"d", "Ethernet3"}};
  for (const auto& [sw, port] : on) {
    INFO(sw << " " << port);
    CHECK(allowed_on(p, sw, port) == v120);
  }
  for (const auto& [sw, port] : off) {
    INFO(sw << " " << port);
    CHECK(allowed_on(p, sw, port).empty());
    CHECK(p.switches.at(SwitchId(sw))->roles.at(InterfaceName(port)) == PortRole::kInterSwitch);
  }
  // A switch a path crosses needs the VLAN too, with the name used everywhere else.
  CHECK(p.switches.at(SwitchId("b"))->vlans == VlanNames{{VlanId{120}, "pg-120"}});
  CHECK(p.switches.at(SwitchId("e"))->vlans.empty());
}

TEST_CASE("a VLAN on one MLAG pair stays off the spines") {
  Lab lab = pod_lab();
  const VmId vm = lab.add_vm("web-1", host_id(lab, "esx-a1.lab.local"));
  lab.add_dv_nic(vm, dv_portgroup_id("dv-web"));
  const Plan p = plan(lab.snapshot(), policy());
  CHECK(allowed_on(p, "leaf1a", "Port-Channel1000").contains(VlanId{120}));
  CHECK(allowed_on(p, "leaf1b", "Port-Channel1000").contains(VlanId{120}));
  CHECK_FALSE(allowed_on(p, "leaf1a", "Ethernet49").contains(VlanId{120}));
  CHECK_FALSE(allowed_on(p, "spine1", "Ethernet1").contains(VlanId{120}));
  CHECK(p.switches.at(SwitchId("spine1"))->roles.at(InterfaceName("Ethernet1")) ==
        PortRole::kInterSwitch);
  CHECK_FALSE(p.switches.at(SwitchId("leaf1a"))->roles.contains(InterfaceName("Ethernet47")));
}

TEST_CASE("a VLAN on two pods crosses both spines and all peer-links") {
  Lab lab = pod_lab();
  lab.add_dv_nic(lab.add_vm("web-1", host_id(lab, "esx-a1.lab.local")), dv_portgroup_id("dv-web"));
  lab.add_dv_nic(lab.add_vm("web-7", host_id(lab, "esx-b1.lab.local")), dv_portgroup_id("dv-web"));
  const Plan p = plan(lab.snapshot(), policy());
  for (const char* leaf : {"leaf1a", "leaf1b", "leaf2a", "leaf2b"}) {
    for (const char* port : {"Ethernet49", "Ethernet50", "Port-Channel1000"}) {
      INFO(leaf << " " << port);
      CHECK(allowed_on(p, leaf, port) == VlanSet::of({120, 130}));
    }
  }
  for (const char* spine : {"spine1", "spine2"}) {
    CHECK(allowed_on(p, spine, "Ethernet3") == VlanSet::of({120, 130}));
  }
}

TEST_CASE("the MLAG peer-link carries a VLAN that only one peer has") {
  Lab lab = pod_lab();
  const HostId a1 = host_id(lab, "esx-a1.lab.local");
  lab.add_nic(lab.add_vm("app", a1), "pg-app");
  Pnic vmnic1 = lab.get<Pnic>({a1, "vmnic1"});  // vmnic1 found nowhere: pg-app only on leaf1a
  vmnic1.lldp.reset();
  lab.upsert(vmnic1);
  Interface heard = lab.get<Interface>({SwitchId("leaf1b"), InterfaceName("Ethernet1")});
  heard.lldp.clear();
  lab.upsert(heard);
  const Plan p = plan(lab.snapshot(), policy());
  CHECK(allowed_on(p, "leaf1a", "Ethernet1") == VlanSet::of({110}));
  CHECK(allowed_on(p, "leaf1a", "Port-Channel1000").contains(VlanId{110}));
  CHECK(allowed_on(p, "leaf1b", "Port-Channel1000").contains(VlanId{110}));
  CHECK(p.switches.at(SwitchId("leaf1b"))->vlans.contains(VlanId{110}));
  CHECK_FALSE(allowed_on(p, "leaf1a", "Ethernet49").contains(VlanId{110}));
}

TEST_CASE("VLAN names: the first portgroup by name, its own VLAN before a trunk, valid for EOS") {
  Lab lab = pod_lab();
  const DvsId dvs = lab.get<DvPortgroup>(dv_portgroup_id("dv-web")).dvs;
  lab.add_dv_portgroup(dvs, "a web portgroup with a very long name indeed", vlan(120));
  lab.add_dv_portgroup(dvs, "zz-205", vlan(205));
  const PlanPolicy portgroups = policy(DemandMode::kPortgroup);
  const Plan p = plan(lab.snapshot(), portgroups);
  const auto& vlans = p.switches.at(SwitchId("spine1"))->vlans;
  CHECK(vlans.at(VlanId{120}) == "a_web_portgroup_with_a_very_long");
  CHECK(vlans.at(VlanId{205}) == "zz-205");
  CHECK(vlans.at(VlanId{204}) == "dv-trunk");
  CHECK(vlans.at(VlanId{110}) == "pg-app");
  CHECK(p.switches.at(SwitchId("leaf1a"))->vlans == vlans);
  CHECK_FALSE(vlans.contains(VlanId{10}));  // unmanaged
}

TEST_CASE("the planner ignores what the switches allow today and is deterministic") {
  Lab lab = pod_lab();
  lab.add_dv_nic(lab.add_vm("web-1", host_id(lab, "esx-a1.lab.local")), dv_portgroup_id("dv-web"));
  const Plan first = plan(lab.snapshot(), policy());
  Interface port = lab.get<Interface>({SwitchId("spine1"), InterfaceName("Ethernet1")});
  port.allowed = VlanSet::parse("1-4094");
  lab.upsert(port);
  const Plan second = plan(lab.snapshot(), policy());
  CHECK(first == second);
}

}  // namespace
}  // namespace vmfabric::planner::testing
