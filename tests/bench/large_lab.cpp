#include "large_lab.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace vmfabric::bench {
namespace {

std::string ethernet(int n) { return "Ethernet" + std::to_string(n); }

std::string mac(int a, int b, int c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "00:50:%02x:%02x:%02x:%02x", a & 0xff, (b >> 8) & 0xff, b & 0xff,
                c & 0xff);
  return buf;
}

Interface port(const std::string& sw, int n) {
  Interface i;
  i.id = {SwitchId(sw), InterfaceName(ethernet(n))};
  i.oper_up = true;
  i.mode = SwitchportMode::kTrunk;
  return i;
}

}  // namespace

Delta large_lab(int& vms, const LargeLabParts& parts, const LargeLabScale& scale) {
  Delta d;
  std::mt19937 rng(42);
  int switch_serial = 0;
  const auto add_switch = [&](const std::string& name) {
    Switch s;
    s.id = SwitchId(name);
    s.hostname = name;
    s.system_mac = mac(0x1c, switch_serial++, 0);
    if (parts.fabric) d.upsert(s);
  };
  std::vector<std::string> spines;
  for (int s = 1; s <= kSpines; ++s) {
    spines.push_back("spine" + std::to_string(s));
    add_switch(spines.back());
  }
  const VCenterId vc("vc1");
  VCenter center;
  center.id = vc;
  center.synced = true;
  d.upsert(center);
  DistributedSwitch dvs;
  dvs.id = {vc, "dvs-1"};
  dvs.name = "dvs-prod";
  if (parts.inventory) d.upsert(dvs);
  std::vector<DvPortgroupId> portgroups;
  for (int g = 0; g < kPortgroups; ++g) {
    DvPortgroup pg;
    pg.id = {vc, "dvportgroup-" + std::to_string(g)};
    pg.name = "dv-net-" + std::to_string(g);
    pg.dvs = dvs.id;
    pg.vlan = {VlanMode::kVlan, VlanSet::of({2 + g})};
    portgroups.push_back(pg.id);
    if (parts.inventory) d.upsert(pg);
  }

  int host_serial = 0;
  vms = 0;
  for (int p = 0; p < scale.leaf_pairs; ++p) {
    const std::string leaf[2] = {"leaf" + std::to_string(p) + "a",
                                 "leaf" + std::to_string(p) + "b"};
    for (int side = 0; side < 2 && parts.fabric; ++side) {
      add_switch(leaf[side]);
      for (int n = 1; n <= 48; ++n) {
        Interface i = port(leaf[side], n);
        if (n >= 47) i.channel_group = InterfaceName("Port-Channel1000");
        if (n > 20 && n <= 20 + kHostsPerPair) {
          i.channel_group = InterfaceName("Port-Channel" + std::to_string(n));
        }
        d.upsert(i);
      }
      const int leaf_index = 2 * p + side;
      for (int s = 0; s < kSpines; ++s) {
        d.upsert(port(spines[static_cast<std::size_t>(s)], leaf_index + 1));
        Link link;
        link.id = LinkId::of({SwitchId(leaf[side]), InterfaceName(ethernet(43 + s))},
                             {SwitchId(spines[static_cast<std::size_t>(s)]),
                              InterfaceName(ethernet(leaf_index + 1))});
        d.upsert(link);
      }
    }
    if (parts.fabric) {
      for (int n = 47; n <= 48; ++n) {
        Link link;
        link.id = LinkId::of({SwitchId(leaf[0]), InterfaceName(ethernet(n))},
                             {SwitchId(leaf[1]), InterfaceName(ethernet(n))});
        d.upsert(link);
      }
      MlagPair pair;
      pair.id = MlagId::of(SwitchId(leaf[0]), SwitchId(leaf[1]));
      pair.domain = "pod" + std::to_string(p);
      pair.peer_link = InterfaceName("Port-Channel1000");
      d.upsert(pair);
    }
    if (!parts.inventory) continue;

    for (int k = 1; k <= kHostsPerPair; ++k, ++host_serial) {
      const int cluster_no = host_serial / kClusterSize;
      Cluster cluster;
      cluster.id = {vc, "domain-c" + std::to_string(cluster_no)};
      cluster.name = "cluster-" + std::to_string(cluster_no);
      d.upsert(cluster);
      Host host;
      host.id = {vc, "host-" + std::to_string(host_serial)};
      host.name = "esx-" + std::to_string(host_serial) + ".dc.local";
      host.cluster = cluster.id;
      d.upsert(host);
      for (int nic = 0; nic < 4; ++nic) {
        const std::string& sw = leaf[nic % 2];
        const int n = nic < 2 ? k : 20 + k;
        Pnic pnic;
        pnic.id = {host.id, "vmnic" + std::to_string(nic)};
        pnic.mac = mac(0x56, host_serial, nic);
        pnic.lldp = NeighborHint{"", ethernet(n), sw};
        d.upsert(pnic);
      }
      VSwitch standard;
      standard.id = {host.id, "vSwitch0"};
      standard.uplinks = {"vmnic0", "vmnic1"};
      d.upsert(standard);
      VSwitch proxy;
      proxy.id = {host.id, "dvs-prod"};
      proxy.kind = VSwitchKind::kDistributed;
      proxy.dvs = dvs.id;
      proxy.uplinks = {"vmnic2", "vmnic3"};
      d.upsert(proxy);
      StandardPortgroup mgmt;
      mgmt.id = {host.id, "Management Network"};
      mgmt.vswitch = "vSwitch0";
      mgmt.vlan = {VlanMode::kVlan, VlanSet::of({4090})};
      d.upsert(mgmt);
      VmkNic vmk;
      vmk.id = {host.id, "vmk0"};
      vmk.portgroup = mgmt.id.name;
      d.upsert(vmk);
      for (int v = 0; v < scale.vms_per_host && parts.vms; ++v, ++vms) {
        Vm vm;
        vm.id = {vc, "vm-" + std::to_string(vms)};
        vm.name = "vm-" + std::to_string(vms);
        vm.host = host.id;
        vm.power = rng() % 5 == 0 ? PowerState::kPoweredOff : PowerState::kPoweredOn;
        d.upsert(vm);
        VmNic vnic;
        vnic.id = {vm.id, 4000};
        const int g =
            (cluster_no * 16 + static_cast<int>(rng() % kPortgroupsPerCluster)) % kPortgroups;
        vnic.backing.dv_portgroup = portgroups[static_cast<std::size_t>(g)];
        d.upsert(vnic);
      }
    }
  }
  return d;
}

}  // namespace vmfabric::bench
