// `show` commands: the JSON models of real EOS (same keys and value types as the captures in
// tests/fixtures/eos) and, for the commands people read, CLI text.
//
// Choices: `show vlan` lists, per VLAN, the connected interfaces carrying it (a port-channel
// rather than its members), as EOS does. Port-channel members appear in `show interfaces
// switchport` and `show interfaces status` with their port-channel's switchport settings (what
// the port forwards), not their own dormant ones. There is no Management1 interface.
// `show session-config` exists only with `diffs`, for pending sessions (a committed one is 1000).
#include <algorithm>
#include <cstdio>

#include "tests/sim/eos/engine_internal.h"

namespace vmfabric::eos_sim {
namespace {

using nlohmann::json;

constexpr std::int64_t kEthernetBandwidth = 10'000'000'000;

// The settings an interface forwards with: a port-channel member's are its port-channel's.
const PortConfig& effective(const Config& config, const IfId& id) {
  const PortConfig& own = *config.port(id);
  if (id.kind == IfKind::kEthernet && own.channel_group != 0) {
    if (const PortConfig* po = config.port({IfKind::kPortChannel, own.channel_group})) return *po;
  }
  return own;
}

// Every interface of the switch, in EOS order (Ethernets, then Port-Channels).
std::vector<IfId> all_interfaces(const Switch& sw) {
  std::vector<IfId> out;
  for (int e = 1; e <= sw.ethernet_ports(); ++e) out.push_back({IfKind::kEthernet, e});
  for (const auto& [number, unused] : sw.running.port_channels) {
    out.push_back({IfKind::kPortChannel, number});
  }
  return out;
}

std::vector<int> members_of(const Config& config, int port_channel) {
  std::vector<int> out;
  for (std::size_t i = 0; i < config.ethernets.size(); ++i) {
    if (config.ethernets[i].channel_group == port_channel) out.push_back(static_cast<int>(i) + 1);
  }
  return out;
}

std::string vlan_name(const Config& config, int id) {
  const auto it = config.vlans.find(id);
  return it == config.vlans.end() ? "inactive" : it->second.name;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

json text_output(std::string text) { return json{{"output", std::move(text)}}; }

// The interfaces named by token `at` of a show command ("Ethernet1", "Et1,Po10"); every
// interface when `text` is empty.
std::vector<IfId> select_interfaces(const Switch& sw, std::string_view text, std::size_t at) {
  if (text.empty()) return all_interfaces(sw);
  std::vector<IfId> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const auto id = parse_interface(text.substr(start, comma - start));
    if (!id || sw.running.port(*id) == nullptr) throw invalid_input(at, text);
    out.push_back(*id);
    start = comma + 1;
  }
  return out;
}

// ---- show version / hostname / clock

json show_version(const Switch& sw, bool as_json) {
  const double now = now_seconds();
  const std::string internal = sw.eos_version + "-34554157.4311F";
  if (!as_json) {
    char uptime[64];
    const long minutes = static_cast<long>(now - sw.boot_time) / 60;
    std::snprintf(uptime, sizeof uptime, "%ld hours and %ld minutes", minutes / 60, minutes % 60);
    return text_output("Arista " + sw.model + "\nHardware version: 11.00\nSerial number: " +
                       sw.serial + "\nHardware MAC address: " + dotted_mac(sw.system_mac) +
                       "\nSystem MAC address: " + dotted_mac(sw.system_mac) +
                       "\n\nSoftware image version: " + sw.eos_version +
                       "\nArchitecture: x86_64\nInternal build version: " + internal +
                       "\nInternal build ID: 47114ca4-ae9f-4f32-8c1f-2864db93b7e8\nImage format "
                       "version: 1.0\nImage optimization: None\n\nUptime: " +
                       uptime + "\nTotal memory: 8099732 kB\nFree memory: 6294636 kB\n\n");
  }
  return {{"mfgName", "Arista"},
          {"modelName", sw.model},
          {"hardwareRevision", "11.00"},
          {"serialNumber", sw.serial},
          {"systemMacAddress", sw.system_mac},
          {"hwMacAddress", sw.system_mac},
          {"configMacAddress", "00:00:00:00:00:00"},
          {"version", sw.eos_version},
          {"architecture", "x86_64"},
          {"internalVersion", internal},
          {"internalBuildId", "47114ca4-ae9f-4f32-8c1f-2864db93b7e8"},
          {"imageFormatVersion", "1.0"},
          {"imageOptimization", "None"},
          {"cEosToolsVersion", "(unknown)"},
          {"kernelVersion", "5.10.165-ts"},
          {"bootupTimestamp", sw.boot_time},
          {"uptime", now - sw.boot_time},
          {"memTotal", 8099732},
          {"memFree", 6294636},
          {"isIntlVersion", false}};
}

json show_hostname(const Switch& sw, bool as_json) {
  if (!as_json) return text_output("Hostname: " + sw.name + "\nFQDN:     " + sw.fqdn + "\n");
  return {{"hostname", sw.name}, {"fqdn", sw.fqdn}};
}

// ---- show vlan

json show_vlan(const Switch& sw, std::string_view list, bool as_json) {
  const Config& config = sw.running;
  VlanSet wanted = VlanSet::all();
  if (!list.empty()) {
    try {
      wanted = VlanSet::parse(list);
    } catch (const VlanSetError&) {
      throw invalid_input(2, list);
    }
  }
  VlanSet shown;
  for (const auto& [id, unused] : config.vlans) {
    if (wanted.contains(VlanId::checked(id))) shown.insert(VlanId::checked(id));
  }
  if (shown.empty()) {
    throw CliError{1000, "VLAN " + std::string(list) + " not found in current VLAN database"};
  }
  // VLAN -> the interfaces forwarding it, built in one pass over the interfaces.
  std::map<int, std::vector<IfId>> members;
  for (const IfId& id : all_interfaces(sw)) {
    const PortConfig& own = *config.port(id);
    if (own.channel_group != 0 || sw.link_status(id) != "connected") continue;
    if (!own.trunk) {
      if (shown.contains(VlanId::checked(own.access_vlan))) members[own.access_vlan].push_back(id);
      continue;
    }
    for (const VlanId v : (own.allowed & shown).ids()) members[v.value].push_back(id);
  }
  if (!as_json) {
    std::string out =
        "VLAN  Name                             Status    Ports\n"
        "----- -------------------------------- --------- -------------------------------\n";
    for (const VlanId v : shown.ids()) {
      const VlanConfig& vlan = config.vlans.at(v.value);
      std::string ports;
      for (const IfId& id : members[v.value])
        ports += (ports.empty() ? "" : ", ") + id.short_name();
      out += pad(std::to_string(v.value), 6) + pad(vlan.name, 33) +
             pad(vlan.suspended ? "suspended" : "active", 10) + ports + "\n";
    }
    return text_output(out + "\n");
  }
  json vlans = json::object();
  for (const VlanId v : shown.ids()) {
    const VlanConfig& vlan = config.vlans.at(v.value);
    json interfaces = json::object();
    for (const IfId& id : members[v.value]) interfaces[id.name()] = {{"privatePromoted", false}};
    vlans[std::to_string(v.value)] = {{"name", vlan.name},
                                      {"status", vlan.suspended ? "suspended" : "active"},
                                      {"dynamic", false},
                                      {"interfaces", std::move(interfaces)}};
  }
  return {{"vlans", std::move(vlans)}, {"sourceDetail", ""}};
}

// ---- show interfaces [X] switchport / status / (plain)

json show_switchport(const Switch& sw, const std::vector<IfId>& ids, bool as_json) {
  const Config& config = sw.running;
  json switchports = json::object();
  std::string text;
  for (const IfId& id : ids) {
    const PortConfig& cfg = effective(config, id);
    if (!as_json) {
      text += "Name: " + id.short_name() + "\nSwitchport: Enabled\nAdministrative Mode: " +
              (cfg.trunk ? "trunk" : "static access") +
              "\nOperational Mode: " + (cfg.trunk ? "trunk" : "static access") +
              "\nAccess Mode VLAN: " + std::to_string(cfg.access_vlan) + " (" +
              vlan_name(config, cfg.access_vlan) +
              ")\nTrunking Native Mode VLAN: " + std::to_string(cfg.native_vlan) + " (" +
              vlan_name(config, cfg.native_vlan) +
              ")\nTrunking VLANs Enabled: " + cfg.allowed.to_string() + "\n\n";
      continue;
    }
    json info = {{"mode", cfg.trunk ? "trunk" : "access"},
                 {"accessVlanId", cfg.access_vlan},
                 {"accessVlanName", vlan_name(config, cfg.access_vlan)},
                 {"trunkingNativeVlanId", cfg.native_vlan},
                 {"trunkingNativeVlanName", vlan_name(config, cfg.native_vlan)},
                 {"trunkAllowedVlans", cfg.allowed.to_string()},
                 {"staticTrunkGroups", json::array()},
                 {"dynamicTrunkGroups", json::array()},
                 {"dynamicAllowedVlans", json::object()},
                 {"macLearning", true},
                 {"tpid", "0x8100"}};
    if (id.kind == IfKind::kEthernet) info["tpidStatus"] = true;
    switchports[id.name()] = {{"enabled", true}, {"switchportInfo", std::move(info)}};
  }
  if (!as_json) return text_output(text);
  return {{"switchports", std::move(switchports)}};
}

std::int64_t bandwidth_of(const Switch& sw, const IfId& id) {
  if (id.kind == IfKind::kEthernet) return kEthernetBandwidth;
  std::int64_t total = 0;
  for (int e : members_of(sw.running, id.number)) {
    if (sw.link_status({IfKind::kEthernet, e}) == "connected") total += kEthernetBandwidth;
  }
  return total;
}

json show_status(const Switch& sw, const std::vector<IfId>& ids, bool as_json) {
  const Config& config = sw.running;
  json statuses = json::object();
  std::string text = "Port       Name        Status       Vlan     Duplex Speed  Type\n";
  for (const IfId& id : ids) {
    const PortConfig& cfg = effective(config, id);
    const std::string link = sw.link_status(id);
    const std::string description = config.port(id)->description;
    const std::string type = id.kind == IfKind::kEthernet ? "10GBASE-SR" : "N/A";
    if (!as_json) {
      text += pad(id.short_name(), 11) + pad(description.substr(0, 11), 12) + pad(link, 13) +
              pad(cfg.trunk ? "trunk" : std::to_string(cfg.access_vlan), 9) + pad("full", 7) +
              pad(link == "connected" ? "10G" : "unconf", 7) + type + "\n";
      continue;
    }
    json vlan_information = {{"interfaceMode", cfg.trunk ? "trunk" : "bridged"},
                             {"interfaceForwardingModel", "bridged"}};
    if (!cfg.trunk) vlan_information["vlanId"] = cfg.access_vlan;
    statuses[id.name()] = {{"description", description},
                           {"linkStatus", link},
                           {"lineProtocolStatus", link == "connected" ? "up" : "down"},
                           {"duplex", "duplexFull"},
                           {"bandwidth", bandwidth_of(sw, id)},
                           {"interfaceType", type},
                           {"autoNegotiateActive", false},
                           {"autoNegotigateActive", false},  // sic: EOS's own key
                           {"vlanInformation", std::move(vlan_information)}};
  }
  if (!as_json) return text_output(text);
  return {{"interfaceStatuses", std::move(statuses)}};
}

json show_interfaces(const Switch& sw, const std::vector<IfId>& ids) {
  json interfaces = json::object();
  for (const IfId& id : ids) {
    const std::string link = sw.link_status(id);
    const bool up = link == "connected";
    json counters = {
        {"inOctets", 0},
        {"inUcastPkts", 0},
        {"inMulticastPkts", 0},
        {"inBroadcastPkts", 0},
        {"inDiscards", 0},
        {"totalInErrors", 0},
        {"outOctets", 0},
        {"outUcastPkts", 0},
        {"outMulticastPkts", 0},
        {"outBroadcastPkts", 0},
        {"outDiscards", 0},
        {"totalOutErrors", 0},
        {"linkStatusChanges", up ? 1 : 0},
        {"counterRefreshTime", now_seconds()},
        {"inputErrorsDetail",
         {{"runtFrames", 0},
          {"rxPause", 0},
          {"fcsErrors", 0},
          {"alignmentErrors", 0},
          {"giantFrames", 0},
          {"symbolErrors", 0}}},
        {"outputErrorsDetail",
         {{"deferredTransmissions", 0}, {"txPause", 0}, {"collisions", 0}, {"lateCollisions", 0}}}};
    interfaces[id.name()] = {
        {"name", id.name()},
        {"forwardingModel", "bridged"},
        {"lineProtocolStatus", up ? "up" : "down"},
        {"interfaceStatus", link},
        {"hardware", id.kind == IfKind::kEthernet ? "ethernet" : "portChannel"},
        {"interfaceAddress", json::array()},
        {"physicalAddress", sw.system_mac},
        {"burnedInAddress", sw.system_mac},
        {"description", sw.running.port(id)->description},
        {"bandwidth", bandwidth_of(sw, id)},
        {"mtu", 9214},
        {"duplex", "duplexFull"},
        {"autoNegotiate", "unknown"},
        {"loopbackMode", "loopbackNone"},
        {"lastStatusChangeTimestamp", sw.boot_time},
        {"interfaceStatistics",
         {{"updateInterval", 300.0},
          {"inBitsRate", 0.0},
          {"inPktsRate", 0.0},
          {"outBitsRate", 0.0},
          {"outPktsRate", 0.0}}},
        {"interfaceCounters", std::move(counters)}};
  }
  return {{"interfaces", std::move(interfaces)}};
}

// ---- show lldp neighbors [detail]

json lldp_entry(const LldpAdvert& n, double since) {
  return {{"systemName", n.system_name},
          {"systemDescription", n.system_description},
          {"chassisIdType", "macAddress"},
          {"chassisId", n.chassis_id},
          {"ttl", 120},
          {"lastChangeTime", since},
          {"neighborDiscoveryTime", since},
          {"lastContactTime", now_seconds()},
          {"systemCapabilities",
           {{"bridge", true},
            {"router", n.router},
            {"wlanAccessPoint", false},
            {"stationOnly", false}}},
          {"managementAddresses", json::array()},
          {"neighborInterfaceInfo",
           {{"interfaceIdType", "interfaceName"},
            // EOS quotes interface-name port ids in interfaceId; interfaceId_v2 is bare.
            {"interfaceId", "\"" + n.port_id + "\""},
            {"interfaceId_v2", n.port_id},
            {"interfaceDescription", n.port_description},
            {"linkAggregationStatus", "capableAndDisabled"},
            {"linkAggregationInterfaceId", 0},
            {"autoNegCapability", "notCapable"},
            {"autoNegAdvertisedCapabilities", json::array()},
            {"operMauType", "Unknown"},
            {"vlanNames", json::object()},
            {"portAndProtocolVlanEnabled", json::object()},
            {"portAndProtocolVlanSupported", json::object()},
            {"protocolIdentityInfo", json::array()},
            {"unknownTlvs", json::array()},
            {"unknownOrgDefinedTlvs", json::array()}}}};
}

json show_lldp(const Switch& sw, bool detail, bool as_json) {
  if (detail) {
    if (!as_json)
      throw CliError{
          1000, "vmfabric-eos: 'show lldp neighbors detail' has no text form; use format json"};
    json ports = json::object();
    for (int e = 1; e <= sw.ethernet_ports(); ++e) {
      json infos = json::array();
      if (const LldpAdvert* n = sw.lldp_neighbor(e))
        infos.push_back(lldp_entry(*n, sw.lldp_last_change));
      ports[IfId{IfKind::kEthernet, e}.name()] = {{"lldpNeighborInfo", std::move(infos)}};
    }
    return {{"lldpNeighbors", std::move(ports)}};
  }
  json neighbors = json::array();
  std::string text = "Last table change time   : 0:00:10 ago\nNumber of table inserts  : " +
                     std::to_string(sw.lldp_inserts) +
                     "\nNumber of table deletes  : " + std::to_string(sw.lldp_deletes) +
                     "\nNumber of table drops    : 0\nNumber of table age-outs : 0\n\n"
                     "Port       Neighbor Device ID             Neighbor Port ID           TTL\n";
  for (int e = 1; e <= sw.ethernet_ports(); ++e) {
    const LldpAdvert* n = sw.lldp_neighbor(e);
    if (n == nullptr) continue;
    const IfId id{IfKind::kEthernet, e};
    text += pad(id.short_name(), 11) + pad(n->system_name, 31) + pad(n->port_id, 27) + "120\n";
    neighbors.push_back({{"port", id.name()},
                         {"neighborDevice", n->system_name},
                         {"neighborPort", n->port_id},
                         {"ttl", 120}});
  }
  if (!as_json) return text_output(text);
  return {{"tablesLastChangeTime", sw.lldp_last_change},
          {"tablesAgeOuts", 0},
          {"tablesInserts", sw.lldp_inserts},
          {"tablesDeletes", sw.lldp_deletes},
          {"tablesDrops", 0},
          {"lldpNeighbors", std::move(neighbors)}};
}

// ---- show port-channel [N]

json show_port_channel(const Switch& sw, std::string_view which, bool as_json) {
  if (!as_json)
    throw CliError{1000, "vmfabric-eos: 'show port-channel' has no text form; use format json"};
  json channels = json::object();
  for (const auto& [number, cfg] : sw.running.port_channels) {
    if (!which.empty() && which != std::to_string(number)) continue;
    json active = json::object();
    json inactive = json::object();
    for (int e : members_of(sw.running, number)) {
      const IfId member{IfKind::kEthernet, e};
      if (sw.link_status(member) == "connected") {
        active[member.name()] = json::object();
      } else {
        inactive[member.name()] = {{"reasonUnconfigured", "link down"}};
      }
    }
    if (const auto peer = sw.peer_members.find(number); peer != sw.peer_members.end()) {
      for (const std::string& name : peer->second) active[name] = json::object();
    }
    channels[IfId{IfKind::kPortChannel, number}.name()] = {{"activePorts", std::move(active)},
                                                           {"inactivePorts", std::move(inactive)},
                                                           {"rxPorts", json::object()},
                                                           {"recircFeature", json::array()},
                                                           {"inactiveLag", false},
                                                           {"minLinks", 0},
                                                           {"minSpeed", "0 gbps"},
                                                           {"currWeight", 0},
                                                           {"maxWeight", 16}};
  }
  if (!which.empty() && channels.empty()) throw invalid_input(2, which);
  return {{"portChannels", std::move(channels)}};
}

// ---- show mlag

json show_mlag(const Switch& sw, bool as_json) {
  if (!sw.mlag) {
    if (!as_json)
      return text_output(
          "MLAG Configuration:\ndomain-id           :\nstate               :            "
          "Disabled\n");
    return {{"state", "disabled"}};
  }
  const MlagInfo& m = *sw.mlag;
  const bool up = sw.link_status(m.peer_link) == "connected";
  int disabled = 0;
  int inactive = 0;
  int partial = 0;
  int full = 0;
  for (const auto& [number, cfg] : sw.running.port_channels) {
    if (cfg.mlag == 0) continue;
    const std::string link = sw.link_status({IfKind::kPortChannel, number});
    if (link == "disabled") {
      ++disabled;
    } else if (link != "connected") {
      ++inactive;
    } else if (sw.peer_members.contains(number)) {
      ++full;
    } else {
      ++partial;
    }
  }
  const std::string state = up ? "active" : "inactive";
  const std::string peer_link = m.peer_link.name();
  const std::string local_interface = "Vlan" + std::to_string(m.local_vlan);
  if (!as_json) {
    const auto row = [](const std::string& key, const std::string& value) {
      return pad(key, 20) + ":" + std::string(value.size() < 20 ? 20 - value.size() : 1, ' ') +
             value + "\n";
    };
    return text_output("MLAG Configuration:\n" + row("domain-id", m.domain) +
                       row("local-interface", local_interface) +
                       row("peer-address", m.peer_address) + row("peer-link", peer_link) +
                       "\nMLAG Status:\n" + row("state", up ? "Active" : "Inactive") +
                       row("negotiation status", up ? "Connected" : "Connecting") +
                       row("peer-link status", up ? "Up" : "Lowerlayerdown") +
                       row("local-int status", "Up") + row("system-id", m.system_id) +
                       "\nMLAG Ports:\n" + row("Disabled", std::to_string(disabled)) +
                       row("Configured", "0") + row("Inactive", std::to_string(inactive)) +
                       row("Active-partial", std::to_string(partial)) +
                       row("Active-full", std::to_string(full)));
  }
  return {{"domainId", m.domain},
          {"localInterface", local_interface},
          {"peerAddress", m.peer_address},
          {"peerLink", peer_link},
          {"state", state},
          {"negStatus", up ? "connected" : "connecting"},
          {"peerLinkStatus", up ? "up" : "lowerLayerDown"},
          {"localIntfStatus", "up"},
          {"configSanity", "consistent"},
          {"systemId", m.system_id},
          {"portsErrdisabled", false},
          {"reloadDelay", 300},
          {"reloadDelayNonMlag", 300},
          {"mlagPorts",
           {{"Disabled", disabled},
            {"Configured", 0},
            {"Inactive", inactive},
            {"Active-partial", partial},
            {"Active-full", full}}}};
}

// ---- show configuration sessions [detail]

json show_sessions(const Switch& sw, bool as_json) {
  json sessions = json::object();
  std::string text = "Maximum number of completed sessions: " + std::to_string(kMaxSavedSessions) +
                     "\nMaximum number of pending sessions: " + std::to_string(kMaxOpenSessions) +
                     "\n\n  Name       State         User       Terminal\n";
  for (const auto& [name, s] : sw.sessions) {
    json entry = {{"state", s.pending ? "pending" : "completed"},
                  {"commitUser", s.commit_user},
                  {"description", ""},
                  {"instances", json::object()}};
    if (!s.pending) entry["completedTime"] = s.completed_time;
    sessions[name] = std::move(entry);
    text +=
        "  " + pad(name, 11) + pad(s.pending ? "pending" : "completed", 14) + s.commit_user + "\n";
  }
  if (!as_json) return text_output(text);
  return {{"maxSavedSessions", kMaxSavedSessions},
          {"maxOpenSessions", kMaxOpenSessions},
          {"sessions", std::move(sessions)}};
}

// ---- show running-config [all]

// A top-level configuration line and its indented sub-lines.
struct ConfigSection {
  std::string line;
  std::vector<std::string> children;
};

void port_lines(const PortConfig& cfg, const IfId& id, bool all, std::vector<std::string>& out) {
  if (!cfg.description.empty()) {
    out.push_back("description " + cfg.description);
  } else if (all) {
    out.push_back("no description");
  }
  if (cfg.shutdown || all) out.push_back(cfg.shutdown ? "shutdown" : "no shutdown");
  if (cfg.channel_group != 0) {
    out.push_back("channel-group " + std::to_string(cfg.channel_group) + " mode " +
                  cfg.channel_mode);
  }
  if (cfg.access_vlan != 1 || all)
    out.push_back("switchport access vlan " + std::to_string(cfg.access_vlan));
  if (cfg.native_vlan != 1 || all) {
    out.push_back("switchport trunk native vlan " + std::to_string(cfg.native_vlan));
  }
  if (!cfg.allowed.is_all() || all) {
    out.push_back("switchport trunk allowed vlan " +
                  (cfg.allowed.empty() ? std::string("none") : cfg.allowed.to_range_list()));
  }
  if (cfg.trunk || all)
    out.push_back(std::string("switchport mode ") + (cfg.trunk ? "trunk" : "access"));
  if (all) out.push_back("switchport");
  if (id.kind == IfKind::kPortChannel && (cfg.mlag != 0 || all)) {
    out.push_back(cfg.mlag != 0 ? "mlag " + std::to_string(cfg.mlag) : "no mlag");
  }
}

// The sections of `config` (running or a session's candidate) on switch `sw`.
std::vector<ConfigSection> config_sections(const Switch& sw, const Config& config, bool all) {
  std::vector<ConfigSection> out;
  out.push_back({"hostname " + sw.name, {}});
  for (const auto& [id, vlan] : config.vlans) {
    if (id == 1) continue;
    ConfigSection s{"vlan " + std::to_string(id), {}};
    char fallback[16];
    std::snprintf(fallback, sizeof fallback, "VLAN%04d", id);
    if (vlan.name != fallback || all) s.children.push_back("name " + vlan.name);
    if (vlan.suspended || all)
      s.children.push_back(vlan.suspended ? "state suspend" : "state active");
    out.push_back(std::move(s));
  }
  std::vector<IfId> ids;
  for (const auto& [number, unused] : config.port_channels)
    ids.push_back({IfKind::kPortChannel, number});
  for (int e = 1; e <= sw.ethernet_ports(); ++e) ids.push_back({IfKind::kEthernet, e});
  for (const IfId& id : ids) {
    ConfigSection s{"interface " + id.name(), {}};
    port_lines(*config.port(id), id, all, s.children);
    out.push_back(std::move(s));
  }
  if (sw.mlag) {
    const MlagInfo& m = *sw.mlag;
    out.push_back({"interface Vlan" + std::to_string(m.local_vlan),
                   {"ip address " + m.local_address + "/30"}});
    out.push_back({"mlag configuration",
                   {"domain-id " + m.domain, "local-interface Vlan" + std::to_string(m.local_vlan),
                    "peer-address " + m.peer_address, "peer-link " + m.peer_link.name()}});
  }
  return out;
}

std::string config_header(const Switch& sw) {
  return "! device: " + sw.name + " (" + sw.model + ", EOS-" + sw.eos_version + ")";
}

// `config` as `show running-config [all]` prints it.
std::string config_text(const Switch& sw, const Config& config, bool all) {
  std::string text = std::string("! Command: show running-config") + (all ? " all" : "") + "\n" +
                     config_header(sw) + "\n!\n";
  for (const ConfigSection& s : config_sections(sw, config, all)) {
    text += s.line + "\n";
    for (const std::string& c : s.children) text += "   " + c + "\n";
    text += "!\n";
  }
  return text + "end\n";
}

json show_running_config(const Switch& sw, bool all, bool as_json) {
  if (as_json) {
    const std::vector<ConfigSection> sections = config_sections(sw, sw.running, all);
    json cmds = json::object();
    for (const ConfigSection& s : sections) {
      if (s.children.empty() && s.line.rfind("interface ", 0) != 0 &&
          s.line.rfind("vlan ", 0) != 0) {
        cmds[s.line] = nullptr;
        continue;
      }
      json children = json::object();
      for (const std::string& c : s.children) children[c] = nullptr;
      cmds[s.line] = {{"cmds", std::move(children)}, {"comments", json::array()}};
    }
    return {
        {"cmds", std::move(cmds)}, {"comments", json::array()}, {"header", {config_header(sw)}}};
  }
  return text_output(config_text(sw, sw.running, all));
}

// ---- show session-config [named NAME] diffs

constexpr std::size_t kDiffContext = 3;  // as `diff -u`

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// One line of an edit script: ' ' kept, '-' only in `a`, '+' only in `b`.
struct Edit {
  char op;
  const std::string* line;
};

// A shortest edit script from `a` to `b` (longest common subsequence), removals before
// additions within a change, as `diff` prints them.
std::vector<Edit> line_edits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  // Sessions change a few lines of a long config: the quadratic table covers only the middle
  // between the common head and tail.
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  const std::size_t n = a.size() - head - tail;
  const std::size_t m = b.size() - head - tail;
  // lcs[i * (m + 1) + j]: the LCS length of the middles from a[head + i] and b[head + j] on.
  std::vector<std::size_t> lcs((n + 1) * (m + 1), 0);
  const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& {
    return lcs[i * (m + 1) + j];
  };
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      at(i, j) =
          a[head + i] == b[head + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  std::vector<Edit> out;
  for (std::size_t k = 0; k < head; ++k) out.push_back({' ', &a[k]});
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[head + i] == b[head + j]) {
      out.push_back({' ', &a[head + i++]});
      ++j;
    } else if (j == m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
      out.push_back({'-', &a[head + i++]});
    } else {
      out.push_back({'+', &b[head + j++]});
    }
  }
  for (std::size_t k = a.size() - tail; k < a.size(); ++k) out.push_back({' ', &a[k]});
  return out;
}

// A hunk range as `diff -u` prints it: "start,count", just "start" for one line, and the line
// before the hunk for none.
std::string hunk_range(std::size_t before, std::size_t count) {
  if (count == 1) return std::to_string(before + 1);
  return std::to_string(count == 0 ? before : before + 1) + "," + std::to_string(count);
}

// `diff -u` of two texts: "" when they are equal.
std::string unified_diff(const std::string& from, const std::string& to,
                         const std::string& from_label, const std::string& to_label) {
  const std::vector<std::string> a = split_lines(from);
  const std::vector<std::string> b = split_lines(to);
  const std::vector<Edit> edits = line_edits(a, b);
  // Lines of `a` and of `b` before each edit, for the hunk headers.
  std::vector<std::size_t> a_before(edits.size() + 1, 0);
  std::vector<std::size_t> b_before(edits.size() + 1, 0);
  for (std::size_t k = 0; k < edits.size(); ++k) {
    a_before[k + 1] = a_before[k] + (edits[k].op != '+' ? 1 : 0);
    b_before[k + 1] = b_before[k] + (edits[k].op != '-' ? 1 : 0);
  }
  const auto next_change = [&](std::size_t k) {
    while (k < edits.size() && edits[k].op == ' ') ++k;
    return k;
  };
  std::string out;
  for (std::size_t change = next_change(0); change < edits.size();) {
    const std::size_t start = change - std::min(change, kDiffContext);
    // Changes separated by at most twice the context share a hunk.
    std::size_t end = change;
    while (true) {
      while (end < edits.size() && edits[end].op != ' ') ++end;
      change = next_change(end);
      if (change == edits.size() || change - end > 2 * kDiffContext) break;
      end = change;
    }
    end = std::min(end + kDiffContext, edits.size());
    if (out.empty()) out = "--- " + from_label + "\n+++ " + to_label + "\n";
    out += "@@ -" + hunk_range(a_before[start], a_before[end] - a_before[start]) + " +" +
           hunk_range(b_before[start], b_before[end] - b_before[start]) + " @@\n";
    for (std::size_t k = start; k < end; ++k) out += edits[k].op + *edits[k].line + "\n";
  }
  return out;
}

json show_session_diffs(const Switch& sw, const std::string& name) {
  const Session& session = pending_session(sw, name);
  return text_output(
      unified_diff(config_text(sw, sw.running, false), config_text(sw, session.candidate, false),
                   "system:/running-config", "session:/" + name + "-session-config"));
}

// Commands EOS has no JSON model for: clients must ask for text.
void require_text(bool as_json) {
  if (as_json) throw CliError{1003, "Command not converted to JSON; use format text"};
}

}  // namespace

json run_show(const Switch& sw, const std::vector<std::string>& words, bool as_json,
              bool autocomplete, const std::string& session) {
  // `words` excludes "show"; token numbers in errors count it.
  const auto kw = [&](std::size_t i, std::string_view word) {
    return i < words.size() && keyword(words[i], word, autocomplete);
  };
  const auto arg = [&](std::size_t i) {
    return i < words.size() ? std::string_view(words[i]) : std::string_view();
  };
  const auto done = [&](std::size_t n) {
    if (words.size() > n) throw invalid_input(n + 1, words[n]);
  };
  if (words.empty()) throw CliError{1002, "Incomplete command (at token 1: '')"};
  if (kw(0, "version")) {
    done(1);
    return show_version(sw, as_json);
  }
  if (kw(0, "hostname")) {
    done(1);
    return show_hostname(sw, as_json);
  }
  if (kw(0, "clock")) {
    done(1);
    require_text(as_json);
    return text_output("Timezone: UTC\nClock source: local\n");
  }
  if (kw(0, "vlan")) {
    done(2);
    return show_vlan(sw, arg(1), as_json);
  }
  if (kw(0, "interfaces")) {
    std::size_t next = 1;
    std::vector<IfId> ids = all_interfaces(sw);
    if (words.size() > 1 && !kw(1, "switchport") && !kw(1, "status")) {
      ids = select_interfaces(sw, words[1], 2);
      next = 2;
    }
    if (kw(next, "switchport")) {
      done(next + 1);
      return show_switchport(sw, ids, as_json);
    }
    if (kw(next, "status")) {
      done(next + 1);
      return show_status(sw, ids, as_json);
    }
    done(next);
    if (!as_json)
      throw CliError{1000, "vmfabric-eos: 'show interfaces' has no text form; use format json"};
    return show_interfaces(sw, ids);
  }
  if (kw(0, "lldp") && kw(1, "neighbors")) {
    const bool detail = kw(2, "detail");
    done(detail ? 3 : 2);
    return show_lldp(sw, detail, as_json);
  }
  if (kw(0, "port-channel")) {
    done(2);
    return show_port_channel(sw, arg(1), as_json);
  }
  if (kw(0, "mlag")) {
    done(1);
    return show_mlag(sw, as_json);
  }
  if (kw(0, "configuration") && kw(1, "sessions")) {
    done(kw(2, "detail") ? 3 : 2);
    return show_sessions(sw, as_json);
  }
  if (kw(0, "running-config")) {
    const bool all = kw(1, "all");
    done(all ? 2 : 1);
    return show_running_config(sw, all, as_json);
  }
  if (kw(0, "session-config")) {
    // `named NAME` picks the session; without it, the one the CLI is in.
    const bool named = kw(1, "named");
    const std::size_t at = named ? 3 : 1;
    if (words.size() <= at) throw CliError{1002, "Incomplete command"};
    if (!kw(at, "diffs")) throw invalid_input(at + 1, words[at]);
    done(at + 1);
    require_text(as_json);
    if (!named && session.empty()) throw CliError{1000, "Not in a configuration session"};
    return show_session_diffs(sw, named ? words[2] : session);
  }
  const std::size_t bad = kw(0, "lldp") || kw(0, "configuration") ? 1 : 0;
  throw invalid_input(bad + 1, arg(bad));
}

}  // namespace vmfabric::eos_sim
