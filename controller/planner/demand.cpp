// Demand: which hosts need which portgroups (per the policy's mode) and where that lands.
#include <algorithm>
#include <limits>

#include "planner/internal.h"

namespace vmfabric::planner::detail {

VlanSet carried_vlans(const PortgroupVlan& vlan, const VlanSet& managed) {
  // kUntagged stores no ids; a standard portgroup's 4095 is stored as the trunk 1-4094; a private
  // VLAN stores its primary.
  return vlan.mode == VlanMode::kUntagged ? VlanSet() : vlan.vlans & managed;
}

InventoryIndex::InventoryIndex(const Snapshot& graph, const PlanPolicy& policy)
    : graph_(graph), vms_(&graph), policy_(policy) {
  for (const VSwitch& vs : graph.all<VSwitch>()) {
    if (vs.kind != VSwitchKind::kDistributed || !vs.dvs) continue;
    proxy_switches_.emplace(HostDvsView{view_of(vs.id.host), view_of(*vs.dvs)}, &vs);
    dvs_members_[*vs.dvs].push_back(vs.id.host);
  }
  for (const Host& host : graph.all<Host>()) {
    if (host.cluster) cluster_hosts_[*host.cluster].push_back(host.id);
  }
  // Built once cluster_hosts_ is complete: the groups point into its vectors.
  hosts_.reserve(graph.count<Host>());
  for (const Host& host : graph.all<Host>()) {
    HostEntry entry{&host, {&host.id, 1}};
    if (policy_.mode == DemandMode::kCluster && host.cluster) {
      entry.group = cluster_hosts_.at(*host.cluster);
    }
    hosts_.emplace(view_of(host.id), entry);
  }
  dv_portgroups_.reserve(graph.count<DvPortgroup>());
  dv_carried_.reserve(graph.count<DvPortgroup>());
  for (const DvPortgroup& pg : graph.all<DvPortgroup>()) {
    dv_portgroups_.emplace(view_of(pg.id), &pg);
    dv_carried_.emplace(&pg, carried_vlans(pg.vlan, policy_.managed));
  }
  // Names: a portgroup's own VLAN names it before any trunk that also carries it. Portgroups
  // are gathered by name first: a standard portgroup exists once per host.
  std::map<std::string_view, VlanSet> own_vlans;
  const auto name_by = [&](std::string_view name, const PortgroupVlan& vlan) {
    if (vlan.mode == VlanMode::kTrunk) {
      trunk_names_[name] |= vlan.vlans;
    } else if (vlan.mode != VlanMode::kUntagged) {
      own_vlans[name] |= vlan.vlans;
    }
  };
  for (const StandardPortgroup& pg : graph.all<StandardPortgroup>()) name_by(pg.id.name, pg.vlan);
  for (const DvPortgroup& pg : graph.all<DvPortgroup>()) {
    if (!pg.uplink) name_by(pg.name, pg.vlan);
  }
  for (const auto& [name, vlans] : own_vlans) {  // alphabetical: the first name stays
    for (VlanId v : vlans.ids()) single_vlan_names_.emplace(v, name);
  }
}

std::string InventoryIndex::vlan_name(VlanId vlan) const {
  if (auto it = single_vlan_names_.find(vlan); it != single_vlan_names_.end()) {
    return std::string(it->second);
  }
  for (const auto& [name, vlans] : trunk_names_) {
    if (vlans.contains(vlan)) return std::string(name);
  }
  return {};
}

std::string InventoryIndex::host_name(const HostId& host) const {
  const Host* h = find_host(host);
  return h != nullptr ? h->name : host.moref;
}

const Host* InventoryIndex::find_host(const HostId& host) const {
  const auto it = hosts_.find(view_of(host));
  return it == hosts_.end() ? nullptr : it->second.host;
}

const VSwitch* InventoryIndex::proxy_switch(const HostId& host, const DvsId& dvs) const {
  const auto it = proxy_switches_.find(HostDvsView{view_of(host), view_of(dvs)});
  return it == proxy_switches_.end() ? nullptr : it->second;
}

std::span<const HostId> InventoryIndex::host_group(const HostId& host) const {
  const auto it = hosts_.find(view_of(host));
  return it == hosts_.end() ? std::span<const HostId>() : it->second.group;
}

std::optional<Placement> InventoryIndex::place(const HostId& host,
                                               const PortgroupRef& portgroup) const {
  if (portgroup.distributed != nullptr) {
    const DvPortgroup& pg = *portgroup.distributed;
    if (pg.uplink) return std::nullopt;
    const VSwitch* proxy = proxy_switch(host, pg.dvs);
    if (proxy == nullptr) return std::nullopt;
    const auto carried = dv_carried_.find(&pg);
    return Placement{
        proxy,
        carried != dv_carried_.end() ? carried->second : carried_vlans(pg.vlan, policy_.managed),
        pg.name};
  }
  const auto* pg = graph_.find<StandardPortgroup>({host, std::string(portgroup.standard)});
  if (pg == nullptr) return std::nullopt;
  const auto* vs = graph_.find<VSwitch>({host, pg->vswitch});
  if (vs == nullptr) return std::nullopt;
  return Placement{vs, carried_vlans(pg->vlan, policy_.managed), pg->id.name};
}

void InventoryIndex::vmknic_demand(const VmkNic& vmk,
                                   const std::function<void(const DemandUse&)>& use) const {
  // A host's vmkernel adapters need their portgroup on that host whatever the mode.
  const Host* host = find_host(vmk.id.host);
  if (host == nullptr) return;
  DemandCause cause{DemandCause::Kind::kVmkNic, nullptr, false, &vmk};
  PortgroupRef pg{vmk.portgroup, nullptr};
  if (vmk.dv_portgroup) {
    const auto found = dv_portgroups_.find(view_of(*vmk.dv_portgroup));
    if (found == dv_portgroups_.end()) return;
    pg.distributed = found->second;
  }
  use({{&host->id, 1}, pg, cause});
}

void InventoryIndex::for_each_vmknic_demand(
    const HostId& host, const std::function<void(const DemandUse&)>& use) const {
  const EntityMap<VmkNic>& vmknics = graph_.all<VmkNic>();
  for (auto it = vmknics.lower_bound(VmkNicId{host, ""});
       it != vmknics.end() && it->id.host == host; ++it) {
    vmknic_demand(*it, use);
  }
}

void InventoryIndex::for_each_demand(const std::function<void(const DemandUse&)>& use) const {
  for (const VmkNic& vmk : graph_.all<VmkNic>()) vmknic_demand(vmk, use);
  if (policy_.mode == DemandMode::kPortgroup) {
    for_each_portgroup_demand(use);
  } else {
    for_each_vm_demand(use);
  }
}

void InventoryIndex::for_each_vm_demand(const std::function<void(const DemandUse&)>& use) const {
  // VMs and vNICs are both ordered by VM: walk them side by side rather than look each VM up.
  const EntityMap<VmNic>& nics = vms_->all<VmNic>();
  auto nic = nics.begin();
  for (const Vm& vm : vms_->all<Vm>()) {
    while (nic != nics.end() && nic->id.vm < vm.id) ++nic;
    vm_demand(vm, nic, nics.end(), use);
  }
}

void InventoryIndex::for_each_demand_of(const Snapshot& graph, const Vm& vm,
                                        const std::function<void(const DemandUse&)>& use) const {
  if (policy_.mode == DemandMode::kPortgroup) return;
  const EntityMap<VmNic>& nics = graph.all<VmNic>();
  auto nic = nics.lower_bound(VmNicId{vm.id, std::numeric_limits<int>::min()});
  vm_demand(vm, nic, nics.end(), use);
}

void InventoryIndex::vm_demand(const Vm& vm, EntityMap<VmNic>::Iterator& nic,
                               const EntityMap<VmNic>::Iterator& end,
                               const std::function<void(const DemandUse&)>& use) const {
  if (vm.power != PowerState::kPoweredOn) return;
  const std::span<const HostId> at = vm.host ? host_group(*vm.host) : std::span<const HostId>();
  // vMotion: the destination has the VLAN before the VM arrives.
  const std::span<const HostId> going = vm.migrating_to && vm.migrating_to != vm.host
                                            ? host_group(*vm.migrating_to)
                                            : std::span<const HostId>();
  for (; nic != end && nic->id.vm == vm.id; ++nic) {
    if (!nic->connected) continue;
    PortgroupRef pg{nic->backing.standard_portgroup, nullptr};
    if (nic->backing.dv_portgroup) {
      const auto found = dv_portgroups_.find(view_of(*nic->backing.dv_portgroup));
      if (found == dv_portgroups_.end()) continue;
      pg.distributed = found->second;
    } else if (pg.standard.empty()) {
      continue;
    }
    if (!at.empty()) use({at, pg, {DemandCause::Kind::kVm, &vm, false, nullptr}});
    if (!going.empty()) use({going, pg, {DemandCause::Kind::kVm, &vm, true, nullptr}});
  }
}

void InventoryIndex::for_each_portgroup_demand(
    const std::function<void(const DemandUse&)>& use) const {
  const DemandCause cause{DemandCause::Kind::kPortgroup, nullptr, false, nullptr};
  for (const StandardPortgroup& pg : graph_.all<StandardPortgroup>()) {
    const Host* host = find_host(pg.id.host);
    if (host != nullptr) use({{&host->id, 1}, {pg.id.name, nullptr}, cause});
  }
  for (const DvPortgroup& pg : graph_.all<DvPortgroup>()) {
    if (pg.uplink) continue;
    if (auto members = dvs_members_.find(pg.dvs); members != dvs_members_.end()) {
      use({members->second, {{}, &pg}, cause});
    }
  }
}

void for_each_attachment(const Correlation& correlation, const HostId& host, const VSwitch& vswitch,
                         const std::function<void(const InterfaceId&)>& attachment) {
  for (const std::string& device : vswitch.uplinks) {
    const auto uplink = correlation.uplinks.find(PnicId{host, device});
    if (uplink != correlation.uplinks.end()) attachment(uplink->second.attachment);
  }
}

}  // namespace vmfabric::planner::detail
