#include "southbound/readers.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <tuple>

namespace vmfabric::southbound {
namespace {

using nlohmann::json;

// Where a JSON value sits in one command's result, for error messages.
struct At {
  std::string_view command;
  std::string path;

  [[noreturn]] void fail(const std::string& why) const {
    throw EapiResponseError(std::string(command) + ": " + (path.empty() ? "result" : path) + ": " +
                            why);
  }
  At operator/(std::string_view key) const {
    return {command, path.empty() ? std::string(key) : path + "." + std::string(key)};
  }
};

const json& object(const json& v, const At& at) {
  if (!v.is_object()) at.fail(std::string("expected an object, got ") + v.type_name());
  return v;
}

const json* find(const json& obj, std::string_view key, const At& at) {
  const auto it = object(obj, at).find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json& member(const json& obj, std::string_view key, const At& at) {
  const json* v = find(obj, key, at);
  if (v == nullptr) (at / key).fail("missing");
  return *v;
}

std::string string_of(const json& v, const At& at) {
  if (!v.is_string()) at.fail(std::string("expected a string, got ") + v.type_name());
  return v.get<std::string>();
}

std::string optional_string(const json& obj, std::string_view key, const At& at) {
  const json* v = find(obj, key, at);
  return v == nullptr ? std::string() : string_of(*v, at / key);
}

bool optional_bool(const json& obj, std::string_view key, const At& at) {
  const json* v = find(obj, key, at);
  if (v == nullptr) return false;
  if (!v->is_boolean()) (at / key).fail(std::string("expected a boolean, got ") + v->type_name());
  return v->get<bool>();
}

VlanId vlan_of(const json& v, const At& at) {
  if (!v.is_number_integer()) at.fail(std::string("expected a VLAN id, got ") + v.type_name());
  try {
    return VlanId::checked(v.get<long>());
  } catch (const VlanSetError& e) {
    at.fail(e.what());
  }
}

VlanId vlan_key(const std::string& key, const At& at) {
  long v = 0;
  for (char c : key) {
    if (c < '0' || c > '9' || v > VlanId::kMax) at.fail("\"" + key + "\" is not a VLAN id");
    v = v * 10 + (c - '0');
  }
  try {
    return VlanId::checked(v);
  } catch (const VlanSetError& e) {
    at.fail(e.what());
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The 12 hex digits of a MAC in any notation ("001c.73a0.fc18", "00:1c:73:a0:fc:18"), lower
// case; "" when it is not a MAC.
std::string mac_digits(std::string_view mac) {
  std::string out;
  for (char c : mac) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c != ':' && c != '.' && c != '-') {
      return {};
    }
  }
  return out.size() == 12 ? out : std::string();
}

// "\"et-0/0/20\"" -> "et-0/0/20": EOS quotes interface-name port ids in interfaceId.
std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

SwitchFacts read_facts(const json& show_version, const json& show_hostname) {
  const At version{"show version", ""};
  const At hostname{"show hostname", ""};
  SwitchFacts f;
  f.hostname = string_of(member(show_hostname, "hostname", hostname), hostname / "hostname");
  f.fqdn = optional_string(show_hostname, "fqdn", hostname);
  f.model = string_of(member(show_version, "modelName", version), version / "modelName");
  f.eos_version = string_of(member(show_version, "version", version), version / "version");
  f.serial = optional_string(show_version, "serialNumber", version);
  f.system_mac = optional_string(show_version, "systemMacAddress", version);
  return f;
}

std::vector<VlanEntry> read_vlans(const json& show_vlan) {
  const At at = At{"show vlan", ""} / "vlans";
  std::vector<VlanEntry> out;
  for (const auto& [key, v] : object(member(show_vlan, "vlans", At{at.command, ""}), at).items()) {
    const At here = at / key;
    VlanEntry e;
    e.id = vlan_key(key, here);
    e.name = optional_string(v, "name", here);
    e.active = optional_string(v, "status", here) == "active";
    e.dynamic = optional_bool(v, "dynamic", here);
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::vector<Switchport> read_switchports(const json& result) {
  const At at = At{"show interfaces switchport", ""} / "switchports";
  std::vector<Switchport> out;
  for (const auto& [name, v] :
       object(member(result, "switchports", At{at.command, ""}), at).items()) {
    const At here = at / name;
    const At info_at = here / "switchportInfo";
    const json& info = member(v, "switchportInfo", here);
    Switchport s;
    s.name = InterfaceName(name);
    s.enabled = optional_bool(v, "enabled", here);
    const std::string mode = string_of(member(info, "mode", info_at), info_at / "mode");
    s.mode = mode == "trunk"    ? SwitchportMode::kTrunk
             : mode == "access" ? SwitchportMode::kAccess
                                : SwitchportMode::kNone;
    s.access_vlan = vlan_of(member(info, "accessVlanId", info_at), info_at / "accessVlanId");
    s.native_vlan =
        vlan_of(member(info, "trunkingNativeVlanId", info_at), info_at / "trunkingNativeVlanId");
    const At allowed_at = info_at / "trunkAllowedVlans";
    try {
      s.allowed = VlanSet::parse(string_of(member(info, "trunkAllowedVlans", info_at), allowed_at));
    } catch (const VlanSetError& e) {
      allowed_at.fail(e.what());
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<InterfaceStatus> read_interface_status(const json& result) {
  const At at = At{"show interfaces status", ""} / "interfaceStatuses";
  std::vector<InterfaceStatus> out;
  for (const auto& [name, v] :
       object(member(result, "interfaceStatuses", At{at.command, ""}), at).items()) {
    const At here = at / name;
    InterfaceStatus s;
    s.name = InterfaceName(name);
    s.description = optional_string(v, "description", here);
    s.link_status = string_of(member(v, "linkStatus", here), here / "linkStatus");
    if (const json* vlan_info = find(v, "vlanInformation", here)) {
      s.routed = optional_string(*vlan_info, "interfaceMode", here / "vlanInformation") == "routed";
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<LldpReading> read_lldp_neighbors(const json& result) {
  const At at = At{"show lldp neighbors detail", ""} / "lldpNeighbors";
  std::vector<LldpReading> out;
  for (const auto& [local, v] :
       object(member(result, "lldpNeighbors", At{at.command, ""}), at).items()) {
    const At here = at / local / "lldpNeighborInfo";
    const json& infos = member(v, "lldpNeighborInfo", at / local);
    if (!infos.is_array()) here.fail(std::string("expected an array, got ") + infos.type_name());
    for (std::size_t i = 0; i < infos.size(); ++i) {
      const At n_at = here / std::to_string(i);
      const json& n = infos[i];
      const At if_at = n_at / "neighborInterfaceInfo";
      const json& if_info = member(n, "neighborInterfaceInfo", n_at);
      LldpReading r;
      r.local = InterfaceName(local);
      r.neighbor.chassis_id = optional_string(n, "chassisId", n_at);
      r.neighbor.system_name = optional_string(n, "systemName", n_at);
      const std::string v2 = optional_string(if_info, "interfaceId_v2", if_at);
      r.neighbor.port_id =
          v2.empty()
              ? unquote(string_of(member(if_info, "interfaceId", if_at), if_at / "interfaceId"))
              : v2;
      r.port_is_name = optional_string(if_info, "interfaceIdType", if_at) == "interfaceName";
      out.push_back(std::move(r));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.local < b.local; });
  return out;
}

std::vector<PortChannelReading> read_port_channels(const json& result) {
  const At at = At{"show port-channel", ""} / "portChannels";
  std::vector<PortChannelReading> out;
  for (const auto& [name, v] :
       object(member(result, "portChannels", At{at.command, ""}), at).items()) {
    const At here = at / name;
    PortChannelReading p;
    p.name = InterfaceName(name);
    for (const char* key : {"activePorts", "inactivePorts"}) {
      const json* ports = find(v, key, here);
      if (ports == nullptr) continue;
      const bool active = std::string_view(key) == "activePorts";
      for (const auto& [member_name, unused] : object(*ports, here / key).items()) {
        if (member_name.starts_with("Peer")) {
          if (active) p.peer_active.push_back(member_name);
        } else {
          (active ? p.active : p.inactive).emplace_back(member_name);
        }
      }
    }
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

MlagReading read_mlag(const json& result) {
  const At at{"show mlag", ""};
  MlagReading m;
  m.state = string_of(member(result, "state", at), at / "state");
  m.domain = optional_string(result, "domainId", at);
  m.peer_address = optional_string(result, "peerAddress", at);
  if (std::string link = optional_string(result, "peerLink", at); !link.empty()) {
    m.peer_link = InterfaceName(std::move(link));
  }
  if (std::string local = optional_string(result, "localInterface", at); !local.empty()) {
    m.local_interface = InterfaceName(std::move(local));
  }
  return m;
}

std::vector<ConfigSessionRecord> read_foreign_sessions(const json& result) {
  const At at = At{"show configuration sessions detail", ""} / "sessions";
  std::vector<ConfigSessionRecord> out;
  for (const auto& [name, v] : object(member(result, "sessions", At{at.command, ""}), at).items()) {
    const At here = at / name;
    const std::string state = string_of(member(v, "state", here), here / "state");
    if (state != "completed" || name.starts_with(kOwnSessionPrefix)) continue;
    const At time_at = here / "completedTime";
    const json& time = member(v, "completedTime", here);
    if (!time.is_number())
      time_at.fail(std::string("expected Unix seconds, got ") + time.type_name());
    const double seconds = time.get<double>();
    if (!(seconds >= 0 && seconds < 1e11)) time_at.fail(time.dump() + " is not a Unix time");
    out.push_back({name, optional_string(v, "commitUser", here),
                   static_cast<std::int64_t>(std::llround(seconds * 1000))});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.completed_ms, a.name) < std::tie(b.completed_ms, b.name);
  });
  return out;
}

SwitchDirectory::SwitchDirectory(const std::vector<KnownSwitch>& switches) {
  for (const KnownSwitch& s : switches) {
    if (std::string mac = mac_digits(s.system_mac); !mac.empty()) by_mac_.try_emplace(mac, s.id);
    for (const std::string* name : {&s.id.str(), &s.hostname, &s.fqdn}) {
      if (!name->empty()) by_name_.try_emplace(lower(*name), s.id);
    }
  }
}

std::optional<SwitchId> SwitchDirectory::find(const LldpNeighbor& neighbor) const {
  if (const auto it = by_mac_.find(mac_digits(neighbor.chassis_id)); it != by_mac_.end()) {
    return it->second;
  }
  if (const auto it = by_name_.find(lower(neighbor.system_name)); it != by_name_.end()) {
    return it->second;
  }
  return std::nullopt;
}

namespace {

// The MLAG peer: the known switch LLDP sees on a member of the peer-link port-channel.
std::optional<SwitchId> mlag_peer(const SwitchId& self, const SwitchReadings& r,
                                  const SwitchDirectory& directory) {
  const auto pc = std::find_if(r.port_channels.begin(), r.port_channels.end(),
                               [&](const auto& p) { return p.name == r.mlag.peer_link; });
  if (pc == r.port_channels.end()) return std::nullopt;
  for (const LldpReading& l : r.lldp) {
    const bool on_peer_link = std::count(pc->active.begin(), pc->active.end(), l.local) +
                                  std::count(pc->inactive.begin(), pc->inactive.end(), l.local) >
                              0;
    if (!on_peer_link) continue;
    if (auto peer = directory.find(l.neighbor); peer && *peer != self) return peer;
  }
  return std::nullopt;
}

// The switchport fields of `i` as `s` reports them.
void set_switchport(Interface& i, const Switchport& s) {
  i.mode = s.mode;
  i.allowed = s.mode == SwitchportMode::kTrunk ? s.allowed : VlanSet();
  i.native_vlan = s.mode == SwitchportMode::kTrunk ? std::optional(s.native_vlan) : std::nullopt;
  i.access_vlan = s.mode == SwitchportMode::kAccess ? std::optional(s.access_vlan) : std::nullopt;
}

void set_vlans(Switch& sw, const std::vector<VlanEntry>& vlans) {
  sw.vlans.clear();
  sw.vlans.reserve(vlans.size());
  for (const VlanEntry& v : vlans) sw.vlans.emplace(v.id, v.name);
}

bool touches(const LinkId& id, const SwitchId& sw) { return id.a.sw == sw || id.b.sw == sw; }
bool touches(const MlagId& id, const SwitchId& sw) { return id.first == sw || id.second == sw; }

}  // namespace

Delta observed_delta(Switch base, const SwitchReadings& r, const SwitchDirectory& directory,
                     const Snapshot& current) {
  const SwitchId self = base.id;
  base.hostname = r.facts.hostname;
  base.model = r.facts.model;
  base.eos_version = r.facts.eos_version;
  base.serial = r.facts.serial;
  base.system_mac = r.facts.system_mac;
  set_vlans(base, r.vlans);
  base.config_sessions = r.foreign_sessions;

  std::map<InterfaceName, Interface> interfaces;
  auto interface = [&](const InterfaceName& name) -> Interface& {
    Interface& i = interfaces[name];
    i.id = {self, name};
    return i;
  };
  for (const InterfaceStatus& s : r.statuses) {
    Interface& i = interface(s.name);
    i.description = s.description;
    i.oper_up = s.link_status == "connected";
    if (s.routed) i.mode = SwitchportMode::kRouted;
  }
  for (const Switchport& s : r.switchports) set_switchport(interface(s.name), s);
  for (const LldpReading& l : r.lldp) interface(l.local).lldp.push_back(l.neighbor);

  std::map<PortChannelId, PortChannel> port_channels;
  for (const PortChannelReading& p : r.port_channels) {
    for (const auto* members : {&p.active, &p.inactive}) {
      for (const InterfaceName& m : *members) interface(m).channel_group = p.name;
    }
    PortChannel& pc = port_channels[{self, p.name}];
    pc.id = {self, p.name};
    pc.members = p.active;
    pc.peer_members = p.peer_active;
  }

  std::set<LinkId> links;
  for (const LldpReading& l : r.lldp) {
    if (!l.port_is_name) continue;
    const auto peer = directory.find(l.neighbor);
    if (!peer || *peer == self) continue;
    links.insert(LinkId::of({self, l.local}, {*peer, InterfaceName(l.neighbor.port_id)}));
  }

  std::optional<MlagPair> mlag;
  if (r.mlag.configured() && r.mlag.peer_link) {
    if (auto peer = mlag_peer(self, r, directory)) {
      mlag = MlagPair{MlagId::of(self, *peer), r.mlag.domain, *r.mlag.peer_link,
                      r.mlag.state == "active"};
    }
  }

  Delta delta;
  delta.upsert(std::move(base));
  // Only this switch's own entries (keys start with the switch).
  const EntityMap<Interface>& known_interfaces = current.all<Interface>();
  for (auto i = known_interfaces.lower_bound(InterfaceId{self, InterfaceName()});
       i != known_interfaces.end() && i->id.sw == self; ++i) {
    if (!interfaces.contains(i->id.name)) delta.remove(i->id);
  }
  const EntityMap<PortChannel>& known_channels = current.all<PortChannel>();
  for (auto p = known_channels.lower_bound(PortChannelId{self, InterfaceName()});
       p != known_channels.end() && p->id.sw == self; ++p) {
    if (!port_channels.contains(p->id)) delta.remove(p->id);
  }
  for (const Link& l : current.all<Link>()) {
    if (l.source == LinkSource::kLldp && touches(l.id, self) && !links.contains(l.id)) {
      delta.remove(l.id);
    }
  }
  for (const MlagPair& m : current.all<MlagPair>()) {
    if (touches(m.id, self) && (!mlag || mlag->id != m.id)) delta.remove(m.id);
  }
  for (auto& [name, i] : interfaces) delta.upsert(std::move(i));
  for (auto& [id, p] : port_channels) delta.upsert(std::move(p));
  for (const LinkId& id : links) delta.upsert(Link{id, LinkSource::kLldp});
  if (mlag) delta.upsert(std::move(*mlag));
  return delta;
}

std::shared_ptr<const SwitchDirectory> SwitchDirectoryCache::of(const Snapshot& snapshot) {
  const auto switches = snapshot.all<Switch>();
  std::lock_guard lock(mutex_);
  std::size_t i = 0;
  bool same = true;
  for (const Switch& s : switches) {
    if (i == known_.size() || known_[i].id != s.id || known_[i].hostname != s.hostname ||
        known_[i].system_mac != s.system_mac) {
      same = false;
      break;
    }
    ++i;
  }
  if (same && i == known_.size() && directory_) return directory_;
  known_.clear();
  for (const Switch& s : switches)
    known_.push_back(KnownSwitch{s.id, s.hostname, "", s.system_mac});
  directory_ = std::make_shared<const SwitchDirectory>(known_);
  return directory_;
}

}  // namespace vmfabric::southbound
