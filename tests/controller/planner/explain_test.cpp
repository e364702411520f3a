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
  VmId web7;
  explicit Explained(DemandMode mode = DemandMode::kOnDemand) : rules(policy(mode)) {
    add("web-1", "esx-a1.lab.local", "dv-web");
    web7 = add("web-7", "esx-b1.lab.local", "dv-web");
  }
  // A VM on `host` with one vNIC on the DV portgroup `portgroup`.
  VmId add(const char* name, const char* host, const char* portgroup) {
    const VmId vm = lab.add_vm(name, host_id(lab, host));
    lab.add_dv_nic(vm, dv_portgroup_id(portgroup));
    return vm;
  }
  Planner planned() const {
    Planner planner(rules);
    planner.update(lab.snapshot());
    return planner;
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

TEST_CASE("a cause names the VMs that just changed, else the host's vmkernel adapters") {
  Explained why;
  const VmId web2 = why.add("web-2", "esx-a1.lab.local", "dv-web");
  // A VM on the vMotion network too: VLAN 130 has two causes behind Port-Channel11.
  why.add("tool-1", "esx-a1.lab.local", "dv-vmotion");
  const Planner planner = why.planned();
  const InterfaceId pc11 = at("leaf1a", "Port-Channel11");
  const VlanId web{120};
  const Lines everyone{"VM web-1 on esx-a1.lab.local via dv-web (VLAN 120)",
                       "VM web-2 on esx-a1.lab.local via dv-web (VLAN 120)"};
  CHECK(planner.explain(pc11, web) == everyone);
  const std::vector<VmId> just_web2{web2}, just_web7{why.web7};
  CHECK(planner.explain(pc11, web, 3, &just_web2) ==
        Lines{"VM web-2 on esx-a1.lab.local via dv-web (VLAN 120)"});
  // web-7 runs behind another leaf: every VM is searched.
  CHECK(planner.explain(pc11, web, 3, &just_web7) == everyone);
  // The host's own vmkernel adapters are searched before every VM.
  const VlanId vmotion{130};
  CHECK(planner.explain(pc11, vmotion) ==
        Lines{"vmk1 (vmotion) of esx-a1.lab.local via dv-vmotion",
              "VM tool-1 on esx-a1.lab.local via dv-vmotion (VLAN 130)"});
  CHECK(planner.explain(pc11, vmotion, 3, &just_web7) ==
        Lines{"vmk1 (vmotion) of esx-a1.lab.local via dv-vmotion"});
}

TEST_CASE("many questions at once get the answers of one question at a time") {
  for (const DemandMode mode :
       {DemandMode::kOnDemand, DemandMode::kCluster, DemandMode::kPortgroup}) {
    Explained lab(mode);
    const VmId web2 = lab.add("web-2", "esx-a1.lab.local", "dv-web");
    lab.add("tool-1", "esx-b1.lab.local", "dv-vmotion");
    const Planner planner = lab.planned();
    // Every interface of every switch plan with every VLAN, allowed there or not.
    std::vector<Planner::Question> questions;
    for (const auto& [sw, plan] : planner.plan().switches) {
      for (const auto& [name, allowed] : plan->allowed) {
        for (const int vlan : {110, 120, 130, 999}) {
          questions.push_back({InterfaceId{sw, name}, VlanId{static_cast<std::uint16_t>(vlan)}});
        }
      }
    }
    REQUIRE(questions.size() > 20);
    const std::vector<VmId> none, just_web2{web2}, just_web7{lab.web7};
    for (const std::vector<VmId>* recent :
         {&none, &just_web2, &just_web7, static_cast<const std::vector<VmId>*>(nullptr)}) {
      for (const std::size_t limit : {std::size_t{1}, std::size_t{3}, SIZE_MAX}) {
        std::vector<Lines> together = planner.explain_demand(questions, limit, recent);
        REQUIRE(together.size() == questions.size());
        std::size_t answered = 0;
        for (std::size_t i = 0; i < questions.size(); ++i) {
          planner.explain_fabric(questions[i], limit, together[i]);
          INFO(questions[i].where.sw.str()
               << " " << questions[i].where.name.str() << " VLAN " << questions[i].vlan.value);
          CHECK(together[i] ==
                planner.explain(questions[i].where, questions[i].vlan, limit, recent));
          answered += together[i].empty() ? 0 : 1;
        }
        CHECK(answered > 10);
      }
    }
  }
}

}  // namespace
}  // namespace vmfabric::planner::testing
