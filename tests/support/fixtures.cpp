#include "support/fixtures.h"

#include <vector>

namespace vmfabric::testing {
namespace {

std::string mac(int a, int b, int c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "00:50:56:%02x:%02x:%02x", a & 0xff, b & 0xff, c & 0xff);
  return buf;
}

std::string ethernet(int n) { return "Ethernet" + std::to_string(n); }

template <class T>
void diff_table(const Snapshot& a, const Snapshot& b, std::string& out, int& budget) {
  for (const T& e : a.all<T>()) {
    if (budget <= 0) return;
    const T* other = b.find<T>(e.id);
    if (other == nullptr) {
      out += "only in first: " + to_string(EntityKey{e.id}) + "\n";
      --budget;
    } else if (!(*other == e)) {
      out += "differs: " + to_string(EntityKey{e.id}) + "\n";
      --budget;
    }
  }
  for (const T& e : b.all<T>()) {
    if (budget <= 0) return;
    if (a.find<T>(e.id) == nullptr) {
      out += "only in second: " + to_string(EntityKey{e.id}) + "\n";
      --budget;
    }
  }
}

template <class... T>
void diff_all(const Snapshot& a, const Snapshot& b, std::string& out, TypeList<T...>) {
  int budget = 10;
  (diff_table<T>(a, b, out, budget), ...);
}

template <class... T>
std::size_t count_all(const Snapshot& s, TypeList<T...>) {
  return (s.count<T>() + ...);
}

}  // namespace

Delta synthetic_inventory(const SyntheticSpec& spec) {
  Delta d;
  // Fabric: two spines, leaf pairs in MLAG, each leaf uplinked to both spines.
  const std::vector<std::string> spines = {"spine1", "spine2"};
  std::vector<std::string> leaves;
  for (int p = 1; p <= spec.leaf_pairs; ++p) {
    leaves.push_back("leaf" + std::to_string(p) + "a");
    leaves.push_back("leaf" + std::to_string(p) + "b");
  }
  int sw_index = 0;
  auto add_switch = [&](const std::string& name, const char* model, const char* eos) {
    Switch s;
    s.id = SwitchId(name);
    s.address = "127.0.0." + std::to_string(10 + sw_index);
    s.reachability = Reachability::kReachable;
    s.hostname = name;
    s.model = model;
    s.eos_version = eos;
    s.serial = "SSJ" + std::to_string(1000 + sw_index);
    s.system_mac = mac(0x1c, 0x73, sw_index++);
    s.vlans = {{VlanId{1}, "default"}, {VlanId{10}, "mgmt"}};
    return s;
  };
  for (const auto& name : spines) d.upsert(add_switch(name, "DCS-7280SR3-48YC8", "4.31.1F"));
  for (const auto& name : leaves) {
    Switch s = add_switch(name, "DCS-7050SX3-48YC8", "4.30.0F");
    s.vlans.emplace(VlanId{110}, "app");
    d.upsert(s);
    for (int port = 1; port <= spec.ports_per_switch; ++port) {
      Interface i;
      i.id = {SwitchId(name), InterfaceName(ethernet(port))};
      i.oper_up = port % 7 != 0;
      i.mode = SwitchportMode::kTrunk;
      i.allowed = VlanSet::of({10, 110});
      i.native_vlan = VlanId{1};
      i.description = "port " + std::to_string(port);
      d.upsert(i);
    }
    PortChannel peer;
    peer.id = {SwitchId(name), InterfaceName("Port-Channel1000")};
    peer.members = {InterfaceName(ethernet(spec.ports_per_switch - 1)),
                    InterfaceName(ethernet(spec.ports_per_switch))};
    d.upsert(peer);
  }
  for (std::size_t l = 0; l < leaves.size(); ++l) {
    for (std::size_t s = 0; s < spines.size(); ++s) {
      Link link;
      link.id =
          LinkId::of({SwitchId(spines[s]), InterfaceName(ethernet(static_cast<int>(l) + 1))},
                     {SwitchId(leaves[l]), InterfaceName(ethernet(49 + static_cast<int>(s)))});
      d.upsert(link);
    }
  }
  for (int p = 0; p < spec.leaf_pairs; ++p) {
    MlagPair m;
    m.id = MlagId::of(SwitchId(leaves[static_cast<std::size_t>(2 * p)]),
                      SwitchId(leaves[static_cast<std::size_t>(2 * p + 1)]));
    m.domain = "pod" + std::to_string(p + 1);
    m.peer_link = InterfaceName("Port-Channel1000");
    m.active = true;
    d.upsert(m);
  }

  // vCenters.
  int host_serial = 0;
  int vm_serial = 0;
  for (int v = 1; v <= spec.vcenters; ++v) {
    const VCenterId vc("vc" + std::to_string(v));
    VCenter center;
    center.id = vc;
    center.url = "https://" + vc.str() + ".lab.local/sdk";
    center.instance_uuid = "uuid-" + vc.str();
    center.session = SessionState::kConnected;
    center.synced = true;
    center.last_update_ms = 1'700'000'000'000;
    d.upsert(center);

    DistributedSwitch dvs;
    dvs.id = {vc, "dvs-9"};
    dvs.name = "dvs-prod";
    dvs.uuid = "50 1a 2b 3c " + vc.str();
    d.upsert(dvs);
    std::vector<DvPortgroupId> dvpgs;
    for (int g = 0; g < 10; ++g) {
      DvPortgroup pg;
      pg.id = {vc, "dvportgroup-" + std::to_string(100 + g)};
      pg.name = "dv-app-" + std::to_string(g);
      pg.dvs = dvs.id;
      if (g == 9) {
        pg.vlan = {VlanMode::kTrunk, VlanSet::parse("200-210")};
      } else {
        pg.vlan = {VlanMode::kVlan, VlanSet::of({120 + g})};
      }
      dvpgs.push_back(pg.id);
      d.upsert(pg);
    }

    for (int c = 1; c <= spec.clusters_per_vcenter; ++c) {
      Cluster cluster;
      cluster.id = {vc, "domain-c" + std::to_string(c)};
      cluster.name = "cluster-" + std::to_string(c);
      d.upsert(cluster);
      for (int h = 0; h < spec.hosts_per_cluster; ++h, ++host_serial) {
        Host host;
        host.id = {vc, "host-" + std::to_string(100 + host_serial)};
        host.name = "esx-" + std::to_string(c) + "-" + std::to_string(h) + ".lab.local";
        host.cluster = cluster.id;
        host.vendor = "Dell Inc.";
        host.model = "PowerEdge R650";
        host.cpu_model = "Intel(R) Xeon(R) Gold 6338";
        host.cpu_cores = 64;
        host.esx_version = "8.0.2";
        host.esx_build = "22380479";
        d.upsert(host);
        const std::string& leaf_a =
            leaves[static_cast<std::size_t>((host_serial % spec.leaf_pairs) * 2)];
        const std::string& leaf_b =
            leaves[static_cast<std::size_t>((host_serial % spec.leaf_pairs) * 2 + 1)];
        for (int n = 0; n < 4; ++n) {
          Pnic pnic;
          pnic.id = {host.id, "vmnic" + std::to_string(n)};
          pnic.mac = mac(host_serial >> 8, host_serial, n);
          pnic.speed_mbps = 25000;
          if (n >= 2) {
            pnic.lldp = NeighborHint{"00:1c:73:00:00:0" + std::to_string(n),
                                     ethernet(host_serial % 40 + 1), n == 2 ? leaf_a : leaf_b};
          }
          d.upsert(pnic);
        }
        VSwitch std_vs;
        std_vs.id = {host.id, "vSwitch0"};
        std_vs.uplinks = {"vmnic0", "vmnic1"};
        d.upsert(std_vs);
        VSwitch dv_vs;
        dv_vs.id = {host.id, "dvs-prod"};
        dv_vs.kind = VSwitchKind::kDistributed;
        dv_vs.dvs = dvs.id;
        dv_vs.uplinks = {"vmnic2", "vmnic3"};
        d.upsert(dv_vs);
        const std::pair<const char*, int> pgs[] = {
            {"Management Network", 10}, {"pg-app", 110}, {"VM Network", 0}};
        for (const auto& [name, vlan] : pgs) {
          StandardPortgroup pg;
          pg.id = {host.id, name};
          pg.vswitch = "vSwitch0";
          pg.vlan =
              vlan == 0 ? PortgroupVlan{} : PortgroupVlan{VlanMode::kVlan, VlanSet::of({vlan})};
          d.upsert(pg);
        }
        VmkNic vmk;
        vmk.id = {host.id, "vmk0"};
        vmk.mac = mac(0xee, host_serial, 0);
        vmk.portgroup = "Management Network";
        vmk.services = {VmkService::kManagement};
        d.upsert(vmk);

        for (int k = 0; k < spec.vms_per_host; ++k, ++vm_serial) {
          Vm vm;
          vm.id = {vc, "vm-" + std::to_string(1000 + vm_serial)};
          vm.name = "app-" + std::to_string(vm_serial);
          vm.power = vm_serial % 5 == 0 ? PowerState::kPoweredOff : PowerState::kPoweredOn;
          vm.host = host.id;
          d.upsert(vm);
          VmNic nic;
          nic.id = {vm.id, 4000};
          nic.label = "Network adapter 1";
          nic.mac = mac(0x0c, vm_serial >> 8, vm_serial);
          nic.backing.dv_portgroup = dvpgs[static_cast<std::size_t>(vm_serial % 10)];
          d.upsert(nic);
          if (vm_serial % 3 == 0) {
            VmNic second = nic;
            second.id.key = 4001;
            second.label = "Network adapter 2";
            second.mac = mac(0x0d, vm_serial >> 8, vm_serial);
            second.backing = {"pg-app", std::nullopt};
            d.upsert(second);
          }
        }
      }
    }
  }
  return d;
}

Delta vm_churn(const Snapshot& graph, int count, int round) {
  Delta d;
  std::vector<HostId> hosts;
  for (const Host& h : graph.all<Host>()) hosts.push_back(h.id);
  int i = 0;
  for (const Vm& vm : graph.all<Vm>()) {
    if (i >= count) break;
    Vm changed = vm;
    switch ((i + round) % 3) {
      case 0:
        changed.power =
            vm.power == PowerState::kPoweredOn ? PowerState::kPoweredOff : PowerState::kPoweredOn;
        break;
      case 1: {
        if (hosts.size() < 2) {
          changed.power =
              vm.power == PowerState::kPoweredOn ? PowerState::kPoweredOff : PowerState::kPoweredOn;
          break;
        }
        std::size_t h = static_cast<std::size_t>(i + round) % hosts.size();
        if (vm.host && hosts[h] == *vm.host) h = (h + 1) % hosts.size();
        changed.host = hosts[h];
        break;
      }
      default:
        changed.name = vm.name + "-r" + std::to_string(round);
    }
    d.upsert(changed);
    ++i;
  }
  return d;
}

std::string diff(const Snapshot& a, const Snapshot& b) {
  std::string out;
  diff_all(a, b, out, AllEntities{});
  return out;
}

std::size_t entity_count(const Snapshot& s) { return count_all(s, AllEntities{}); }

}  // namespace vmfabric::testing
