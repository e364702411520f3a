#include "model/model.h"

#include <mutex>
#include <unordered_set>

namespace vmfabric {

const std::string& intern(std::string_view text) {
  static const std::string empty;
  if (text.empty()) return empty;  // every default-constructed name: no lock
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static std::unordered_set<std::string, Hash, std::equal_to<>> values;
  static std::mutex mutex;
  const std::scoped_lock lock(mutex);
  const auto found = values.find(text);
  return found != values.end() ? *found : *values.emplace(text).first;  // elements never move
}

namespace {

std::string render(const VCenterId& id) { return id.str(); }
std::string render(const Name<SwitchTag>& id) { return id.str(); }
template <class Tag>
std::string render(const MoRef<Tag>& id) {
  return id.vcenter.str() + "/" + id.moref;
}
template <class Tag>
std::string render(const OnHost<Tag>& id) {
  return render(id.host) + "/" + id.name;
}
std::string render(const VmNicId& id) { return render(id.vm) + "/" + std::to_string(id.key); }
template <class Tag>
std::string render(const OnSwitch<Tag>& id) {
  return id.sw.str() + "/" + id.name.str();
}
std::string render(const MlagId& id) { return id.first.str() + "+" + id.second.str(); }
std::string render(const LinkId& id) { return render(id.a) + "<->" + render(id.b); }

}  // namespace

std::vector<EntityKey> owners_of(const VCenter&) { return {}; }
std::vector<EntityKey> owners_of(const Cluster& e) { return {e.id.vcenter}; }
std::vector<EntityKey> owners_of(const Host& e) { return {e.id.vcenter}; }
std::vector<EntityKey> owners_of(const Pnic& e) { return {e.id.host}; }
std::vector<EntityKey> owners_of(const VSwitch& e) { return {e.id.host}; }
std::vector<EntityKey> owners_of(const StandardPortgroup& e) { return {e.id.host}; }
std::vector<EntityKey> owners_of(const VmkNic& e) { return {e.id.host}; }
std::vector<EntityKey> owners_of(const DistributedSwitch& e) { return {e.id.vcenter}; }
std::vector<EntityKey> owners_of(const DvPortgroup& e) { return {e.dvs}; }
std::vector<EntityKey> owners_of(const Vm& e) { return {e.id.vcenter}; }
std::vector<EntityKey> owners_of(const VmNic& e) { return {e.id.vm}; }
std::vector<EntityKey> owners_of(const Switch&) { return {}; }
std::vector<EntityKey> owners_of(const Interface& e) { return {e.id.sw}; }
std::vector<EntityKey> owners_of(const PortChannel& e) { return {e.id.sw}; }
std::vector<EntityKey> owners_of(const MlagPair& e) { return {e.id.first, e.id.second}; }
std::vector<EntityKey> owners_of(const Link& e) {
  if (e.id.a.sw == e.id.b.sw) return {e.id.a.sw};
  return {e.id.a.sw, e.id.b.sw};
}

EntityKind kind_of(const EntityKey& key) {
  return std::visit([](const auto& id) { return EntityFor<std::decay_t<decltype(id)>>::kKind; },
                    key);
}

const char* to_string(VmkService service) {
  switch (service) {
    case VmkService::kManagement:
      return "management";
    case VmkService::kVmotion:
      return "vmotion";
    case VmkService::kStorage:
      return "storage";
    case VmkService::kProvisioning:
      return "provisioning";
    case VmkService::kFaultTolerance:
      return "fault-tolerance";
    case VmkService::kVsan:
      break;
  }
  return "vsan";
}

const char* to_string(EntityKind kind) {
  switch (kind) {
    case EntityKind::kVCenter:
      return "vcenter";
    case EntityKind::kCluster:
      return "cluster";
    case EntityKind::kHost:
      return "host";
    case EntityKind::kPnic:
      return "pnic";
    case EntityKind::kVSwitch:
      return "vswitch";
    case EntityKind::kStandardPortgroup:
      return "standard_portgroup";
    case EntityKind::kVmkNic:
      return "vmknic";
    case EntityKind::kDistributedSwitch:
      return "distributed_switch";
    case EntityKind::kDvPortgroup:
      return "dv_portgroup";
    case EntityKind::kVm:
      return "vm";
    case EntityKind::kVmNic:
      return "vm_nic";
    case EntityKind::kSwitch:
      return "switch";
    case EntityKind::kInterface:
      return "interface";
    case EntityKind::kPortChannel:
      return "port_channel";
    case EntityKind::kMlagPair:
      return "mlag_pair";
    case EntityKind::kLink:
      return "link";
  }
  return "unknown";
}

EntityKey key_of(const Entity& entity) {
  return std::visit([](const auto& e) { return EntityKey{e.id}; }, entity);
}

std::string to_string(const EntityKey& key) {
  return std::visit([](const auto& id) { return render(id); }, key);
}

std::vector<EntityKey> owners_of(const Entity& entity) {
  return std::visit([](const auto& e) { return owners_of(e); }, entity);
}

}  // namespace vmfabric
