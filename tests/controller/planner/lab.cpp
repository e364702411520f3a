#include "lab.h"

#include <cstdio>
#include <stdexcept>

namespace vmfabric::planner::testing {
namespace {

std::string mac(int a, int b, int c, int d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "00:%02x:%02x:%02x:%02x:%02x", a & 0xff, b & 0xff, (c >> 8) & 0xff,
                c & 0xff, d & 0xff);
  return buf;
}

int device_number(const std::string& device) {
  const auto digits = device.find_first_of("0123456789");
  return digits == std::string::npos ? 0 : std::stoi(device.substr(digits));
}

int next_nic_key(const Snapshot& graph, const VmId& vm) {
  int key = 4000;
  while (graph.find<VmNic>({vm, key}) != nullptr) ++key;
  return key;
}

}  // namespace

PortgroupVlan untagged() { return {}; }
PortgroupVlan vlan(int id) { return {VlanMode::kVlan, VlanSet::of({id})}; }
PortgroupVlan trunk(const std::string& ranges) {
  return {VlanMode::kTrunk, VlanSet::parse(ranges)};
}
PortgroupVlan pvlan(int primary) { return {VlanMode::kPrivate, VlanSet::of({primary})}; }

std::string switch_mac(int n) { return mac(0x1c, 0x73, 0, n); }

VlanSet allowed_on(const Plan& plan, const std::string& sw, const std::string& interface) {
  const SwitchPlan* s = plan.find(SwitchId(sw));
  if (s == nullptr) return {};
  const auto i = s->allowed.find(InterfaceName(interface));
  return i == s->allowed.end() ? VlanSet() : i->second;
}

Lab& Lab::add_switch(const std::string& name) {
  Switch s;
  s.id = SwitchId(name);
  s.hostname = name;
  s.system_mac = switch_mac(++switches_);
  s.reachability = Reachability::kReachable;
  return upsert(s);
}

Lab& Lab::add_port(const std::string& sw, const std::string& port,
                   const std::optional<std::string>& channel) {
  const InterfaceId id{SwitchId(sw), InterfaceName(port)};
  const Interface* existing = snapshot().find<Interface>(id);
  Interface i = existing != nullptr ? *existing : Interface{};
  i.id = id;
  i.oper_up = true;
  i.mode = SwitchportMode::kTrunk;
  if (channel) {
    i.channel_group = InterfaceName(*channel);
    const PortChannelId pc_id{SwitchId(sw), InterfaceName(*channel)};
    const PortChannel* pc = snapshot().find<PortChannel>(pc_id);
    PortChannel bundle = pc != nullptr ? *pc : PortChannel{};
    bundle.id = pc_id;
    bundle.members.push_back(InterfaceName(port));
    upsert(bundle);
  }
  return upsert(i);
}

Lab& Lab::add_link(const std::string& a, const std::string& a_port, const std::string& b,
                   const std::string& b_port) {
  if (snapshot().find<Interface>({SwitchId(a), InterfaceName(a_port)}) == nullptr) {
    add_port(a, a_port);
  }
  if (snapshot().find<Interface>({SwitchId(b), InterfaceName(b_port)}) == nullptr) {
    add_port(b, b_port);
  }
  Link link;
  link.id = LinkId::of({SwitchId(a), InterfaceName(a_port)}, {SwitchId(b), InterfaceName(b_port)});
  return upsert(link);
}

Lab& Lab::add_mlag(const std::string& a, const std::string& b, const std::string& domain) {
  for (const char* port : {"Ethernet47", "Ethernet48"}) {
    add_port(a, port, "Port-Channel1000");
    add_port(b, port, "Port-Channel1000");
    add_link(a, port, b, port);
  }
  MlagPair pair;
  pair.id = MlagId::of(SwitchId(a), SwitchId(b));
  pair.domain = domain;
  pair.peer_link = InterfaceName("Port-Channel1000");
  pair.active = true;
  return upsert(pair);
}

Lab& Lab::add_switch_lldp(const std::string& sw, const std::string& port, LldpNeighbor neighbor) {
  const InterfaceId id{SwitchId(sw), InterfaceName(port)};
  if (snapshot().find<Interface>(id) == nullptr) add_port(sw, port);
  Interface i = get<Interface>(id);
  i.lldp.push_back(std::move(neighbor));
  return upsert(i);
}

Lab::Lab() {
  VCenter vc;
  vc.id = kVc;
  vc.synced = true;
  upsert(vc);
}

HostId Lab::add_host(const std::string& name, const std::string& cluster) {
  Host h;
  h.id = {kVc, "host-" + std::to_string(100 + host_numbers_.size())};
  h.name = name;
  if (!cluster.empty()) {
    Cluster c;
    c.id = {kVc, "domain-" + cluster};
    c.name = cluster;
    upsert(c);
    h.cluster = c.id;
  }
  host_numbers_.emplace(h.id, static_cast<int>(host_numbers_.size()) + 1);
  upsert(h);
  return h.id;
}

Lab& Lab::add_pnic(const HostId& host, const std::string& device) {
  Pnic p;
  p.id = {host, device};
  p.mac = mac(0x50, 0x56, host_numbers_.at(host), device_number(device));
  p.speed_mbps = 25000;
  return upsert(p);
}

Lab& Lab::cable(const HostId& host, const std::string& device, const std::string& sw,
                const std::string& port, bool switch_side) {
  if (snapshot().find<Pnic>({host, device}) == nullptr) add_pnic(host, device);
  if (snapshot().find<Interface>({SwitchId(sw), InterfaceName(port)}) == nullptr) {
    add_port(sw, port);
  }
  Pnic p = get<Pnic>({host, device});
  p.lldp = NeighborHint{get<Switch>(SwitchId(sw)).system_mac, port, sw};
  upsert(p);
  if (switch_side) {
    add_switch_lldp(sw, port, LldpNeighbor{p.mac, device, get<Host>(host).name});
  }
  return *this;
}

Lab& Lab::set_pnic_hints(const HostId& host, const std::string& device,
                         std::optional<NeighborHint> lldp, std::optional<NeighborHint> cdp) {
  if (snapshot().find<Pnic>({host, device}) == nullptr) add_pnic(host, device);
  Pnic p = get<Pnic>({host, device});
  p.lldp = std::move(lldp);
  p.cdp = std::move(cdp);
  return upsert(p);
}

Lab& Lab::add_vswitch(const HostId& host, const std::string& name,
                      const std::vector<std::string>& uplinks) {
  VSwitch vs;
  vs.id = {host, name};
  vs.uplinks = uplinks;
  return upsert(vs);
}

DvsId Lab::add_dvs(const std::string& name) {
  DistributedSwitch dvs;
  dvs.id = {kVc, "dvs-" + name};
  dvs.name = name;
  dvs.uuid = "uuid " + name;
  upsert(dvs);
  return dvs.id;
}

Lab& Lab::add_proxy(const HostId& host, const DvsId& dvs, const std::vector<std::string>& uplinks) {
  VSwitch vs;
  vs.id = {host, get<DistributedSwitch>(dvs).name};
  vs.kind = VSwitchKind::kDistributed;
  vs.dvs = dvs;
  vs.uplinks = uplinks;
  return upsert(vs);
}

Lab& Lab::add_portgroup(const HostId& host, const std::string& name, const std::string& vswitch,
                        PortgroupVlan vlan) {
  StandardPortgroup pg;
  pg.id = {host, name};
  pg.vswitch = vswitch;
  pg.vlan = std::move(vlan);
  return upsert(pg);
}

DvPortgroupId Lab::add_dv_portgroup(const DvsId& dvs, const std::string& name, PortgroupVlan vlan,
                                    bool uplink) {
  DvPortgroup pg;
  pg.id = {kVc, "dvportgroup-" + name};
  pg.name = name;
  pg.dvs = dvs;
  pg.vlan = std::move(vlan);
  pg.uplink = uplink;
  upsert(pg);
  return pg.id;
}

Lab& Lab::add_vmknic(const HostId& host, const std::string& device, const std::string& portgroup,
                     std::vector<VmkService> services) {
  VmkNic vmk;
  vmk.id = {host, device};
  vmk.portgroup = portgroup;
  vmk.services = std::move(services);
  return upsert(vmk);
}

Lab& Lab::add_dv_vmknic(const HostId& host, const std::string& device, const DvPortgroupId& pg,
                        std::vector<VmkService> services) {
  VmkNic vmk;
  vmk.id = {host, device};
  vmk.dv_portgroup = pg;
  vmk.services = std::move(services);
  return upsert(vmk);
}

VmId Lab::add_vm(const std::string& name, const HostId& host, PowerState power) {
  Vm vm;
  vm.id = {kVc, "vm-" + std::to_string(1000 + vms_++)};
  vm.name = name;
  vm.power = power;
  vm.host = host;
  upsert(vm);
  return vm.id;
}

Lab& Lab::add_nic(const VmId& vm, const std::string& standard_portgroup, bool connected) {
  VmNic nic;
  nic.id = {vm, next_nic_key(snapshot(), vm)};
  nic.backing.standard_portgroup = standard_portgroup;
  nic.connected = connected;
  return upsert(nic);
}

Lab& Lab::add_dv_nic(const VmId& vm, const DvPortgroupId& pg, bool connected) {
  VmNic nic;
  nic.id = {vm, next_nic_key(snapshot(), vm)};
  nic.backing.dv_portgroup = pg;
  nic.connected = connected;
  return upsert(nic);
}

Lab& Lab::migrate(const VmId& vm, const HostId& destination) {
  Vm v = get<Vm>(vm);
  v.migrating_to = destination;
  return upsert(v);
}

Lab pod_lab() {
  Lab lab;
  for (const char* sw : {"spine1", "spine2", "leaf1a", "leaf1b", "leaf2a", "leaf2b"}) {
    lab.add_switch(sw);
  }
  const std::vector<std::string> leaves = {"leaf1a", "leaf1b", "leaf2a", "leaf2b"};
  for (std::size_t l = 0; l < leaves.size(); ++l) {
    const std::string spine_port = "Ethernet" + std::to_string(l + 1);
    lab.add_link("spine1", spine_port, leaves[l], "Ethernet49");
    lab.add_link("spine2", spine_port, leaves[l], "Ethernet50");
  }
  lab.add_mlag("leaf1a", "leaf1b", "pod1");
  lab.add_mlag("leaf2a", "leaf2b", "pod2");

  const DvsId dvs = lab.add_dvs("dvs-prod");
  lab.add_dv_portgroup(dvs, "dv-web", vlan(120));
  lab.add_dv_portgroup(dvs, "dv-trunk", trunk("200-210"));
  const DvPortgroupId vmotion = lab.add_dv_portgroup(dvs, "dv-vmotion", vlan(130));
  lab.add_dv_portgroup(dvs, "dv-uplinks", trunk("1-4094"), true);
  const struct {
    const char* name;
    const char* cluster;
    const char* leaf_a;
    const char* leaf_b;
    int port;
  } hosts[] = {{"esx-a1.lab.local", "cluster-a", "leaf1a", "leaf1b", 1},
               {"esx-a2.lab.local", "cluster-a", "leaf1a", "leaf1b", 2},
               {"esx-b1.lab.local", "cluster-b", "leaf2a", "leaf2b", 1}};
  for (const auto& h : hosts) {
    const HostId host = lab.add_host(h.name, h.cluster);
    const std::string access = "Ethernet" + std::to_string(h.port);
    const std::string bundled = "Ethernet" + std::to_string(10 + h.port);
    const std::string channel = "Port-Channel" + std::to_string(10 + h.port);
    lab.add_port(h.leaf_a, bundled, channel).add_port(h.leaf_b, bundled, channel);
    lab.cable(host, "vmnic0", h.leaf_a, access).cable(host, "vmnic1", h.leaf_b, access);
    lab.cable(host, "vmnic2", h.leaf_a, bundled).cable(host, "vmnic3", h.leaf_b, bundled);
    lab.add_vswitch(host, "vSwitch0", {"vmnic0", "vmnic1"});
    lab.add_portgroup(host, "Management Network", "vSwitch0", vlan(10));
    lab.add_portgroup(host, "pg-app", "vSwitch0", vlan(110));
    lab.add_portgroup(host, "VM Network", "vSwitch0", untagged());
    lab.add_proxy(host, dvs, {"vmnic2", "vmnic3"});
    lab.add_vmknic(host, "vmk0", "Management Network");
    lab.add_dv_vmknic(host, "vmk1", vmotion);
  }
  return lab;
}

HostId host_id(const Lab& lab, const std::string& name) {
  for (const Host& h : lab.snapshot().all<Host>()) {
    if (h.name == name) return h.id;
  }
  throw std::runtime_error("no host " + name);
}

DvPortgroupId dv_portgroup_id(const std::string& name) { return {kVc, "dvportgroup-" + name}; }

PlanPolicy policy(DemandMode mode, const std::string& managed) {
  PlanPolicy p;
  p.managed = VlanSet::parse(managed);
  p.mode = mode;
  return p;
}

}  // namespace vmfabric::planner::testing
