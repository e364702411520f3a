// explain(): the causes behind one VLAN on one interface of a plan, as people read them.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "lab.h"

namespace vmfabric::planner::testing {
namespace {

using Lines = std::vector<std::string>;

InterfaceId at(const char* sw, const char* port) { return {SwitchId(sw), InterfaceName(port)}; }

struct Explained {
  Lab lab = pod_lab();
  PlanPolicy rules;
  explicit Explained(DemandMode mode = DemandMode::kOnDemand) : rules(policy(mode)) {
    lab.add_dv_nic(lab.add_vm("web-1", host_id(lab, "esx-a1.lab.local")),
                   dv_portgroup_id("dv-web"));
    lab.add_dv_nic(lab.add_vm("web-7", host_id(lab, "esx-b1.lab.local")),
                   dv_portgroup_id("dv-web"));
  }
  Lines operator()(const InterfaceId& where, int vlan) const {
    return explain(lab.snapshot(), rules, where, VlanId{static_cast<std::uint16_t>(vlan)});
  }
};

TEST_CASE("explain names the VM, the host and the portgroup on ESX-facing ports") {
  const Explained why;
  CHECK(why(at("leaf1a", "Port-Channel11"), 120) ==
        Lines{"VM web-1 on esx-a1.lab.local via dv-web (VLAN 120)"});
  CHECK(why(at("leaf1a", "Port-Channel11"), 130) ==
        Lines{"vmk1 (vmotion) of esx-a1.lab.local via dv-vmotion"});
  CHECK(why(at("leaf1a", "Ethernet1"), 120).empty());  // not allowed there
}

TEST_CASE("explain names the fabric paths and the MLAG peer-link") {
  const Explained why;
  CHECK(why(at("leaf1a", "Ethernet49"), 120) ==
        Lines{"fabric path leaf1a - spine1 - leaf2a: VLAN 120 is on leaf1a and leaf2a",
              "fabric path leaf1a - spine1 - leaf2b: VLAN 120 is on leaf1a and leaf2b"});
  CHECK(why(at("leaf1a", "Port-Channel1000"), 120) ==
        Lines{"fabric path leaf1a - leaf1b: VLAN 120 is on leaf1a and leaf1b",
              "MLAG peer-link of pod1: VLAN 120 is on leaf1a and leaf1b"});
}

TEST_CASE("explain names the vMotion destination and cluster mode") {
  Explained moving;
  moving.lab.migrate(VmId{kVc, "vm-1000"}, host_id(moving.lab, "esx-a2.lab.local"));
  CHECK(moving(at("leaf1b", "Port-Channel12"), 120) ==
        Lines{"VM web-1 migrating to esx-a2.lab.local via dv-web (VLAN 120)"});
  const Explained cluster(DemandMode::kCluster);
  CHECK(cluster(at("leaf1b", "Port-Channel12"), 120) ==
        Lines{"VM web-1 on esx-a1.lab.local via dv-web (VLAN 120), may move to esx-a2.lab.local "
              "(cluster mode)"});
  const Explained portgroups(DemandMode::kPortgroup);
  CHECK(portgroups(at("leaf1a", "Ethernet2"), 110) ==
        Lines{"portgroup pg-app on esx-a2.lab.local (VLAN 110, portgroup mode)"});
}

}  // namespace
}  // namespace vmfabric::planner::testing
