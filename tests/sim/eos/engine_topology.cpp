// Topology file (tests/sim/TOPOLOGY.md) -> the start state of every emulated switch.
//
// Start state: VLAN 1 "default", the admin VLANs and, on MLAG peers, the MLAG local VLAN. Every
// cabled port (inter-switch links, MLAG peer-link members, ESX pnics) is a connected trunk
// allowing the admin VLANs; the peer-link port-channel also allows the local VLAN. Uncabled
// ports are access ports in VLAN 1, notconnect. Port-channel members carry the same trunk
// settings as their port-channel and a `channel-group N mode active`.
#include <algorithm>
#include <cstdio>
#include <set>

#include "tests/sim/eos/engine_internal.h"

namespace vmfabric::eos_sim {
namespace {

using nlohmann::json;

constexpr int kDefaultEthernetPorts = 52;
constexpr const char* kEsxDescription = "VMware ESX Releasebuild-21495797";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw TopologyError(path + ": " + what);
}

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// The array `obj[key]`; an absent key is an empty array.
const json& array_of(const json& obj, const char* key, const std::string& path) {
  static const json kEmpty = json::array();
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return kEmpty;
  if (!it->is_array()) fail(path + "." + key, "expected an array");
  return *it;
}

const json& object_at(const json& v, const std::string& path) {
  if (!v.is_object()) fail(path, "expected an object");
  return v;
}

std::string string_of(const json& obj, const char* key, const std::string& path,
                      bool required = true) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) fail(path + "." + key, "missing");
    return {};
  }
  if (!it->is_string()) fail(path + "." + key, "expected a string");
  std::string s = it->get<std::string>();
  if (required && s.empty()) fail(path + "." + key, "empty");
  return s;
}

int int_of(const json& obj, const char* key, const std::string& path, int fallback) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) fail(path + "." + key, "expected an integer");
  return it->get<int>();
}

int vlan_of(const json& obj, const char* key, const std::string& path) {
  const int id = int_of(obj, key, path, 0);
  if (id < VlanId::kMin || id > VlanId::kMax) {
    fail(path + "." + key, "VLAN " + std::to_string(id) + " out of range 1-4094");
  }
  return id;
}

// What a switch advertises over LLDP from interface `port`.
LldpAdvert switch_advert(const Switch& sw, const std::string& port) {
  LldpAdvert a;
  a.system_name = sw.name;
  a.system_description = "Arista Networks EOS version " + sw.eos_version +
                         " running on an Arista Networks " + sw.model;
  a.chassis_id = dotted_mac(sw.system_mac);
  a.port_id = port;
  a.port_description = port;
  a.router = true;
  return a;
}

class Builder {
 public:
  explicit Builder(const json& topology) : topology_(object_at(topology, "topology")) {}

  std::vector<std::unique_ptr<Switch>> build() {
    const auto fabric_it = topology_.find("fabric");
    if (fabric_it == topology_.end()) fail("fabric", "missing");
    const json& fabric = object_at(*fabric_it, "fabric");
    read_admin_vlans(fabric);
    read_switches(fabric);
    read_links(fabric);
    read_mlag(fabric);
    read_port_channels(fabric);
    link_mlag_port_channels();
    read_hosts();
    for (auto& sw : switches_) {
      for (int e = 1; e <= sw->ethernet_ports(); ++e) {
        if (sw->lldp_neighbor(e) != nullptr) ++sw->lldp_inserts;
      }
    }
    return std::move(switches_);
  }

 private:
  void read_admin_vlans(const json& fabric) {
    const std::string path = "fabric.admin_vlans";
    const json& list = array_of(fabric, "admin_vlans", "fabric");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = index_path(path, i);
      const json& v = object_at(list[i], p);
      const int id = vlan_of(v, "id", p);
      std::string name = string_of(v, "name", p, false);
      if (name.empty()) name = default_vlan_name(id);
      if (name.size() > kMaxVlanName) fail(p + ".name", "longer than 32 characters");
      if (!admin_vlans_.emplace(id, VlanConfig{name, false}).second) {
        fail(p + ".id", "duplicate VLAN " + std::to_string(id));
      }
      admin_set_.insert(VlanId::checked(id));
    }
  }

  void read_switches(const json& fabric) {
    const json& list = array_of(fabric, "switches", "fabric");
    const double boot = now_seconds() - 3600;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = index_path("fabric.switches", i);
      const json& s = object_at(list[i], p);
      auto sw = std::make_unique<Switch>();
      sw->name = string_of(s, "name", p);
      if (find_switch(sw->name) != nullptr) {
        fail(p + ".name", "duplicate switch '" + sw->name + "'");
      }
      sw->fqdn = string_of(s, "fqdn", p, false);
      if (sw->fqdn.empty()) sw->fqdn = sw->name;
      sw->model = string_of(s, "model", p, false);
      if (sw->model.empty()) sw->model = "cEOSLab";
      sw->serial = string_of(s, "serial", p, false);
      sw->system_mac = string_of(s, "system_mac", p);
      if (dotted_mac(sw->system_mac).empty()) {
        fail(p + ".system_mac", "invalid MAC address '" + sw->system_mac + "'");
      }
      sw->eos_version = string_of(s, "eos_version", p, false);
      if (sw->eos_version.empty()) sw->eos_version = "4.31.1F";
      const int ports = int_of(s, "ethernet_ports", p, kDefaultEthernetPorts);
      if (ports < 1 || ports > 1024) fail(p + ".ethernet_ports", "expected 1-1024");
      sw->boot_time = boot;
      sw->lldp_last_change = boot;
      sw->cables.resize(static_cast<std::size_t>(ports));
      sw->running.ethernets.resize(static_cast<std::size_t>(ports));
      sw->running.vlans.emplace(1, VlanConfig{"default", false});
      sw->running.vlans.insert(admin_vlans_.begin(), admin_vlans_.end());
      switches_.push_back(std::move(sw));
    }
  }

  void read_links(const json& fabric) {
    const json& list = array_of(fabric, "links", "fabric");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = index_path("fabric.links", i);
      const json& l = object_at(list[i], p);
      const Port a = link_end(string_of(l, "a", p), p + ".a");
      const Port b = link_end(string_of(l, "b", p), p + ".b");
      cable_switches(a, b);
    }
  }

  void read_mlag(const json& fabric) {
    const json& list = array_of(fabric, "mlag", "fabric");
    std::set<std::string> in_pair;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = index_path("fabric.mlag", i);
      const json& m = object_at(list[i], p);
      const json& peers = array_of(m, "peers", p);
      if (peers.size() != 2) fail(p + ".peers", "expected two switches");
      Switch* pair[2] = {};
      for (std::size_t k = 0; k < 2; ++k) {
        const std::string pp = index_path(p + ".peers", k);
        if (!peers[k].is_string()) fail(pp, "expected a switch name");
        pair[k] = known_switch(peers[k].get<std::string>(), pp);
        if (!in_pair.insert(pair[k]->name).second) {
          fail(pp, "switch '" + pair[k]->name + "' is already in an MLAG pair");
        }
      }
      const std::string peer_link_text = string_of(m, "peer_link", p);
      const auto peer_link = parse_interface(peer_link_text);
      if (!peer_link || peer_link->kind != IfKind::kPortChannel) {
        fail(p + ".peer_link", "expected Port-ChannelN, got '" + peer_link_text + "'");
      }
      const int local_vlan = vlan_of(m, "local_vlan", p);
      const std::string domain = string_of(m, "domain", p);
      VlanSet peer_link_vlans = admin_set_;
      peer_link_vlans.insert(VlanId::checked(local_vlan));

      const json& members = array_of(m, "members", p);
      for (std::size_t k = 0; k < members.size(); ++k) {
        const std::string mp = index_path(p + ".members", k);
        if (!members[k].is_string()) fail(mp, "expected an interface name");
        const std::string member = members[k].get<std::string>();
        const Port a = use_port(pair[0], member, mp);
        const Port b = use_port(pair[1], member, mp);
        cable_switches(a, b);
        join_channel(a, peer_link->number, mp);
        join_channel(b, peer_link->number, mp);
      }
      for (std::size_t k = 0; k < 2; ++k) {
        Switch& sw = *pair[k];
        sw.running.vlans[local_vlan] = VlanConfig{"MLAG-PEER", false};
        PortConfig& po = sw.running.port_channels[peer_link->number];
        po.trunk = true;
        po.allowed = peer_link_vlans;
        for (PortConfig& e : sw.running.ethernets) {
          if (e.channel_group == peer_link->number) e.allowed = peer_link_vlans;
        }
        MlagInfo info;
        info.domain = domain;
        info.peer = pair[1 - k]->name;
        info.peer_link = *peer_link;
        info.local_vlan = local_vlan;
        info.local_address = k == 0 ? "10.255.255.1" : "10.255.255.2";
        info.peer_address = k == 0 ? "10.255.255.2" : "10.255.255.1";
        // EOS derives the MLAG system id from a peer's MAC with the locally administered bit.
        info.system_id = "02" + pair[0]->system_mac.substr(2);
        sw.mlag = info;
      }
    }
  }

  void read_port_channels(const json& fabric) {
    const json& list = array_of(fabric, "port_channels", "fabric");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = index_path("fabric.port_channels", i);
      const json& pc = object_at(list[i], p);
      Switch* sw = known_switch(string_of(pc, "switch", p), p + ".switch");
      const std::string name = string_of(pc, "name", p);
      const auto id = parse_interface(name);
      if (!id || id->kind != IfKind::kPortChannel) {
        fail(p + ".name", "expected Port-ChannelN, got '" + name + "'");
      }
      if (sw->running.port_channels.contains(id->number)) {
        fail(p + ".name", sw->name + " already has " + id->name());
      }
      PortConfig& po = sw->running.port_channels[id->number];
      po.trunk = true;
      po.allowed = admin_set_;
      po.mlag = int_of(pc, "mlag", p, 0);
      if (po.mlag < 0) fail(p + ".mlag", "expected a positive MLAG id");
      const json& members = array_of(pc, "members", p);
      for (std::size_t k = 0; k < members.size(); ++k) {
        const std::string mp = index_path(p + ".members", k);
        if (!members[k].is_string()) fail(mp, "expected an interface name");
        join_channel(Port{sw, ethernet_of(*sw, members[k].get<std::string>(), mp)}, id->number, mp);
      }
    }
  }

  // An MLAG port-channel (same number and an mlag id on both peers) shows the peer's members
  // as PeerEthernetN.
  void link_mlag_port_channels() {
    for (auto& sw : switches_) {
      if (!sw->mlag) continue;
      const Switch& peer = *find_switch(sw->mlag->peer);
      for (const auto& [number, po] : sw->running.port_channels) {
        const auto peer_po = peer.running.port_channels.find(number);
        if (po.mlag == 0 || peer_po == peer.running.port_channels.end() ||
            peer_po->second.mlag == 0) {
          continue;
        }
        std::vector<std::string>& names = sw->peer_members[number];
        for (std::size_t e = 0; e < peer.running.ethernets.size(); ++e) {
          if (peer.running.ethernets[e].channel_group == number) {
            names.push_back("Peer" + IfId{IfKind::kEthernet, static_cast<int>(e) + 1}.name());
          }
        }
      }
    }
  }

  void read_hosts() {
    const json& vcenters = array_of(topology_, "vcenters", "");
    for (std::size_t v = 0; v < vcenters.size(); ++v) {
      const std::string vp = index_path("vcenters", v);
      const json& clusters = array_of(object_at(vcenters[v], vp), "clusters", vp);
      for (std::size_t c = 0; c < clusters.size(); ++c) {
        const std::string cp = index_path(vp + ".clusters", c);
        const json& cluster = object_at(clusters[c], cp);
        // pnic device -> the distributed switch it is an uplink of.
        std::map<std::string, std::string> dvs_of;
        for (const json& d : array_of(cluster, "dvs", cp)) {
          for (const json& u : array_of(d, "uplinks", cp + ".dvs")) {
            if (u.is_string()) dvs_of[u.get<std::string>()] = d.value("name", "");
          }
        }
        const json& hosts = array_of(cluster, "hosts", cp);
        for (std::size_t h = 0; h < hosts.size(); ++h) {
          const std::string hp = index_path(cp + ".hosts", h);
          const json& host = object_at(hosts[h], hp);
          const std::string host_name = string_of(host, "name", hp);
          const json& pnics = array_of(host, "pnics", hp);
          for (std::size_t n = 0; n < pnics.size(); ++n) {
            const std::string np = index_path(hp + ".pnics", n);
            const json& pnic = object_at(pnics[n], np);
            const std::string device = string_of(pnic, "device", np);
            const std::string mac = dotted_mac(string_of(pnic, "mac", np));
            if (mac.empty()) fail(np + ".mac", "invalid MAC address");
            const std::string switch_name = string_of(pnic, "switch", np, false);
            const std::string interface = string_of(pnic, "interface", np, false);
            if (switch_name.empty() != interface.empty()) {
              fail(np, "switch and interface must be given together");
            }
            if (switch_name.empty()) continue;
            Switch* sw = known_switch(switch_name, np + ".switch");
            const Port port = use_port(sw, interface, np + ".interface");
            make_trunk(port);
            Cable& cable = port.sw->cables[static_cast<std::size_t>(port.index)];
            cable.present = true;
            const auto dvs = dvs_of.find(device);
            if (dvs != dvs_of.end() || pnic.value("lldp", false)) {
              LldpAdvert a;
              a.system_name = host_name;
              a.system_description = kEsxDescription;
              a.chassis_id = mac;
              a.port_id = device;
              a.port_description = dvs != dvs_of.end()
                                       ? "port " + std::to_string(n) + " on dvSwitch " +
                                             dvs->second + " (etherswitch)"
                                       : device;
              cable.lldp = a;
            }
          }
        }
      }
    }
  }

  // A switch port of the topology: the switch and the Ethernet index (0-based).
  struct Port {
    Switch* sw = nullptr;
    int index = 0;
  };

  Switch* find_switch(const std::string& name) const {
    for (const auto& sw : switches_) {
      if (sw->name == name) return sw.get();
    }
    return nullptr;
  }

  Switch* known_switch(const std::string& name, const std::string& path) const {
    Switch* sw = find_switch(name);
    if (sw == nullptr) fail(path, "unknown switch '" + name + "'");
    return sw;
  }

  static int ethernet_of(const Switch& sw, const std::string& interface, const std::string& path) {
    const auto id = parse_interface(interface);
    if (!id || id->kind != IfKind::kEthernet || interface.rfind("Ethernet", 0) != 0) {
      fail(path, "invalid interface '" + interface + "' (want EthernetN)");
    }
    if (id->number > sw.ethernet_ports()) {
      fail(path, sw.name + " has only " + std::to_string(sw.ethernet_ports()) + " ethernet ports");
    }
    return id->number - 1;
  }

  // Records that a cable plugs into `interface` of `sw`; a port takes one cable.
  Port use_port(Switch* sw, const std::string& interface, const std::string& path) {
    const Port port{sw, ethernet_of(*sw, interface, path)};
    const std::string key = sw->name + ":" + interface;
    const auto [it, fresh] = cabled_.emplace(key, path);
    if (!fresh) fail(path, key + " is already cabled at " + it->second);
    return port;
  }

  Port link_end(const std::string& end, const std::string& path) {
    const auto colon = end.find(':');
    if (colon == std::string::npos) {
      fail(path, "invalid link end '" + end + "' (want switch:Interface)");
    }
    return use_port(known_switch(end.substr(0, colon), path), end.substr(colon + 1), path);
  }

  void make_trunk(const Port& port) const {
    PortConfig& cfg = port.sw->running.ethernets[static_cast<std::size_t>(port.index)];
    cfg.trunk = true;
    cfg.allowed = admin_set_;
  }

  void cable_switches(const Port& a, const Port& b) const {
    for (const auto& [self, other] : {std::pair{a, b}, std::pair{b, a}}) {
      make_trunk(self);
      Cable& cable = self.sw->cables[static_cast<std::size_t>(self.index)];
      const std::string far_port = IfId{IfKind::kEthernet, other.index + 1}.name();
      cable.present = true;
      cable.peer_switch = other.sw->name;
      cable.peer_interface = far_port;
      cable.lldp = switch_advert(*other.sw, far_port);
    }
  }

  // Port `port` joins Port-Channel<number> (created as a trunk of the admin VLANs if new).
  void join_channel(const Port& port, int number, const std::string& path) const {
    PortConfig& cfg = port.sw->running.ethernets[static_cast<std::size_t>(port.index)];
    if (cfg.channel_group != 0 && cfg.channel_group != number) {
      fail(path, "already a member of Port-Channel" + std::to_string(cfg.channel_group));
    }
    const auto [po, created] = port.sw->running.port_channels.try_emplace(number);
    if (created) {
      po->second.trunk = true;
      po->second.allowed = admin_set_;
    }
    cfg.trunk = po->second.trunk;
    cfg.allowed = po->second.allowed;
    cfg.channel_group = number;
    cfg.channel_mode = "active";
  }

  const json& topology_;
  std::map<int, VlanConfig> admin_vlans_;
  VlanSet admin_set_;
  std::vector<std::unique_ptr<Switch>> switches_;
  std::map<std::string, std::string> cabled_;  // "switch:Interface" -> path of its first use
};

}  // namespace

std::vector<std::unique_ptr<Switch>> build_switches(const json& topology) {
  return Builder(topology).build();
}

}  // namespace vmfabric::eos_sim
