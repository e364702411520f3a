#include "store/codec.h"

#include <concepts>
#include <nlohmann/json.hpp>
#include <optional>

// std::optional as null-or-value.
namespace nlohmann {
template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) {
      j = *v;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v.reset();
    } else {
      v = j.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace vmfabric {

using nlohmann::json;

// ---- ids: canonical arrays of their parts ---------------------------------------------------

// Name<Tag> and InternedName<Tag>.
template <class T>
concept NameText = std::constructible_from<T, std::string> && requires(const T& n) {
  { n.str() } -> std::same_as<const std::string&>;
};
template <NameText T>
void to_json(json& j, const T& n) {
  j = n.str();
}
template <NameText T>
void from_json(const json& j, T& n) {
  n = T(j.get<std::string>());
}
template <class Tag>
void to_json(json& j, const MoRef<Tag>& r) {
  j = json::array({r.vcenter.str(), r.moref});
}
template <class Tag>
void from_json(const json& j, MoRef<Tag>& r) {
  r = {VCenterId(j.at(0).get<std::string>()), j.at(1).get<std::string>()};
}
template <class Tag>
void to_json(json& j, const OnHost<Tag>& r) {
  j = json::array({r.host.vcenter.str(), r.host.moref, r.name});
}
template <class Tag>
void from_json(const json& j, OnHost<Tag>& r) {
  r = {HostId{VCenterId(j.at(0).get<std::string>()), j.at(1).get<std::string>()},
       j.at(2).get<std::string>()};
}
void to_json(json& j, const VmNicId& r) {
  j = json::array({r.vm.vcenter.str(), r.vm.moref, r.key});
}
void from_json(const json& j, VmNicId& r) {
  r = {VmId{VCenterId(j.at(0).get<std::string>()), j.at(1).get<std::string>()}, j.at(2).get<int>()};
}
template <class Tag>
void to_json(json& j, const OnSwitch<Tag>& r) {
  j = json::array({r.sw.str(), r.name.str()});
}
template <class Tag>
void from_json(const json& j, OnSwitch<Tag>& r) {
  r = {SwitchId(j.at(0).get<std::string>()), InterfaceName(j.at(1).get<std::string>())};
}
void to_json(json& j, const MlagId& r) { j = json::array({r.first.str(), r.second.str()}); }
void from_json(const json& j, MlagId& r) {
  r = {SwitchId(j.at(0).get<std::string>()), SwitchId(j.at(1).get<std::string>())};
}
void to_json(json& j, const LinkId& r) {
  j = json::array({r.a.sw.str(), r.a.name.str(), r.b.sw.str(), r.b.name.str()});
}
void from_json(const json& j, LinkId& r) {
  r = {{SwitchId(j.at(0).get<std::string>()), InterfaceName(j.at(1).get<std::string>())},
       {SwitchId(j.at(2).get<std::string>()), InterfaceName(j.at(3).get<std::string>())}};
}

// ---- values ---------------------------------------------------------------------------------

void to_json(json& j, const VlanId& v) { j = v.value; }
void from_json(const json& j, VlanId& v) { v = VlanId::checked(j.get<long>()); }
void to_json(json& j, const VlanSet& v) { j = v.to_string(); }
void from_json(const json& j, VlanSet& v) { v = VlanSet::parse(j.get<std::string>()); }
// As a std::map with a non-string key is stored: an array of [id, name] pairs.
void to_json(json& j, const VlanNames& names) {
  j = json::array();
  for (const auto& [id, name] : names) j.push_back(json::array({id.value, name}));
}
void from_json(const json& j, VlanNames& names) {
  const auto& pairs = j.get_ref<const json::array_t&>();
  names.clear();
  names.reserve(pairs.size());
  for (const json& pair : pairs)
    names.emplace(pair.at(0).get<VlanId>(), pair.at(1).get<std::string>());
}

NLOHMANN_JSON_SERIALIZE_ENUM(SessionState, {{SessionState::kDisconnected, "disconnected"},
                                            {SessionState::kConnecting, "connecting"},
                                            {SessionState::kConnected, "connected"}})
NLOHMANN_JSON_SERIALIZE_ENUM(HostConnection, {{HostConnection::kConnected, "connected"},
                                              {HostConnection::kDisconnected, "disconnected"},
                                              {HostConnection::kNotResponding, "notResponding"}})
NLOHMANN_JSON_SERIALIZE_ENUM(VSwitchKind, {{VSwitchKind::kStandard, "standard"},
                                           {VSwitchKind::kDistributed, "distributed"}})
NLOHMANN_JSON_SERIALIZE_ENUM(VlanMode, {{VlanMode::kUntagged, "untagged"},
                                        {VlanMode::kVlan, "vlan"},
                                        {VlanMode::kTrunk, "trunk"},
                                        {VlanMode::kPrivate, "pvlan"}})
NLOHMANN_JSON_SERIALIZE_ENUM(VmkService, {{VmkService::kManagement, "management"},
                                          {VmkService::kVmotion, "vmotion"},
                                          {VmkService::kStorage, "storage"},
                                          {VmkService::kProvisioning, "provisioning"},
                                          {VmkService::kFaultTolerance, "faultTolerance"},
                                          {VmkService::kVsan, "vsan"}})
NLOHMANN_JSON_SERIALIZE_ENUM(PowerState, {{PowerState::kPoweredOff, "poweredOff"},
                                          {PowerState::kPoweredOn, "poweredOn"},
                                          {PowerState::kSuspended, "suspended"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Reachability, {{Reachability::kUnknown, "unknown"},
                                            {Reachability::kReachable, "reachable"},
                                            {Reachability::kUnreachable, "unreachable"},
                                            {Reachability::kAuthFailed, "authFailed"}})
NLOHMANN_JSON_SERIALIZE_ENUM(SwitchportMode, {{SwitchportMode::kNone, "none"},
                                              {SwitchportMode::kAccess, "access"},
                                              {SwitchportMode::kTrunk, "trunk"},
                                              {SwitchportMode::kRouted, "routed"}})
NLOHMANN_JSON_SERIALIZE_ENUM(LinkSource,
                             {{LinkSource::kLldp, "lldp"}, {LinkSource::kConfig, "config"}})

// Fields missing from a stored row take their defaults, so a later version may add fields
// without rewriting old rows.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VCenter, id, url, instance_uuid, session, synced,
                                                last_update_ms, last_error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Cluster, id, name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Host, id, name, cluster, connection, maintenance,
                                                vendor, model, cpu_model, cpu_cores, esx_version,
                                                esx_build)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NeighborHint, chassis_id, port_id, system_name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Pnic, id, mac, speed_mbps, lldp, cdp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VSwitch, id, kind, dvs, uplinks)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortgroupVlan, mode, vlans)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StandardPortgroup, id, vswitch, vlan)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VmkNic, id, mac, portgroup, dv_portgroup, services)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DistributedSwitch, id, name, uuid)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DvPortgroup, id, name, dvs, vlan, uplink)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Vm, id, name, power, host, migrating_to)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VmNicBacking, standard_portgroup, dv_portgroup)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VmNic, id, label, mac, backing, connected)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConfigSessionRecord, name, user, completed_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Switch, id, address, reachability, hostname, model,
                                                eos_version, serial, system_mac, vlans,
                                                config_sessions, last_poll_ms, last_error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LldpNeighbor, chassis_id, port_id, system_name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Interface, id, description, oper_up, mode, allowed,
                                                access_vlan, native_vlan, channel_group, lldp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortChannel, id, members, peer_members, mlag_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MlagPair, id, domain, peer_link, active)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Link, id, source)

namespace audit {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LastChange, added, at_ms, session)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OutsideChange, session, user, at_ms)
}  // namespace audit

namespace codec {
namespace {

template <class List>
struct Decoder;
template <class... T>
struct Decoder<TypeList<T...>> {
  static Entity decode(EntityKind kind, const json& j) {
    std::optional<Entity> out;
    ((T::kKind == kind ? (out = Entity{j.get<T>()}, true) : false) || ...);
    if (!out) throw std::invalid_argument("unknown entity kind");
    return *out;
  }
};

}  // namespace

std::string encode(const Entity& entity) {
  return std::visit([](const auto& e) { return json(e).dump(); }, entity);
}

Entity decode(EntityKind kind, std::string_view text) {
  return Decoder<AllEntities>::decode(kind, json::parse(text));
}

std::string key_text(const EntityKey& key) {
  return std::visit([](const auto& id) { return json(id).dump(); }, key);
}

std::string encode(const audit::LastChange& change) { return json(change).dump(); }

audit::LastChange decode_last_change(std::string_view text) {
  return json::parse(text).get<audit::LastChange>();
}

std::string encode(const audit::OutsideChange& change) { return json(change).dump(); }

audit::OutsideChange decode_outside_change(std::string_view text) {
  return json::parse(text).get<audit::OutsideChange>();
}

}  // namespace codec
}  // namespace vmfabric
