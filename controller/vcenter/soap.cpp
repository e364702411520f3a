#include "vcenter/soap.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <pugixml.hpp>

namespace vmfabric::vcenter {
namespace {

// ---- the vocabulary ----------------------------------------------------------------------------

struct KindType {
  ObjectKind kind;
  std::string_view type;
};
// The type vmfabric names in requests for each kind, then the subtypes it also recognizes.
constexpr std::array kKindTypes{
    KindType{ObjectKind::kCluster, "ClusterComputeResource"},
    KindType{ObjectKind::kHost, "HostSystem"},
    KindType{ObjectKind::kVm, "VirtualMachine"},
    KindType{ObjectKind::kDvs, "DistributedVirtualSwitch"},
    KindType{ObjectKind::kDvPortgroup, "DistributedVirtualPortgroup"},
    KindType{ObjectKind::kEventCollector, "EventHistoryCollector"},
    KindType{ObjectKind::kDvs, "VmwareDistributedVirtualSwitch"},
};
// The kinds the container view holds, in request order.
constexpr std::array kViewKinds{ObjectKind::kCluster, ObjectKind::kHost, ObjectKind::kVm,
                                ObjectKind::kDvs, ObjectKind::kDvPortgroup};

constexpr std::array<std::string_view, static_cast<std::size_t>(Path::kUnknown) + 1> kPathNames{
    "name",
    "parent",
    "runtime.connectionState",
    "runtime.inMaintenanceMode",
    "summary.hardware.vendor",
    "summary.hardware.model",
    "summary.hardware.cpuModel",
    "summary.hardware.numCpuCores",
    "config.product.version",
    "config.product.build",
    "config.network.pnic",
    "config.network.vswitch",
    "config.network.portgroup",
    "config.network.proxySwitch",
    "config.network.vnic",
    "config.virtualNicManagerInfo.netConfig",
    "configManager.networkSystem",
    "config.template",
    "runtime.powerState",
    "runtime.host",
    "config.hardware.device",
    "key",
    "config.distributedVirtualSwitch",
    "config.defaultPortConfig",
    "uuid",
    "config.uplinkPortgroup",
    "latestPage",
    "",
};

constexpr Path kClusterPaths[] = {Path::kName};
constexpr Path kHostPaths[] = {
    Path::kName,           Path::kParent,        Path::kConnectionState, Path::kInMaintenanceMode,
    Path::kHardwareVendor, Path::kHardwareModel, Path::kCpuModel,        Path::kNumCpuCores,
    Path::kProductVersion, Path::kProductBuild,  Path::kPnics,           Path::kVSwitches,
    Path::kPortgroups,     Path::kProxySwitches, Path::kVmkNics,         Path::kNicServices,
    Path::kNetworkSystem};
constexpr Path kVmPaths[] = {Path::kName, Path::kTemplate, Path::kPowerState, Path::kRuntimeHost,
                             Path::kDevices};
constexpr Path kDvsPaths[] = {Path::kName, Path::kUuid, Path::kUplinkPortgroups};
constexpr Path kDvPortgroupPaths[] = {Path::kName, Path::kKey, Path::kPortgroupDvs,
                                      Path::kDefaultPortConfig};
constexpr Path kEventCollectorPaths[] = {Path::kLatestPage};

constexpr std::string_view kEthernetCardTypes[] = {
    "VirtualEthernetCard", "VirtualE1000",        "VirtualE1000e",
    "VirtualPCNet32",      "VirtualVmxnet",       "VirtualVmxnet2",
    "VirtualVmxnet3",      "VirtualVmxnet3Vrdma", "VirtualSriovEthernetCard"};

struct EventType {
  std::string_view type;
  MigrationPhase phase;
};
constexpr EventType kMigrationEvents[] = {
    {"VmBeingHotMigratedEvent", MigrationPhase::kStarted},
    {"VmBeingMigratedEvent", MigrationPhase::kStarted},
    {"VmBeingRelocatedEvent", MigrationPhase::kStarted},
    {"VmMigratedEvent", MigrationPhase::kCompleted},
    {"DrsVmMigratedEvent", MigrationPhase::kCompleted},
    {"VmRelocatedEvent", MigrationPhase::kCompleted},
    {"VmFailedMigrateEvent", MigrationPhase::kFailed},
    {"VmRelocateFailedEvent", MigrationPhase::kFailed},
};
constexpr auto kMigrationEventTypes = [] {
  std::array<std::string_view, std::size(kMigrationEvents)> types{};
  for (std::size_t i = 0; i < types.size(); ++i) types[i] = kMigrationEvents[i].type;
  return types;
}();

FaultKind fault_kind(std::string_view type) {
  constexpr std::pair<std::string_view, FaultKind> kKinds[] = {
      {"NotAuthenticated", FaultKind::kNotAuthenticated},
      {"InvalidLogin", FaultKind::kInvalidLogin},
      {"InvalidCollectorVersion", FaultKind::kInvalidCollectorVersion},
      {"RequestCanceled", FaultKind::kRequestCanceled},
      {"ManagedObjectNotFound", FaultKind::kManagedObjectNotFound},
      {"InvalidProperty", FaultKind::kInvalidProperty},
  };
  for (const auto& [name, kind] : kKinds) {
    if (name == type) return kind;
  }
  return FaultKind::kOther;
}

// ---- reading XML (pugixml is not namespace-aware: match local names) ---------------------------

constexpr std::string_view kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

std::string_view local_name(std::string_view qname) {
  const auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// Whether `prefix` is bound to the XML Schema instance namespace where `node` is. The prefixes
// vCenter ("xsi") and vcsim ("XMLSchema-instance") use are taken as bound without a look-up.
bool is_xsi_prefix(pugi::xml_node node, std::string_view prefix) {
  if (prefix == "xsi" || prefix == "XMLSchema-instance") return true;
  for (; node; node = node.parent()) {
    for (const pugi::xml_attribute a : node.attributes()) {
      const std::string_view name = a.name();
      if (name.size() == prefix.size() + 6 && name.starts_with("xmlns:") &&
          name.substr(6) == prefix) {
        return a.value() == kXsiNamespace;
      }
    }
  }
  return false;
}

// The local part of `node`'s xsi:type ("VirtualE1000"), or "". Any prefixed attribute named
// `type` whose prefix is bound to the XSI namespace is xsi:type; the unprefixed `type` is the
// type of a managed object reference.
std::string_view xsi_type(pugi::xml_node node) {
  for (const pugi::xml_attribute a : node.attributes()) {
    const std::string_view name = a.name();
    const auto colon = name.find(':');
    if (colon == std::string_view::npos || name.substr(colon + 1) != "type") continue;
    if (is_xsi_prefix(node, name.substr(0, colon))) return local_name(a.value());
  }
  return {};
}

std::string_view name_of(pugi::xml_node node) { return local_name(node.name()); }
std::string_view text(pugi::xml_node node) { return node.child_value(); }

pugi::xml_node child(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && name_of(c) == name) return c;
  }
  return {};
}

pugi::xml_node first_element(pugi::xml_node node) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) return c;
  }
  return {};
}

// Calls `f(child)` for each element child of `node` named `name` ("" = every element child).
template <class F>
void each_child(pugi::xml_node node, std::string_view name, F&& f) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && (name.empty() || name_of(c) == name)) f(c);
  }
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  return "\"" + std::string(s.substr(0, kMax)) + (s.size() > kMax ? "...\"" : "\"");
}

// Decodes the values of one response, naming the call (and the object and property being
// decoded) in every ResponseError.
class Reader {
 public:
  explicit Reader(std::string_view call) : call_(call) {}

  // Names the object and property being decoded in errors; both view the document.
  void at(std::string_view object, std::string_view path) {
    object_ = object;
    path_ = path;
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::string where;
    if (!object_.empty()) where = std::string(object_) + " ";
    if (!path_.empty()) where += std::string(path_) + ": ";
    throw ResponseError("vCenter " + std::string(call_) + " response: " + where + what);
  }

  pugi::xml_node required(pugi::xml_node node, std::string_view name) const {
    const pugi::xml_node c = child(node, name);
    if (!c) fail(std::string(name_of(node)) + " has no " + std::string(name));
    return c;
  }

  std::int64_t integer(pugi::xml_node node) const {
    const std::string_view s = trimmed(node);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      fail(std::string(name_of(node)) + ": expected an integer, got " + quoted(s));
    }
    return v;
  }

  int integer_in(pugi::xml_node node, int min, int max) const {
    const std::int64_t v = integer(node);
    if (v < min || v > max) {
      fail(std::string(name_of(node)) + ": " + std::to_string(v) + " is outside " +
           std::to_string(min) + "-" + std::to_string(max));
    }
    return static_cast<int>(v);
  }

  bool boolean(pugi::xml_node node) const {
    const std::string_view s = trimmed(node);
    if (s == "true" || s == "1") return true;
    if (s == "false" || s == "0") return false;
    fail(std::string(name_of(node)) + ": expected a boolean, got " + quoted(s));
  }

  ObjectRef ref(pugi::xml_node node) const {
    ObjectRef r{node.attribute("type").value(), std::string(text(node))};
    if (r.type.empty() || r.value.empty()) {
      fail(std::string(name_of(node)) + ": incomplete managed object reference");
    }
    return r;
  }

  std::optional<ObjectRef> optional_ref(pugi::xml_node node, std::string_view name) const {
    const pugi::xml_node c = child(node, name);
    if (!c) return std::nullopt;
    return ref(c);
  }

  // The type of the fault inside a LocalizedMethodFault.
  std::string localized_fault(pugi::xml_node node) const {
    return std::string(xsi_type(child(required(node, "fault"), "fault")));
  }

  Value decode(Path path, pugi::xml_node val) const;
  UpdateSet update_set(pugi::xml_node node);
  ObjectUpdate object_update(pugi::xml_node node);
  // A changeSet (`with_op`) or an ObjectContent's propSet (always an assign) of an object of
  // `kind` named `object`.
  PropertyChange property_change(ObjectKind kind, std::string_view object, pugi::xml_node node,
                                 bool with_op);
  MissingProperty missing_property(pugi::xml_node node) const;

 private:
  static std::string_view trimmed(pugi::xml_node node) {
    std::string_view s = text(node);
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
  }

  template <class T>
  std::vector<T> array(pugi::xml_node val, T (Reader::*element)(pugi::xml_node) const) const {
    std::vector<T> out;
    each_child(val, "", [&](pugi::xml_node c) { out.push_back((this->*element)(c)); });
    return out;
  }

  PhysicalNicInfo pnic(pugi::xml_node node) const;
  VirtualSwitchInfo vswitch(pugi::xml_node node) const;
  HostPortgroupInfo portgroup(pugi::xml_node node) const;
  ProxySwitchInfo proxy_switch(pugi::xml_node node) const;
  VmkernelNicInfo vmknic(pugi::xml_node node) const;
  NicServiceInfo nic_service(pugi::xml_node node) const;
  DvPortRef dv_port(pugi::xml_node node) const;
  PortgroupVlan dv_vlan(pugi::xml_node setting) const;
  std::vector<EthernetCardInfo> ethernet_cards(pugi::xml_node val) const;
  std::vector<MigrationEvent> migration_events(pugi::xml_node val) const;
  HostConnection connection(pugi::xml_node node) const;
  PowerState power(pugi::xml_node node) const;

  std::string_view call_;
  std::string_view object_;
  std::string_view path_;
};

PhysicalNicInfo Reader::pnic(pugi::xml_node node) const {
  PhysicalNicInfo p;
  p.key = text(child(node, "key"));
  p.device = text(required(node, "device"));
  p.mac = text(child(node, "mac"));
  if (const pugi::xml_node speed = child(node, "linkSpeed")) {
    p.speed_mb = integer_in(required(speed, "speedMb"), 0, 1'000'000'000);
  }
  return p;
}

VirtualSwitchInfo Reader::vswitch(pugi::xml_node node) const {
  VirtualSwitchInfo v;
  v.name = text(required(node, "name"));
  each_child(node, "pnic", [&](pugi::xml_node c) { v.pnic_keys.emplace_back(text(c)); });
  return v;
}

HostPortgroupInfo Reader::portgroup(pugi::xml_node node) const {
  const pugi::xml_node spec = required(node, "spec");
  HostPortgroupInfo p;
  p.name = text(required(spec, "name"));
  p.vswitch_name = text(child(spec, "vswitchName"));
  const int id = integer_in(required(spec, "vlanId"), 0, 4095);
  if (id == 4095) {
    p.vlan = {VlanMode::kTrunk, VlanSet::all()};
  } else if (id != 0) {
    p.vlan = {VlanMode::kVlan, VlanSet::of({id})};
  }
  return p;
}

ProxySwitchInfo Reader::proxy_switch(pugi::xml_node node) const {
  ProxySwitchInfo p;
  p.dvs_uuid = text(required(node, "dvsUuid"));
  p.dvs_name = text(child(node, "dvsName"));
  each_child(node, "pnic", [&](pugi::xml_node c) { p.pnic_keys.emplace_back(text(c)); });
  return p;
}

DvPortRef Reader::dv_port(pugi::xml_node node) const {
  return {std::string(text(child(node, "portgroupKey")))};
}

VmkernelNicInfo Reader::vmknic(pugi::xml_node node) const {
  VmkernelNicInfo v;
  v.device = text(required(node, "device"));
  v.portgroup = text(child(node, "portgroup"));
  if (const pugi::xml_node spec = child(node, "spec")) {
    v.mac = text(child(spec, "mac"));
    if (const pugi::xml_node port = child(spec, "distributedVirtualPort"))
      v.dv_port = dv_port(port);
  }
  return v;
}

// selectedVnic lists candidateVnic keys ("management.key-vim.host.VirtualNic-vmk0"): resolve
// them to devices.
NicServiceInfo Reader::nic_service(pugi::xml_node node) const {
  NicServiceInfo s;
  s.nic_type = text(required(node, "nicType"));
  each_child(node, "selectedVnic", [&](pugi::xml_node selected) {
    each_child(node, "candidateVnic", [&](pugi::xml_node candidate) {
      if (text(child(candidate, "key")) == text(selected)) {
        s.devices.emplace_back(text(child(candidate, "device")));
      }
    });
  });
  return s;
}

PortgroupVlan Reader::dv_vlan(pugi::xml_node setting) const {
  const pugi::xml_node vlan = child(setting, "vlan");
  if (!vlan) return {};
  const std::string_view type = xsi_type(vlan);
  if (type == "VmwareDistributedVirtualSwitchVlanIdSpec") {
    const int id = integer_in(required(vlan, "vlanId"), 0, VlanId::kMax);
    if (id == 0) return {};
    return {VlanMode::kVlan, VlanSet::of({id})};
  }
  if (type == "VmwareDistributedVirtualSwitchTrunkVlanSpec") {
    PortgroupVlan trunk{VlanMode::kTrunk, {}};
    each_child(vlan, "vlanId", [&](pugi::xml_node range) {
      const int start = integer_in(required(range, "start"), 0, VlanId::kMax);
      const int end = integer_in(required(range, "end"), start, VlanId::kMax);
      if (end >= VlanId::kMin) {
        trunk.vlans.insert_range(VlanId::checked(std::max(start, VlanId::kMin)),
                                 VlanId::checked(end));
      }
    });
    return trunk;
  }
  if (type == "VmwareDistributedVirtualSwitchPvlanSpec") {
    return {VlanMode::kPrivate,
            VlanSet::of({integer_in(required(vlan, "pvlanId"), VlanId::kMin, VlanId::kMax)})};
  }
  fail("unknown VLAN specification type " + quoted(type));
}

std::vector<EthernetCardInfo> Reader::ethernet_cards(pugi::xml_node val) const {
  std::vector<EthernetCardInfo> cards;
  each_child(val, "", [&](pugi::xml_node device) {
    const std::string_view type = xsi_type(device);
    if (std::find(std::begin(kEthernetCardTypes), std::end(kEthernetCardTypes), type) ==
        std::end(kEthernetCardTypes)) {
      return;
    }
    EthernetCardInfo& card = cards.emplace_back();
    card.key = integer_in(required(device, "key"), std::numeric_limits<int>::min(),
                          std::numeric_limits<int>::max());
    card.label = text(child(child(device, "deviceInfo"), "label"));
    card.mac = text(child(device, "macAddress"));
    if (const pugi::xml_node connectable = child(device, "connectable")) {
      card.connected = boolean(required(connectable, "connected"));
    }
    const pugi::xml_node backing = child(device, "backing");
    const std::string_view backing_type = xsi_type(backing);
    if (backing_type == "VirtualEthernetCardNetworkBackingInfo") {
      card.backing = NicBacking::kStandard;
      card.network = text(child(backing, "deviceName"));
    } else if (backing_type == "VirtualEthernetCardDistributedVirtualPortBackingInfo") {
      card.backing = NicBacking::kDistributed;
      card.dv_port = dv_port(required(backing, "port"));
    } else if (backing_type == "VirtualEthernetCardOpaqueNetworkBackingInfo") {
      card.backing = NicBacking::kOpaque;
      card.network = text(child(backing, "opaqueNetworkId"));
    }
  });
  return cards;
}

std::vector<MigrationEvent> Reader::migration_events(pugi::xml_node val) const {
  std::vector<MigrationEvent> events;
  each_child(val, "", [&](pugi::xml_node event) {
    const std::string_view type = xsi_type(event);
    const auto* known = std::find_if(std::begin(kMigrationEvents), std::end(kMigrationEvents),
                                     [type](const EventType& e) { return e.type == type; });
    const pugi::xml_node vm = child(child(event, "vm"), "vm");
    if (known == std::end(kMigrationEvents) || !vm) return;
    MigrationEvent& e = events.emplace_back();
    e.phase = known->phase;
    e.type = type;
    e.key = integer(required(event, "key"));
    e.created_time = text(child(event, "createdTime"));
    e.vm = ref(vm);
    e.host = optional_ref(child(event, "host"), "host");
    e.source_host = optional_ref(child(event, "sourceHost"), "host");
    e.dest_host = optional_ref(child(event, "destHost"), "host");
  });
  return events;
}

HostConnection Reader::connection(pugi::xml_node node) const {
  const std::string_view s = text(node);
  if (s == "connected") return HostConnection::kConnected;
  if (s == "disconnected") return HostConnection::kDisconnected;
  if (s == "notResponding") return HostConnection::kNotResponding;
  fail("unknown connection state " + quoted(s));
}

PowerState Reader::power(pugi::xml_node node) const {
  const std::string_view s = text(node);
  if (s == "poweredOn") return PowerState::kPoweredOn;
  if (s == "poweredOff") return PowerState::kPoweredOff;
  if (s == "suspended") return PowerState::kSuspended;
  fail("unknown power state " + quoted(s));
}

Value Reader::decode(Path path, pugi::xml_node val) const {
  switch (path) {
    case Path::kName:
    case Path::kHardwareVendor:
    case Path::kHardwareModel:
    case Path::kCpuModel:
    case Path::kProductVersion:
    case Path::kProductBuild:
    case Path::kKey:
    case Path::kUuid:
      return std::string(text(val));
    case Path::kInMaintenanceMode:
    case Path::kTemplate:
      return boolean(val);
    case Path::kNumCpuCores:
      return integer(val);
    case Path::kParent:
    case Path::kNetworkSystem:
    case Path::kRuntimeHost:
    case Path::kPortgroupDvs:
      return ref(val);
    case Path::kUplinkPortgroups:
      return array(val, &Reader::ref);
    case Path::kConnectionState:
      return connection(val);
    case Path::kPowerState:
      return power(val);
    case Path::kPnics:
      return array(val, &Reader::pnic);
    case Path::kVSwitches:
      return array(val, &Reader::vswitch);
    case Path::kPortgroups:
      return array(val, &Reader::portgroup);
    case Path::kProxySwitches:
      return array(val, &Reader::proxy_switch);
    case Path::kVmkNics:
      return array(val, &Reader::vmknic);
    case Path::kNicServices:
      return array(val, &Reader::nic_service);
    case Path::kDevices:
      return ethernet_cards(val);
    case Path::kDefaultPortConfig:
      return dv_vlan(val);
    case Path::kLatestPage:
      return migration_events(val);
    case Path::kUnknown:
      break;
  }
  return {};
}

// Which requested path `name` is, lies under, or encloses, for an object of `kind`.
std::pair<Path, bool> resolve(ObjectKind kind, std::string_view name) {
  for (const Path path : paths_of(kind)) {
    const std::string_view p = path_name(path);
    if (name == p) return {path, false};
    const auto& [longer, shorter] =
        name.size() > p.size() ? std::pair{name, p} : std::pair{p, name};
    if (longer.starts_with(shorter) &&
        (longer[shorter.size()] == '.' || longer[shorter.size()] == '[')) {
      return {path, true};
    }
  }
  return {Path::kUnknown, false};
}

PropertyChange Reader::property_change(ObjectKind kind, std::string_view object,
                                       pugi::xml_node node, bool with_op) {
  PropertyChange c;
  const std::string_view name = text(required(node, "name"));
  at(object, name);
  c.name = name;
  std::tie(c.path, c.nested) = resolve(kind, name);
  if (with_op) {
    const std::string_view op = text(required(node, "op"));
    if (op == "assign") {
      c.op = ChangeOp::kAssign;
    } else if (op == "add") {
      c.op = ChangeOp::kAdd;
    } else if (op == "remove") {
      c.op = ChangeOp::kRemove;
    } else if (op == "indirectRemove") {
      c.op = ChangeOp::kIndirectRemove;
    } else {
      fail("unknown change operation " + quoted(op));
    }
  }
  const pugi::xml_node val = child(node, "val");
  if (val && c.op == ChangeOp::kAssign && !c.nested) c.value = decode(c.path, val);
  at(object, {});
  return c;
}

MissingProperty Reader::missing_property(pugi::xml_node node) const {
  return {std::string(text(required(node, "path"))), localized_fault(node)};
}

ObjectUpdate Reader::object_update(pugi::xml_node node) {
  at({}, {});
  const pugi::xml_node obj = required(node, "obj");
  ObjectUpdate u;
  u.obj = ref(obj);
  at(text(obj), {});
  const std::string_view kind = text(required(node, "kind"));
  if (kind == "enter") {
    u.kind = UpdateKind::kEnter;
  } else if (kind == "modify") {
    u.kind = UpdateKind::kModify;
  } else if (kind == "leave") {
    u.kind = UpdateKind::kLeave;
  } else {
    fail("unknown update kind " + quoted(kind));
  }
  const ObjectKind object = object_kind(u.obj.type);
  each_child(node, "changeSet", [&](pugi::xml_node change) {
    u.changes.push_back(property_change(object, text(obj), change, true));
  });
  each_child(node, "missingSet",
             [&](pugi::xml_node missing) { u.missing.push_back(missing_property(missing)); });
  at({}, {});
  return u;
}

UpdateSet Reader::update_set(pugi::xml_node node) {
  UpdateSet set;
  set.version = text(required(node, "version"));
  if (const pugi::xml_node truncated = child(node, "truncated")) set.truncated = boolean(truncated);
  each_child(node, "filterSet", [&](pugi::xml_node filter) {
    FilterUpdate& f = set.filters.emplace_back();
    f.filter = ref(required(filter, "filter"));
    each_child(filter, "objectSet",
               [&](pugi::xml_node object) { f.objects.push_back(object_update(object)); });
    each_child(filter, "missingSet", [&](pugi::xml_node missing) {
      f.missing.push_back({ref(required(missing, "obj")), localized_fault(missing)});
    });
  });
  return set;
}

// A parsed response: the envelope is checked and a fault thrown, leaving the <CallResponse>.
class Response {
 public:
  Response(std::string_view call, std::string& body) : reader(call) {
    constexpr unsigned kFlags = pugi::parse_escapes | pugi::parse_cdata;
    if (body.empty()) reader.fail("empty body");
    const pugi::xml_parse_result parsed =
        doc_.load_buffer_inplace(body.data(), body.size(), kFlags, pugi::encoding_utf8);
    if (!parsed) {
      reader.fail(std::string("malformed XML at byte ") + std::to_string(parsed.offset) + ": " +
                  parsed.description());
    }
    const pugi::xml_node envelope = doc_.document_element();
    if (name_of(envelope) != "Envelope") {
      reader.fail("not a SOAP envelope (root element " + quoted(envelope.name()) + ")");
    }
    const pugi::xml_node content = first_element(reader.required(envelope, "Body"));
    if (name_of(content) == "Fault") throw_fault(call, content);
    const std::string expected = std::string(call) + "Response";
    if (name_of(content) != expected) {
      reader.fail("expected " + expected + ", got " +
                  (content ? quoted(content.name()) : std::string("an empty Body")));
    }
    result = content;
  }

  pugi::xml_node returnval() const { return child(result, "returnval"); }
  pugi::xml_node required_returnval() const { return reader.required(result, "returnval"); }

  Reader reader;
  pugi::xml_node result;

 private:
  [[noreturn]] static void throw_fault(std::string_view call, pugi::xml_node fault) {
    std::string type;
    std::optional<ObjectRef> object;
    if (const pugi::xml_node detail = first_element(child(fault, "detail"))) {
      type = xsi_type(detail);
      if (type.empty()) {
        type = name_of(detail);
        if (type.ends_with("Fault")) type.resize(type.size() - 5);
      }
      if (const pugi::xml_node obj = child(detail, "obj")) {
        object = ObjectRef{obj.attribute("type").value(), std::string(text(obj))};
      }
    } else {
      type = local_name(text(child(fault, "faultcode")));
    }
    throw SoapFault(call, std::move(type), std::string(text(child(fault, "faultstring"))),
                    std::move(object));
  }

  pugi::xml_document doc_;
};

// ---- writing requests --------------------------------------------------------------------------

void append_escaped(std::string& out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
}

// One request envelope: the method element in urn:vim25 with `_this` first; children appended
// in the WSDL's order by the caller.
class Request {
 public:
  Request(std::string_view method, const ObjectRef& self) : method_(method) {
    out_ = R"(<?xml version="1.0" encoding="UTF-8"?>)"
           R"(<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" )"
           R"(xmlns:xsd="http://www.w3.org/2001/XMLSchema" )"
           R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>)";
    out_ += '<';
    out_ += method;
    out_ += R"( xmlns="urn:vim25">)";
    ref("_this", self);
  }

  Request& text(std::string_view element, std::string_view value) {
    open(element);
    append_escaped(out_, value);
    return close(element);
  }
  Request& ref(std::string_view element, const ObjectRef& r) {
    out_ += '<';
    out_ += element;
    out_ += R"( type=")";
    append_escaped(out_, r.type);
    out_ += R"(">)";
    append_escaped(out_, r.value);
    return close(element);
  }
  Request& open(std::string_view element, std::string_view xsi_type = {}) {
    out_ += '<';
    out_ += element;
    if (!xsi_type.empty()) {
      out_ += R"( xsi:type=")";
      out_ += xsi_type;
      out_ += '"';
    }
    out_ += '>';
    return *this;
  }
  Request& close(std::string_view element) {
    out_ += "</";
    out_ += element;
    out_ += '>';
    return *this;
  }
  // A PropertySpec: every path of `kind` on objects of `type`.
  Request& prop_set(std::string_view type, ObjectKind kind) {
    open("propSet").text("type", type).text("all", "false");
    for (const Path path : paths_of(kind)) text("pathSet", path_name(path));
    return close("propSet");
  }

  std::string finish() {
    close(method_);
    out_ += "</soapenv:Body></soapenv:Envelope>";
    return std::move(out_);
  }

 private:
  std::string_view method_;
  std::string out_;
};

// RetrievePropertiesEx of every path of `object`'s kind.
std::string retrieve_properties(const ObjectRef& collector, const ObjectRef& object) {
  Request r("RetrievePropertiesEx", collector);
  r.open("specSet").prop_set(object.type, object_kind(object.type));
  r.open("objectSet").ref("obj", object).close("objectSet");
  r.close("specSet").open("options").close("options");
  return r.finish();
}

// The ObjectContent of `object` in a RetrievePropertiesEx response, if returned.
pugi::xml_node find_object(const Response& response, const ObjectRef& object) {
  pugi::xml_node found;
  each_child(response.returnval(), "objects", [&](pugi::xml_node o) {
    if (text(child(o, "obj")) == object.value) found = o;
  });
  return found;
}

}  // namespace

SoapFault::SoapFault(std::string_view call, std::string type, std::string fault_string,
                     std::optional<ObjectRef> object)
    : VimError("vCenter " + std::string(call) + " fault " + type +
               (fault_string.empty() ? "" : ": " + fault_string)),
      kind_(fault_kind(type)),
      type_(std::move(type)),
      fault_string_(std::move(fault_string)),
      object_(std::move(object)) {}

std::string_view type_name(ObjectKind kind) {
  return std::find_if(kKindTypes.begin(), kKindTypes.end(),
                      [kind](const KindType& k) { return k.kind == kind; })
      ->type;
}

ObjectKind object_kind(std::string_view type) {
  for (const KindType& k : kKindTypes) {
    if (k.type == type) return k.kind;
  }
  return ObjectKind::kOther;
}

std::string_view path_name(Path path) { return kPathNames[static_cast<std::size_t>(path)]; }

std::span<const Path> paths_of(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kCluster:
      return kClusterPaths;
    case ObjectKind::kHost:
      return kHostPaths;
    case ObjectKind::kVm:
      return kVmPaths;
    case ObjectKind::kDvs:
      return kDvsPaths;
    case ObjectKind::kDvPortgroup:
      return kDvPortgroupPaths;
    case ObjectKind::kEventCollector:
      return kEventCollectorPaths;
    case ObjectKind::kOther:
      break;
  }
  return {};
}

std::span<const std::string_view> migration_event_types() { return kMigrationEventTypes; }

// ---- requests ----------------------------------------------------------------------------------

std::string build_retrieve_service_content() {
  return Request("RetrieveServiceContent", {"ServiceInstance", "ServiceInstance"}).finish();
}

std::string build_login(const ObjectRef& session_manager, std::string_view user,
                        const Secret& password) {
  return Request("Login", session_manager)
      .text("userName", user)
      .text("password", password.reveal())
      .finish();
}

std::string build_logout(const ObjectRef& session_manager) {
  return Request("Logout", session_manager).finish();
}

std::string build_create_container_view(const ObjectRef& view_manager,
                                        const ObjectRef& root_folder) {
  Request r("CreateContainerView", view_manager);
  r.ref("container", root_folder);
  for (const ObjectKind kind : kViewKinds) r.text("type", type_name(kind));
  return r.text("recursive", "true").finish();
}

std::string build_create_property_collector(const ObjectRef& property_collector) {
  return Request("CreatePropertyCollector", property_collector).finish();
}

std::string build_create_filter(const ObjectRef& collector, const ObjectRef& view,
                                const std::optional<ObjectRef>& event_collector) {
  Request r("CreateFilter", collector);
  r.open("spec");
  // The event collector's propSet comes first: govmomi's simulator looks an object up in its
  // global registry when a propSet of another type comes before its own, and a session-scoped
  // collector is not there (it panics). Real vCenter does not care about the order.
  if (event_collector) {
    r.prop_set(type_name(ObjectKind::kEventCollector), ObjectKind::kEventCollector);
  }
  for (const ObjectKind kind : kViewKinds) r.prop_set(type_name(kind), kind);
  r.open("objectSet").ref("obj", view).text("skip", "true");
  r.open("selectSet", "TraversalSpec")
      .text("name", "traverseView")
      .text("type", "ContainerView")
      .text("path", "view")
      .text("skip", "false")
      .close("selectSet");
  r.close("objectSet");
  if (event_collector) {
    r.open("objectSet").ref("obj", *event_collector).text("skip", "false").close("objectSet");
  }
  r.close("spec").text("partialUpdates", "false");
  return r.finish();
}

std::string build_wait_for_updates(const ObjectRef& collector, std::string_view version,
                                   const WaitOptions& options) {
  return Request("WaitForUpdatesEx", collector)
      .text("version", version)
      .open("options")
      .text("maxWaitSeconds", std::to_string(options.max_wait_seconds))
      .text("maxObjectUpdates", std::to_string(options.max_object_updates))
      .close("options")
      .finish();
}

std::string build_cancel_wait_for_updates(const ObjectRef& collector) {
  return Request("CancelWaitForUpdates", collector).finish();
}

std::string build_destroy_property_collector(const ObjectRef& collector) {
  return Request("DestroyPropertyCollector", collector).finish();
}

std::string build_destroy_collector(const ObjectRef& history_collector) {
  return Request("DestroyCollector", history_collector).finish();
}

std::string build_refresh(const ObjectRef& collector, const ObjectRef& object) {
  return retrieve_properties(collector, object);
}

std::string build_create_collector_for_events(const ObjectRef& event_manager) {
  Request r("CreateCollectorForEvents", event_manager);
  r.open("filter").text("disableFullMessage", "true");
  for (const std::string_view type : migration_event_types()) r.text("eventTypeId", type);
  r.close("filter");
  return r.finish();
}

std::string build_set_collector_page_size(const ObjectRef& event_collector, int max_count) {
  return Request("SetCollectorPageSize", event_collector)
      .text("maxCount", std::to_string(max_count))
      .finish();
}

std::string build_query_network_hint(const ObjectRef& network_system) {
  return Request("QueryNetworkHint", network_system).finish();
}

std::string build_keep_alive(const ObjectRef& property_collector,
                             const ObjectRef& session_manager) {
  Request r("RetrievePropertiesEx", property_collector);
  r.open("specSet").open("propSet").text("type", session_manager.type).text("all", "false");
  r.text("pathSet", "currentSession").close("propSet");
  r.open("objectSet").ref("obj", session_manager).close("objectSet");
  r.close("specSet").open("options").close("options");
  return r.finish();
}

// ---- responses ---------------------------------------------------------------------------------

ServiceContent parse_service_content(std::string body) {
  const Response response("RetrieveServiceContent", body);
  const Reader& r = response.reader;
  const pugi::xml_node content = response.required_returnval();
  const pugi::xml_node about = r.required(content, "about");
  ServiceContent sc;
  sc.root_folder = r.ref(r.required(content, "rootFolder"));
  sc.property_collector = r.ref(r.required(content, "propertyCollector"));
  sc.view_manager = r.ref(r.required(content, "viewManager"));
  sc.session_manager = r.ref(r.required(content, "sessionManager"));
  sc.event_manager = r.ref(r.required(content, "eventManager"));
  sc.api_version = text(r.required(about, "apiVersion"));
  sc.instance_uuid = text(child(about, "instanceUuid"));
  sc.full_name = text(child(about, "fullName"));
  return sc;
}

UserSession parse_login(std::string body) {
  const Response response("Login", body);
  const pugi::xml_node session = response.required_returnval();
  return {std::string(text(response.reader.required(session, "key"))),
          std::string(text(child(session, "userName")))};
}

ObjectRef parse_created(std::string_view call, std::string body) {
  const Response response(call, body);
  return response.reader.ref(response.required_returnval());
}

void parse_empty(std::string_view call, std::string body) { const Response response(call, body); }

std::optional<UpdateSet> parse_wait_for_updates(std::string body) {
  Response response("WaitForUpdatesEx", body);
  const pugi::xml_node set = response.returnval();
  if (!set) return std::nullopt;
  return response.reader.update_set(set);
}

std::optional<std::string> truncated_update_version(std::string_view body) {
  constexpr std::string_view kOpen = "<returnval>";
  constexpr std::string_view kClose = "</returnval>";
  constexpr std::string_view kVersion = "<version>";
  constexpr std::string_view kVersionEnd = "</version>";
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  const std::size_t close = body.rfind(kClose);
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view set = body.substr(0, close);
  while (!set.empty() && is_space(set.back())) set.remove_suffix(1);
  if (!set.ends_with("<truncated>true</truncated>") && !set.ends_with("<truncated>1</truncated>")) {
    return std::nullopt;
  }
  const std::size_t open = set.find(kOpen);
  if (open == std::string_view::npos) return std::nullopt;
  set.remove_prefix(open + kOpen.size());
  while (!set.empty() && is_space(set.front())) set.remove_prefix(1);
  if (!set.starts_with(kVersion)) return std::nullopt;
  set.remove_prefix(kVersion.size());
  const std::size_t end = set.find(kVersionEnd);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view version = set.substr(0, end);
  // Markup or an entity: only the parser can read it.
  if (version.find_first_of("<&") != std::string_view::npos) return std::nullopt;
  return std::string(version);
}

UpdateSet parse_refresh(const ObjectRef& object, std::string body) {
  UpdateSet set;
  ObjectUpdate& u = set.filters.emplace_back().objects.emplace_back();
  u.obj = object;
  u.kind = UpdateKind::kLeave;
  std::optional<Response> parsed;
  try {
    parsed.emplace("RetrievePropertiesEx", body);
  } catch (const SoapFault& fault) {
    if (fault.kind() != FaultKind::kManagedObjectNotFound || fault.object() != object) throw;
    return set;
  }
  const pugi::xml_node content = find_object(*parsed, object);
  if (!content) return set;
  // An ObjectContent is an ObjectUpdate whose changes are all assigns of whole paths.
  Reader& r = parsed->reader;
  u.kind = UpdateKind::kEnter;
  const ObjectKind kind = object_kind(object.type);
  each_child(content, "propSet", [&](pugi::xml_node prop) {
    u.changes.push_back(r.property_change(kind, object.value, prop, false));
  });
  each_child(content, "missingSet",
             [&](pugi::xml_node missing) { u.missing.push_back(r.missing_property(missing)); });
  return set;
}

std::vector<MigrationEvent> parse_latest_page(const ObjectRef& event_collector, std::string body) {
  UpdateSet set = parse_refresh(event_collector, std::move(body));
  ObjectUpdate& update = set.filters.front().objects.front();
  if (update.kind == UpdateKind::kLeave) {
    throw ResponseError("vCenter RetrievePropertiesEx response: no event collector " +
                        event_collector.value + " in the result");
  }
  for (PropertyChange& change : update.changes) {
    if (auto* events = std::get_if<std::vector<MigrationEvent>>(&change.value)) {
      return std::move(*events);
    }
  }
  return {};
}

bool parse_keep_alive(std::string body) {
  const Response response("RetrievePropertiesEx", body);
  bool alive = false;
  each_child(response.returnval(), "objects", [&](pugi::xml_node o) {
    each_child(o, "propSet", [&](pugi::xml_node prop) {
      alive |=
          text(child(prop, "name")) == std::string_view("currentSession") && child(prop, "val");
    });
  });
  return alive;
}

std::vector<PnicHint> parse_network_hint(std::string body) {
  const Response response("QueryNetworkHint", body);
  const Reader& r = response.reader;
  std::vector<PnicHint> hints;
  each_child(response.result, "returnval", [&](pugi::xml_node info) {
    PnicHint& h = hints.emplace_back();
    h.device = text(r.required(info, "device"));
    if (const pugi::xml_node lldp = child(info, "lldpInfo")) {
      NeighborHint& n = h.lldp.emplace();
      n.chassis_id = text(child(lldp, "chassisId"));
      n.port_id = text(child(lldp, "portId"));
      each_child(lldp, "parameter", [&](pugi::xml_node p) {
        if (text(child(p, "key")) == std::string_view("System Name")) {
          n.system_name = text(child(p, "value"));
        }
      });
    }
    if (const pugi::xml_node cdp = child(info, "connectedSwitchPort")) {
      h.cdp = NeighborHint{
          std::string(text(child(cdp, "devId"))), std::string(text(child(cdp, "portId"))), {}};
    }
  });
  return hints;
}

}  // namespace vmfabric::vcenter
