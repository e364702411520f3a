// Demand and placement, one rule per row: which hosts need which VLANs in each mode, and on which
// attachments (standard vs distributed uplinks, port-channels, MLAG) that demand lands.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "lab.h"

namespace vmfabric::planner::testing {
namespace {

struct Expect {
  const char* sw;
  const char* interface;
  const char* vlans;  // EOS syntax, "NONE" for empty
};

struct Case {
  const char* name;
  DemandMode mode;
  const char* managed;
  std::function<void(Lab&)> setup;
  std::vector<Expect> expect;
};

HostId a1(const Lab& lab) { return host_id(lab, "esx-a1.lab.local"); }

VmId web_on(Lab& lab, const std::string& host, const std::string& pg,
            PowerState power = PowerState::kPoweredOn) {
  const VmId vm = lab.add_vm("web", host_id(lab, host), power);
  lab.add_dv_nic(vm, dv_portgroup_id(pg));
  return vm;
}

TEST_CASE("demand rules place the right VLANs on the right attachments") {
  const std::vector<Case> cases = {
      {"no VMs: only the vmknics' VLANs (vmk1 dv-vmotion 130; vmk0 VLAN 10 is unmanaged)",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab&) {},
       {{"leaf1a", "Port-Channel11", "130"},
        {"leaf1b", "Port-Channel12", "130"},
        {"leaf2a", "Port-Channel11", "130"},
        {"leaf1a", "Ethernet1", "NONE"}}},
      {"vmknics demand in every mode and whatever the VMs",
       DemandMode::kCluster,
       "1-3999",
       [](Lab&) {},
       {{"leaf1a", "Ethernet1", "10"},
        {"leaf1b", "Ethernet2", "10"},
        {"leaf2b", "Ethernet1", "10"}}},
      {"on-demand: a powered-on VM's VLAN on its host only",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) { web_on(lab, "esx-a1.lab.local", "dv-web"); },
       {{"leaf1a", "Port-Channel11", "120,130"},
        {"leaf1b", "Port-Channel11", "120,130"},
        {"leaf1a", "Port-Channel12", "130"},
        {"leaf2a", "Port-Channel11", "130"}}},
      {"on-demand: a powered-off VM demands nothing",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) { web_on(lab, "esx-a1.lab.local", "dv-web", PowerState::kPoweredOff); },
       {{"leaf1a", "Port-Channel11", "130"}}},
      {"on-demand: a suspended VM demands nothing",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) { web_on(lab, "esx-a1.lab.local", "dv-web", PowerState::kSuspended); },
       {{"leaf1a", "Port-Channel11", "130"}}},
      {"on-demand: a disconnected vNIC demands nothing",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) {
         const VmId vm = lab.add_vm("web", a1(lab));
         lab.add_dv_nic(vm, dv_portgroup_id("dv-web"), false);
       },
       {{"leaf1a", "Port-Channel11", "130"}}},
      {"vMotion: the destination has the VLAN before the VM arrives",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) {
         lab.migrate(web_on(lab, "esx-a1.lab.local", "dv-web"), host_id(lab, "esx-b1.lab.local"));
       },
       {{"leaf1a", "Port-Channel11", "120,130"}, {"leaf2a", "Port-Channel11", "120,130"}}},
      {"cluster: every host of the VM's cluster, no other",
       DemandMode::kCluster,
       "100-3999",
       [](Lab& lab) { web_on(lab, "esx-a1.lab.local", "dv-web"); },
       {{"leaf1a", "Port-Channel11", "120,130"},
        {"leaf1a", "Port-Channel12", "120,130"},
        {"leaf2a", "Port-Channel11", "130"}}},
      {"cluster: a standard portgroup resolves on each host by name",
       DemandMode::kCluster,
       "100-3999",
       [](Lab& lab) {
         lab.add_portgroup(host_id(lab, "esx-a2.lab.local"), "pg-app", "vSwitch0", vlan(111));
         lab.add_portgroup(a1(lab), "pg-only-a1", "vSwitch0", vlan(140));
         const VmId vm = lab.add_vm("app", a1(lab));
         lab.add_nic(vm, "pg-app").add_nic(vm, "pg-only-a1");
       },
       {{"leaf1a", "Ethernet1", "110,140"}, {"leaf1a", "Ethernet2", "111"}}},
      {"cluster: a standalone host is its own cluster",
       DemandMode::kCluster,
       "100-3999",
       [](Lab& lab) {
         Host b1 = lab.get<Host>(host_id(lab, "esx-b1.lab.local"));
         b1.cluster.reset();
         lab.upsert(b1);
         web_on(lab, "esx-b1.lab.local", "dv-web");
       },
       {{"leaf2a", "Port-Channel11", "120,130"}, {"leaf1a", "Port-Channel11", "130"}}},
      {"portgroup: every host that has the portgroup, without VMs",
       DemandMode::kPortgroup,
       "100-3999",
       [](Lab&) {},
       {{"leaf1a", "Ethernet1", "110"},
        {"leaf2b", "Ethernet1", "110"},
        {"leaf1a", "Port-Channel12", "120,130,200-210"}}},
      {"an untagged portgroup carries nothing",
       DemandMode::kOnDemand,
       "1-4094",
       [](Lab& lab) { lab.add_nic(lab.add_vm("vm", a1(lab)), "VM Network"); },
       {{"leaf1a", "Ethernet1", "10"}}},
      {"a standard 4095 portgroup carries every managed VLAN",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) {
         lab.add_portgroup(a1(lab), "pg-all", "vSwitch0", trunk("1-4094"));
         lab.add_nic(lab.add_vm("vm", a1(lab)), "pg-all");
       },
       {{"leaf1a", "Ethernet1", "100-3999"}, {"leaf1a", "Port-Channel11", "130"}}},
      {"a DV trunk carries its ranges within the managed VLANs",
       DemandMode::kOnDemand,
       "100-205",
       [](Lab& lab) { web_on(lab, "esx-a1.lab.local", "dv-trunk"); },
       {{"leaf1a", "Port-Channel11", "130,200-205"}}},
      {"a private VLAN portgroup carries its primary",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) {
         const DvsId dvs = lab.get<DvPortgroup>(dv_portgroup_id("dv-web")).dvs;
         lab.add_dv_portgroup(dvs, "dv-private", pvlan(150));
         web_on(lab, "esx-a1.lab.local", "dv-private");
       },
       {{"leaf1a", "Port-Channel11", "130,150"}}},
      {"the DVS uplink portgroup carries nothing",
       DemandMode::kPortgroup,
       "1-4094",
       [](Lab& lab) { web_on(lab, "esx-a1.lab.local", "dv-uplinks"); },
       {{"leaf1a", "Port-Channel11", "120,130,200-210"}}},
      {"nothing outside the managed VLANs",
       DemandMode::kOnDemand,
       "200-300",
       [](Lab& lab) { web_on(lab, "esx-a1.lab.local", "dv-web"); },
       {{"leaf1a", "Port-Channel11", "NONE"}}},
      {"a standard portgroup lands on its vSwitch's uplinks, not the DVS's",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) { lab.add_nic(lab.add_vm("app", a1(lab)), "pg-app"); },
       {{"leaf1a", "Ethernet1", "110"},
        {"leaf1b", "Ethernet1", "110"},
        {"leaf1a", "Port-Channel11", "130"}}},
      {"a vNIC on a standard portgroup its host lacks demands nothing",
       DemandMode::kOnDemand,
       "100-3999",
       [](Lab& lab) { lab.add_nic(lab.add_vm("app", a1(lab)), "pg-elsewhere"); },
       {{"leaf1a", "Ethernet1", "NONE"}}},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      Lab lab = pod_lab();
      c.setup(lab);
      const Plan p = plan(lab.snapshot(), policy(c.mode, c.managed));
      for (const Expect& e : c.expect) {
        INFO(e.sw << " " << e.interface);
        CHECK(allowed_on(p, e.sw, e.interface).to_string() == e.vlans);
      }
    }
  }
}

TEST_CASE("uplinks on an MLAG port-channel make one ESX-facing attachment per peer") {
  Lab lab = pod_lab();
  const Plan p = plan(lab.snapshot(), policy());
  for (const char* leaf : {"leaf1a", "leaf1b"}) {
    const SwitchPlan& sw = *p.switches.at(SwitchId(leaf));
    CHECK(sw.roles.at(InterfaceName("Port-Channel11")) == PortRole::kEsxFacing);
    CHECK(sw.roles.at(InterfaceName("Ethernet1")) == PortRole::kEsxFacing);
    CHECK_FALSE(sw.roles.contains(InterfaceName("Ethernet11")));  // a member, not an attachment
    CHECK_FALSE(sw.roles.contains(InterfaceName("Ethernet30")));  // nothing of vmfabric's
  }
}

TEST_CASE("two uplinks on members of one port-channel of one switch make one attachment") {
  Lab lab;
  lab.add_switch("leaf1");
  const HostId host = lab.add_host("esx-1");
  lab.add_port("leaf1", "Ethernet5", "Port-Channel5")
      .add_port("leaf1", "Ethernet6", "Port-Channel5");
  lab.cable(host, "vmnic0", "leaf1", "Ethernet5").cable(host, "vmnic1", "leaf1", "Ethernet6");
  lab.add_vswitch(host, "vSwitch0", {"vmnic0", "vmnic1"});
  lab.add_portgroup(host, "pg-app", "vSwitch0", vlan(110));
  lab.add_nic(lab.add_vm("app", host), "pg-app");
  const Plan p = plan(lab.snapshot(), policy());
  const SwitchPlan& sw = *p.switches.at(SwitchId("leaf1"));
  CHECK(sw.roles.size() == 1);
  CHECK(allowed_on(p, "leaf1", "Port-Channel5") == VlanSet::of({110}));
  CHECK(p.correlation->uplinks.at(PnicId{host, "vmnic1"}).port ==
        InterfaceId{SwitchId("leaf1"), InterfaceName("Ethernet6")});
}

TEST_CASE("an unlocated uplink contributes nothing") {
  Lab lab = pod_lab();
  const HostId a1 = host_id(lab, "esx-a1.lab.local");
  lab.set_pnic_hints(a1, "vmnic0", std::nullopt, std::nullopt);
  Interface port = lab.get<Interface>({SwitchId("leaf1a"), InterfaceName("Ethernet1")});
  port.lldp.clear();
  lab.upsert(port);
  lab.add_nic(lab.add_vm("app", a1), "pg-app");
  const Plan p = plan(lab.snapshot(), policy());
  CHECK_FALSE(p.switches.at(SwitchId("leaf1a"))->roles.contains(InterfaceName("Ethernet1")));
  CHECK(allowed_on(p, "leaf1b", "Ethernet1") == VlanSet::of({110}));
}

}  // namespace
}  // namespace vmfabric::planner::testing
