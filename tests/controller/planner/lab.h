// A small builder of graphs for planner tests: switches, ports, links and MLAG pairs on one side;
// hosts, pnics, vSwitches, portgroups, vmknics and VMs on the other; cabling with the LLDP both
// sides would exchange.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "planner/planner.h"

namespace vmfabric::planner::testing {

inline const VCenterId kVc{"vc1"};

PortgroupVlan untagged();
PortgroupVlan vlan(int id);
PortgroupVlan trunk(const std::string& ranges);
PortgroupVlan pvlan(int primary);

class Lab {
 public:
  Lab();  // the vCenter vc1 alone

  // ---- fabric ----
  // A switch whose hostname is its name and whose system MAC is 00:1c:73:00:00:NN.
  Lab& add_switch(const std::string& name);
  // The interface, created when missing; `channel` makes it a member of that port-channel.
  Lab& add_port(const std::string& sw, const std::string& port,
                const std::optional<std::string>& channel = std::nullopt);
  Lab& add_link(const std::string& a, const std::string& a_port, const std::string& b,
                const std::string& b_port);
  // An MLAG pair whose peer-link Port-Channel1000 bundles Ethernet47-48 linked peer to peer.
  Lab& add_mlag(const std::string& a, const std::string& b, const std::string& domain);
  Lab& add_switch_lldp(const std::string& sw, const std::string& port, LldpNeighbor neighbor);

  // ---- inventory ----
  HostId add_host(const std::string& name, const std::string& cluster = "");
  // A pnic with MAC 00:50:56:HH:HH:NN (host number, device number).
  Lab& add_pnic(const HostId& host, const std::string& device);
  // Cables the pnic to sw/port: the host hears the switch by LLDP (chassis = system MAC, port,
  // system name) and, with `switch_side`, the switch hears the host (name, vmnic, MAC).
  Lab& cable(const HostId& host, const std::string& device, const std::string& sw,
             const std::string& port, bool switch_side = true);
  Lab& set_pnic_hints(const HostId& host, const std::string& device,
                      std::optional<NeighborHint> lldp, std::optional<NeighborHint> cdp);
  Lab& add_vswitch(const HostId& host, const std::string& name,
                   const std::vector<std::string>& uplinks);
  DvsId add_dvs(const std::string& name);
  Lab& add_proxy(const HostId& host, const DvsId& dvs, const std::vector<std::string>& uplinks);
  Lab& add_portgroup(const HostId& host, const std::string& name, const std::string& vswitch,
                     PortgroupVlan vlan);
  DvPortgroupId add_dv_portgroup(const DvsId& dvs, const std::string& name, PortgroupVlan vlan,
                                 bool uplink = false);
  Lab& add_vmknic(const HostId& host, const std::string& device, const std::string& portgroup,
                  std::vector<VmkService> services = {VmkService::kManagement});
  Lab& add_dv_vmknic(const HostId& host, const std::string& device, const DvPortgroupId& pg,
                     std::vector<VmkService> services = {VmkService::kVmotion});
  VmId add_vm(const std::string& name, const HostId& host,
              PowerState power = PowerState::kPoweredOn);
  Lab& add_nic(const VmId& vm, const std::string& standard_portgroup, bool connected = true);
  Lab& add_dv_nic(const VmId& vm, const DvPortgroupId& pg, bool connected = true);
  Lab& migrate(const VmId& vm, const HostId& destination);

  template <class T>
  Lab& upsert(T entity) {
    Delta d;
    d.upsert(std::move(entity));
    graph_.apply(d);
    return *this;
  }
  template <class T>
  T get(const typename T::Id& id) const {
    return *graph_.current().find<T>(id);
  }

  const Snapshot& snapshot() const { return graph_.current(); }

 private:
  Graph graph_;
  int switches_ = 0;
  std::map<HostId, int> host_numbers_;
  int vms_ = 0;
};

// The system MAC of the lab's switch number `n` (1-based, in order of add_switch).
std::string switch_mac(int n);

// The allowed VLANs of sw/interface in the plan (empty when not listed).
VlanSet allowed_on(const Plan& plan, const std::string& sw, const std::string& interface);

// The lab of most tests: spine1-2 above MLAG pairs pod1 (leaf1a-b) and pod2 (leaf2a-b), each
// leaf's Ethernet49-50 to spine1-2. Hosts esx-a1, esx-a2 (cluster-a, pod1, ports 1 and 2) and
// esx-b1 (cluster-b, pod2, port 1), all *.lab.local: vmnic0/1 on EthernetP of the a/b leaf for
// vSwitch0 (Management Network 10, pg-app 110, VM Network untagged; vmk0 on Management Network);
// vmnic2/3 on Ethernet1P of both leaves in MLAG Port-Channel1P for dvs-prod (dv-web 120, dv-trunk
// 200-210, dv-vmotion 130 with vmk1 of every host, dv-uplinks). LLDP both ways everywhere.
// No VMs.
Lab pod_lab();

HostId host_id(const Lab& lab, const std::string& name);
DvPortgroupId dv_portgroup_id(const std::string& name);
PlanPolicy policy(DemandMode mode = DemandMode::kOnDemand, const std::string& managed = "100-3999");

}  // namespace vmfabric::planner::testing
