// Plain value types of the topology: the vSphere side (vCenters, clusters, hosts, their NICs,
// switches and portgroups, VMs) and the switch side (switches, interfaces, port-channels, MLAG
// pairs, links). No behaviour, no I/O: the graph stores them, edges fill them, the planner reads
// them. Every entity has an `Id id` and a `kKind`; times are Unix milliseconds given by the edge
// that observed them (the core reads no clock).
#pragma once

#include <boost/container/flat_map.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "model/ids.h"
#include "model/vlan_set.h"

namespace vmfabric {

enum class EntityKind {
  kVCenter,
  kCluster,
  kHost,
  kPnic,
  kVSwitch,
  kStandardPortgroup,
  kVmkNic,
  kDistributedSwitch,
  kDvPortgroup,
  kVm,
  kVmNic,
  kSwitch,
  kInterface,
  kPortChannel,
  kMlagPair,
  kLink,
};

// ---- vSphere side ----------------------------------------------------------------------------

enum class SessionState { kDisconnected, kConnecting, kConnected };

struct VCenter {
  static constexpr EntityKind kKind = EntityKind::kVCenter;
  using Id = VCenterId;
  Id id;
  std::string url;
  std::string instance_uuid;  // about.instanceUuid: tells whether the server behind the URL changed
  SessionState session = SessionState::kDisconnected;
  // True only after a complete initial sync or resync. While false the planner must not prune
  // VLANs for this vCenter's hosts (its view may be missing VMs).
  bool synced = false;
  std::int64_t last_update_ms = 0;
  std::string last_error;
  bool operator==(const VCenter&) const = default;
};

struct Cluster {
  static constexpr EntityKind kKind = EntityKind::kCluster;
  using Id = ClusterId;
  Id id;
  std::string name;
  bool operator==(const Cluster&) const = default;
};

enum class HostConnection { kConnected, kDisconnected, kNotResponding };

struct Host {
  static constexpr EntityKind kKind = EntityKind::kHost;
  using Id = HostId;
  Id id;
  std::string name;
  std::optional<ClusterId> cluster;  // empty for a standalone host
  HostConnection connection = HostConnection::kConnected;
  bool maintenance = false;
  std::string vendor;
  std::string model;
  std::string cpu_model;
  int cpu_cores = 0;
  std::string esx_version;
  std::string esx_build;
  bool operator==(const Host&) const = default;
};

// What an ESX host hears on one physical NIC (QueryNetworkHint): LLDP and/or CDP.
struct NeighborHint {
  std::string chassis_id;   // LLDP chassis id (switch MAC) or CDP device id
  std::string port_id;      // "Ethernet1"
  std::string system_name;  // LLDP system name
  bool operator==(const NeighborHint&) const = default;
};

struct Pnic {
  static constexpr EntityKind kKind = EntityKind::kPnic;
  using Id = PnicId;
  Id id;  // name = device, "vmnic0"
  std::string mac;
  int speed_mbps = 0;  // 0 = link down
  std::optional<NeighborHint> lldp;
  std::optional<NeighborHint> cdp;
  bool operator==(const Pnic&) const = default;
};

enum class VSwitchKind { kStandard, kDistributed };

// A host's virtual switch: a standard vSwitch, or the host's member of a distributed switch
// (its proxy switch), with the pnics that are its uplinks on this host.
struct VSwitch {
  static constexpr EntityKind kKind = EntityKind::kVSwitch;
  using Id = VSwitchId;
  Id id;
  VSwitchKind kind = VSwitchKind::kStandard;
  std::optional<DvsId> dvs;          // set for kDistributed
  std::vector<std::string> uplinks;  // pnic devices
  bool operator==(const VSwitch&) const = default;
};

// How a portgroup tags traffic. vSphere: standard vlanId 0 = untagged, 4095 = all (trunk);
// distributed VlanIdSpec (0 = untagged), TrunkVlanSpec ranges, PvlanSpec.
enum class VlanMode { kUntagged, kVlan, kTrunk, kPrivate };

struct PortgroupVlan {
  VlanMode mode = VlanMode::kUntagged;
  VlanSet
      vlans;  // empty for kUntagged; one id for kVlan; ranges for kTrunk; the primary for kPrivate
  bool operator==(const PortgroupVlan&) const = default;
};

// A standard portgroup exists per host: the same name can carry different VLANs on two hosts.
struct StandardPortgroup {
  static constexpr EntityKind kKind = EntityKind::kStandardPortgroup;
  using Id = StandardPortgroupId;
  Id id;  // name = portgroup name
  std::string vswitch;
  PortgroupVlan vlan;
  bool operator==(const StandardPortgroup&) const = default;
};

enum class VmkService { kManagement, kVmotion, kStorage, kProvisioning, kFaultTolerance, kVsan };

// A host's vmkernel adapter: its VLANs must reach the host whatever the VMs do.
struct VmkNic {
  static constexpr EntityKind kKind = EntityKind::kVmkNic;
  using Id = VmkNicId;
  Id id;  // name = device, "vmk0"
  std::string mac;
  std::string portgroup;                      // standard portgroup name, when on a vSwitch
  std::optional<DvPortgroupId> dv_portgroup;  // when on a distributed switch
  std::vector<VmkService> services;
  bool operator==(const VmkNic&) const = default;
};

struct DistributedSwitch {
  static constexpr EntityKind kKind = EntityKind::kDistributedSwitch;
  using Id = DvsId;
  Id id;
  std::string name;
  std::string uuid;  // what VM backings and host proxy switches refer to
  bool operator==(const DistributedSwitch&) const = default;
};

struct DvPortgroup {
  static constexpr EntityKind kKind = EntityKind::kDvPortgroup;
  using Id = DvPortgroupId;
  Id id;  // moref = the portgroup key VM backings use
  std::string name;
  DvsId dvs;
  PortgroupVlan vlan;
  bool uplink = false;  // the DVS's own uplink portgroup carries no VM traffic
  bool operator==(const DvPortgroup&) const = default;
};

enum class PowerState { kPoweredOff, kPoweredOn, kSuspended };

struct Vm {
  static constexpr EntityKind kKind = EntityKind::kVm;
  using Id = VmId;
  Id id;
  std::string name;
  PowerState power = PowerState::kPoweredOff;
  std::optional<HostId> host;
  std::optional<HostId> migrating_to;  // set from a migration-start event until it completes
  bool operator==(const Vm&) const = default;
};

// Which network a vNIC is on: a standard portgroup by name (resolved on the VM's current host)
// or a distributed portgroup.
struct VmNicBacking {
  std::string standard_portgroup;
  std::optional<DvPortgroupId> dv_portgroup;
  bool operator==(const VmNicBacking&) const = default;
};

struct VmNic {
  static constexpr EntityKind kKind = EntityKind::kVmNic;
  using Id = VmNicId;
  Id id;
  std::string label;  // "Network adapter 1"
  std::string mac;    // not unique: clones and manual MACs collide
  VmNicBacking backing;
  bool connected = true;
  bool operator==(const VmNic&) const = default;
};

// ---- switch side -----------------------------------------------------------------------------

enum class Reachability { kUnknown, kReachable, kUnreachable, kAuthFailed };

// A configuration session the switch reports as committed (`show configuration sessions detail`).
// EOS keeps only its newest few (maxSavedSessions, 1 by default); edits outside sessions (console
// `configure` mode) leave none.
struct ConfigSessionRecord {
  std::string name;
  std::string user;  // who committed it, as the switch says ("" when it does not)
  std::int64_t completed_ms = 0;
  bool operator==(const ConfigSessionRecord&) const = default;
};

// A VLAN database: id -> name. One sorted array: a switch's is copied at every poll, and 200
// VLANs took 200 tree nodes.
using VlanNames = boost::container::flat_map<VlanId, std::string>;

struct Switch {
  static constexpr EntityKind kKind = EntityKind::kSwitch;
  using Id = SwitchId;
  Id id;  // the name in the config
  std::string address;
  Reachability reachability = Reachability::kUnknown;
  std::string hostname;
  std::string model;
  std::string eos_version;
  std::string serial;
  std::string system_mac;
  VlanNames vlans;  // the VLAN database
  // The committed configuration sessions not made by vmfabric that the switch still keeps, oldest
  // first: who changed it outside vmfabric, and when.
  std::vector<ConfigSessionRecord> config_sessions;
  std::int64_t last_poll_ms = 0;
  std::string last_error;
  bool operator==(const Switch&) const = default;
};

enum class SwitchportMode { kNone, kAccess, kTrunk, kRouted };

// What the switch's LLDP table says is on the other end of an interface.
struct LldpNeighbor {
  std::string chassis_id;
  std::string port_id;
  std::string system_name;
  bool operator==(const LldpNeighbor&) const = default;
};

struct Interface {
  static constexpr EntityKind kKind = EntityKind::kInterface;
  using Id = InterfaceId;
  Id id;
  std::string description;
  bool oper_up = false;
  SwitchportMode mode = SwitchportMode::kNone;
  VlanSet allowed;                             // trunk allowed VLANs (observed)
  std::optional<VlanId> access_vlan;           // access mode
  std::optional<VlanId> native_vlan;           // trunk mode
  std::optional<InterfaceName> channel_group;  // member of this port-channel
  std::vector<LldpNeighbor> lldp;
  bool operator==(const Interface&) const = default;
};

struct PortChannel {
  static constexpr EntityKind kKind = EntityKind::kPortChannel;
  using Id = PortChannelId;
  Id id;
  std::vector<InterfaceName> members;     // local active members
  std::vector<std::string> peer_members;  // "PeerEthernet3" on an MLAG port-channel
  std::optional<int> mlag_id;
  bool operator==(const PortChannel&) const = default;
};

struct MlagPair {
  static constexpr EntityKind kKind = EntityKind::kMlagPair;
  using Id = MlagId;
  Id id;
  std::string domain;
  InterfaceName peer_link;  // the same port-channel name on both peers
  bool active = false;
  bool operator==(const MlagPair&) const = default;
};

enum class LinkSource { kLldp, kConfig };

struct Link {
  static constexpr EntityKind kKind = EntityKind::kLink;
  using Id = LinkId;
  Id id;
  LinkSource source = LinkSource::kLldp;
  bool operator==(const Link&) const = default;
};

// ---- every entity, in dependency order (an owner before what it owns) -------------------------

template <class... T>
struct TypeList {};

using AllEntities =
    TypeList<VCenter, Cluster, Host, Pnic, VSwitch, StandardPortgroup, VmkNic, DistributedSwitch,
             DvPortgroup, Vm, VmNic, Switch, Interface, PortChannel, MlagPair, Link>;

template <class List>
struct EntityVariants;
template <class... T>
struct EntityVariants<TypeList<T...>> {
  using Entity = std::variant<T...>;
  using Key = std::variant<typename T::Id...>;
};

// The entity type whose `Id` is `IdT`.
template <class IdT, class List = AllEntities>
struct EntityForId;
template <class IdT, class T, class... Rest>
struct EntityForId<IdT, TypeList<T, Rest...>> {
  using type = std::conditional_t<std::is_same_v<IdT, typename T::Id>, T,
                                  typename EntityForId<IdT, TypeList<Rest...>>::type>;
};
template <class IdT>
struct EntityForId<IdT, TypeList<>> {
  using type = void;
};
template <class IdT>
using EntityFor = typename EntityForId<IdT>::type;

using Entity = EntityVariants<AllEntities>::Entity;
using EntityKey = EntityVariants<AllEntities>::Key;

EntityKind kind_of(const EntityKey& key);
const char* to_string(EntityKind kind);
// The service's name in the API and in explanations: "management", "vmotion", "fault-tolerance".
const char* to_string(VmkService service);
EntityKey key_of(const Entity& entity);

// A readable rendering of an id for logs and errors: "vc1/host-21/vmnic0", "leaf1/Ethernet1".
std::string to_string(const EntityKey& key);

// The entities that own an entity: removing an owner removes what it owns. A vCenter owns what
// it reported (clusters, hosts, VMs, distributed switches); a host its pnics, vSwitches, standard
// portgroups and vmknics; a distributed switch its portgroups; a VM its vNICs; a switch its
// interfaces and port-channels, and the MLAG pairs and links it is part of.
std::vector<EntityKey> owners_of(const Entity& entity);
std::vector<EntityKey> owners_of(const VCenter&);
std::vector<EntityKey> owners_of(const Cluster&);
std::vector<EntityKey> owners_of(const Host&);
std::vector<EntityKey> owners_of(const Pnic&);
std::vector<EntityKey> owners_of(const VSwitch&);
std::vector<EntityKey> owners_of(const StandardPortgroup&);
std::vector<EntityKey> owners_of(const VmkNic&);
std::vector<EntityKey> owners_of(const DistributedSwitch&);
std::vector<EntityKey> owners_of(const DvPortgroup&);
std::vector<EntityKey> owners_of(const Vm&);
std::vector<EntityKey> owners_of(const VmNic&);
std::vector<EntityKey> owners_of(const Switch&);
std::vector<EntityKey> owners_of(const Interface&);
std::vector<EntityKey> owners_of(const PortChannel&);
std::vector<EntityKey> owners_of(const MlagPair&);
std::vector<EntityKey> owners_of(const Link&);

// The same ownership at compile time: kOwnedBy<T, OwnerId> when an entity of type T can be owned
// by the entity whose id type is OwnerId (tests check it agrees with owners_of).
template <class T, class OwnerId>
inline constexpr bool kOwnedBy = false;
template <>
inline constexpr bool kOwnedBy<Cluster, VCenterId> = true;
template <>
inline constexpr bool kOwnedBy<Host, VCenterId> = true;
template <>
inline constexpr bool kOwnedBy<DistributedSwitch, VCenterId> = true;
template <>
inline constexpr bool kOwnedBy<Vm, VCenterId> = true;
template <>
inline constexpr bool kOwnedBy<Pnic, HostId> = true;
template <>
inline constexpr bool kOwnedBy<VSwitch, HostId> = true;
template <>
inline constexpr bool kOwnedBy<StandardPortgroup, HostId> = true;
template <>
inline constexpr bool kOwnedBy<VmkNic, HostId> = true;
template <>
inline constexpr bool kOwnedBy<DvPortgroup, DvsId> = true;
template <>
inline constexpr bool kOwnedBy<VmNic, VmId> = true;
template <>
inline constexpr bool kOwnedBy<Interface, SwitchId> = true;
template <>
inline constexpr bool kOwnedBy<PortChannel, SwitchId> = true;
template <>
inline constexpr bool kOwnedBy<MlagPair, SwitchId> = true;
template <>
inline constexpr bool kOwnedBy<Link, SwitchId> = true;

}  // namespace vmfabric
