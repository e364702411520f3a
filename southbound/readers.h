// Readers of EOS `show` results (eAPI format json) into typed structs, and the observed state of
// one switch as a graph Delta. Each reader throws EapiResponseError naming the command and the
// field when the JSON does not have the documented shape.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"
#include "model/model.h"
#include "southbound/eapi.h"

namespace vmfabric::southbound {

// From `show version` and `show hostname`.
struct SwitchFacts {
  std::string hostname;
  std::string fqdn;
  std::string model;
  std::string eos_version;
  std::string serial;
  std::string system_mac;  // as EOS prints it: "00:1c:73:2e:7b:a3"
  bool operator==(const SwitchFacts&) const = default;
};
SwitchFacts read_facts(const nlohmann::json& show_version, const nlohmann::json& show_hostname);

// `show vlan`: the VLAN database, ascending.
struct VlanEntry {
  VlanId id;
  std::string name;
  bool active = false;   // status "active" (else "suspended", ...)
  bool dynamic = false;  // created by a feature (MLAG peer VLAN, VM Tracer), not configured
  bool operator==(const VlanEntry&) const = default;
};
std::vector<VlanEntry> read_vlans(const nlohmann::json& show_vlan);

// `show interfaces switchport`, one per switchport, ascending by name. `mode` is kTrunk or
// kAccess; any other EOS mode (dot1q-tunnel, tap, tool...) is kNone.
struct Switchport {
  InterfaceName name;
  bool enabled = false;
  SwitchportMode mode = SwitchportMode::kNone;
  VlanId access_vlan;
  VlanId native_vlan;
  VlanSet allowed;  // trunkAllowedVlans: "ALL", "NONE" or a range list
  bool operator==(const Switchport&) const = default;
};
std::vector<Switchport> read_switchports(const nlohmann::json& show_interfaces_switchport);

// `show interfaces status`, ascending by name.
struct InterfaceStatus {
  InterfaceName name;
  std::string description;
  std::string link_status;  // "connected", "notconnect", "disabled", "errdisabled", ...
  bool routed = false;      // vlanInformation.interfaceMode "routed"
  bool operator==(const InterfaceStatus&) const = default;
};
std::vector<InterfaceStatus> read_interface_status(const nlohmann::json& show_interfaces_status);

// One neighbour of `show lldp neighbors detail`. `neighbor.port_id` has the literal quotes EOS
// puts around interface names removed, and is interfaceId_v2 when present.
struct LldpReading {
  InterfaceName local;
  LldpNeighbor neighbor;
  bool port_is_name = false;  // interfaceIdType "interfaceName" (else a MAC or a local id)
  bool operator==(const LldpReading&) const = default;
};
// Ascending by local interface; interfaces without a neighbour do not appear.
std::vector<LldpReading> read_lldp_neighbors(const nlohmann::json& show_lldp_neighbors_detail);

// `show port-channel`, ascending by name. Members on the MLAG peer ("PeerEthernet4") are kept
// apart from local ones.
struct PortChannelReading {
  InterfaceName name;
  std::vector<InterfaceName> active;     // local members bundled now
  std::vector<InterfaceName> inactive;   // local members configured but not bundled
  std::vector<std::string> peer_active;  // "PeerEthernet4"
  bool operator==(const PortChannelReading&) const = default;
};
std::vector<PortChannelReading> read_port_channels(const nlohmann::json& show_port_channel);

// `show mlag`. When MLAG is not configured EOS sends only {"state": "disabled"}.
struct MlagReading {
  std::string state;  // "active", "inactive", "disabled"
  std::string domain;
  std::string peer_address;
  std::optional<InterfaceName> peer_link;
  std::optional<InterfaceName> local_interface;  // "Vlan4094"
  bool configured() const { return state != "disabled"; }
  bool operator==(const MlagReading&) const = default;
};
MlagReading read_mlag(const nlohmann::json& show_mlag);

// The prefix of the configuration sessions vmfabric itself commits (controller/reconcile names
// them "vmfabric-<ms>-<n>").
inline constexpr std::string_view kOwnSessionPrefix = "vmfabric-";

// `show configuration sessions detail`: the completed sessions not named kOwnSessionPrefix...,
// oldest first (by completedTime, then name). Pending ones are not changes yet.
std::vector<ConfigSessionRecord> read_foreign_sessions(
    const nlohmann::json& show_configuration_sessions_detail);

// Everything read from one switch in one poll.
struct SwitchReadings {
  SwitchFacts facts;
  std::vector<VlanEntry> vlans;
  std::vector<Switchport> switchports;
  std::vector<InterfaceStatus> statuses;
  std::vector<LldpReading> lldp;
  std::vector<PortChannelReading> port_channels;
  MlagReading mlag;
  std::vector<ConfigSessionRecord> foreign_sessions;
};

// The switches vmfabric manages, as LLDP neighbours name them: a neighbour is one of them when
// its chassis id is the switch's system MAC (any notation), or its system name is the switch's
// config name, hostname or FQDN (case-insensitive).
struct KnownSwitch {
  SwitchId id;
  std::string hostname;
  std::string fqdn;
  std::string system_mac;
};
// The first listed switch wins when several match.
class SwitchDirectory {
 public:
  explicit SwitchDirectory(const std::vector<KnownSwitch>& switches);
  std::optional<SwitchId> find(const LldpNeighbor& neighbor) const;

 private:
  // Indexed once per poll: a spine's neighbours are every leaf, each looked up here.
  std::map<std::string, SwitchId> by_mac_;   // 12 lower-case hex digits
  std::map<std::string, SwitchId> by_name_;  // lower case
};

// The observed state of switch `base.id` as graph operations: the Switch (`base` with the facts
// VLAN database and foreign configuration sessions filled in), an Interface per switchport or
// status entry (allowed VLANs on trunks, LLDP neighbours, channel group), a PortChannel per
// port-channel, a Link per LLDP neighbour that is another known switch, and the MlagPair when the
// peer-link's members see a known switch. What `current` holds for this switch and the readings no
// longer show (an interface, a port-channel, an LLDP link with an end here, the MLAG pair) is
// removed.
Delta observed_delta(Switch base, const SwitchReadings& readings, const SwitchDirectory& directory,
                     const Snapshot& current);

// Every switch of `snapshot` as an LLDP neighbour may name it, shared by the switch agents and
// built again only when a switch was added or removed or its name, hostname or system MAC
// changed: each agent publishes after every poll and session, and building the directory each
// time was 7% of vmfabricd's CPU in a storm of 800 vMotions at 200 switches. Thread-safe.
class SwitchDirectoryCache {
 public:
  std::shared_ptr<const SwitchDirectory> of(const Snapshot& snapshot);

 private:
  std::mutex mutex_;
  std::vector<KnownSwitch> known_;  // what directory_ was built from
  std::shared_ptr<const SwitchDirectory> directory_;
};

}  // namespace vmfabric::southbound
