#include "vcenter/inventory.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <type_traits>
#include <variant>

namespace vmfabric::vcenter {
namespace {

template <class T>
const T* get(const std::vector<std::pair<Path, Value>>& values, Path path) {
  for (const auto& [p, v] : values) {
    if (p == path) return std::get_if<T>(&v);
  }
  return nullptr;
}

template <class T>
T get_or(const std::vector<std::pair<Path, Value>>& values, Path path, T fallback) {
  const T* v = get<T>(values, path);
  return v != nullptr ? *v : fallback;
}

template <class T>
const std::vector<T>& get_list(const std::vector<std::pair<Path, Value>>& values, Path path) {
  static const std::vector<T> kEmpty;
  const auto* v = get<std::vector<T>>(values, path);
  return v != nullptr ? *v : kEmpty;
}

void set(std::vector<std::pair<Path, Value>>& values, Path path, const Value& value) {
  const auto it = std::find_if(values.begin(), values.end(),
                               [path](const auto& pv) { return pv.first == path; });
  if (std::holds_alternative<std::monostate>(value)) {
    if (it != values.end()) values.erase(it);
  } else if (it != values.end()) {
    it->second = value;
  } else {
    values.emplace_back(path, value);
  }
}

// `value` as a T; `fallback` when it is unset or of another type.
template <class T>
T value_or(const Value& value, T fallback) {
  const T* v = std::get_if<T>(&value);
  return v != nullptr ? *v : std::move(fallback);
}

std::optional<VmkService> service_of(std::string_view nic_type) {
  constexpr std::pair<std::string_view, VmkService> kServices[] = {
      {"management", VmkService::kManagement},
      {"vmotion", VmkService::kVmotion},
      {"vSphereProvisioning", VmkService::kProvisioning},
      {"faultToleranceLogging", VmkService::kFaultTolerance},
      {"vsan", VmkService::kVsan},
      {"vsanWitness", VmkService::kVsan},
      {"nvmeTcp", VmkService::kStorage},
      {"nvmeRdma", VmkService::kStorage},
  };
  for (const auto& [name, service] : kServices) {
    if (name == nic_type) return service;
  }
  return std::nullopt;
}

// The pnic devices that `keys` (PhysicalNic keys) name; keys of unknown pnics are dropped.
std::vector<std::string> uplinks(const std::vector<std::string>& keys,
                                 const std::vector<PhysicalNicInfo>& pnics) {
  std::vector<std::string> devices;
  for (const std::string& key : keys) {
    const auto it = std::find_if(pnics.begin(), pnics.end(),
                                 [&key](const PhysicalNicInfo& p) { return p.key == key; });
    if (it != pnics.end()) devices.push_back(it->device);
  }
  return devices;
}

// The key of an entity derived from the object `moref` of `vcenter`, from what tells it apart
// within the object (Inventory::Derived's kind, number and name).
template <class Derived, std::size_t I = 0>
EntityKey key_within(const VCenterId& vcenter, const std::string& moref, const Derived& d) {
  if constexpr (I == std::variant_size_v<EntityKey>) {
    throw std::logic_error("no entity kind " + std::to_string(d.kind));
  } else {
    if (d.kind != I) return key_within<Derived, I + 1>(vcenter, moref, d);
    using Id = std::variant_alternative_t<I, EntityKey>;
    if constexpr (std::is_same_v<Id, VmNicId>) {
      return Id{VmId{vcenter, moref}, d.number};
    } else if constexpr (requires(Id id) { id.host; }) {
      return Id{HostId{vcenter, moref}, d.name};
    } else if constexpr (requires(Id id) { id.moref; }) {
      return Id{vcenter, moref};
    } else {
      throw std::logic_error("not an entity of a vCenter object: " + std::to_string(d.kind));
    }
  }
}

// The inverse of key_within: what tells `entity` apart within its object.
template <class Derived>
Derived within(const Entity& entity) {
  Derived d;
  d.kind = static_cast<std::uint8_t>(entity.index());
  std::visit(
      [&d](const auto& e) {
        using Id = std::decay_t<decltype(e.id)>;
        if constexpr (std::is_same_v<Id, VmNicId>) {
          d.number = e.id.key;
        } else if constexpr (requires(Id id) { id.host; }) {
          d.name = e.id.name;
        }
      },
      entity);
  return d;
}

// The alternative of Entity (and of EntityKey) that holds a T.
template <class T, class Variant = Entity>
constexpr std::uint8_t kEntityIndex = [] {
  return []<class... U>(std::variant<U...>*) {
    std::uint8_t i = 0;
    ((!std::is_same_v<T, U> && (++i, true)) && ...);
    return i;
  }(static_cast<Variant*>(nullptr));
}();

// The packed form of a VM's properties: numbers as varints, text prefixed by its length.
class PackWriter {
 public:
  void number(std::uint64_t n) {
    do {
      auto byte = static_cast<std::uint8_t>(n & 0x7f);
      n >>= 7;
      if (n != 0) byte |= 0x80;
      out_.push_back(static_cast<char>(byte));
    } while (n != 0);
  }
  void text(std::string_view t) {
    number(t.size());
    out_.append(t);
  }
  // Kept for every VM: one block of its size, written once.
  PackedVmString take() const { return PackedVmString(out_.begin(), out_.end()); }

 private:
  std::string out_;
};

class PackReader {
 public:
  explicit PackReader(std::string_view in) : in_(in) {}
  std::uint64_t number() {
    std::uint64_t n = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t byte = take(1).front();
      n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return n;
    }
    throw std::logic_error("a packed VM's properties hold an overlong number");
  }
  std::string text() {
    const auto bytes = take(number());
    return std::string(bytes.begin(), bytes.end());
  }

 private:
  std::basic_string_view<std::uint8_t> take(std::uint64_t n) {
    if (n > in_.size()) throw std::logic_error("a packed VM's properties are truncated");
    const std::basic_string_view<std::uint8_t> out(
        reinterpret_cast<const std::uint8_t*>(in_.data()), static_cast<std::size_t>(n));
    in_.remove_prefix(static_cast<std::size_t>(n));
    return out;
  }
  std::string_view in_;
};

}  // namespace

Inventory::Inventory(VCenterId vcenter) : vcenter_(std::move(vcenter)) {}

void Inventory::VmProperties::set(Path path, const Value& value) {
  switch (path) {
    case Path::kName:
      name = value_or(value, std::string());
      break;
    case Path::kTemplate:
      is_template = value_or(value, false);
      break;
    case Path::kPowerState:
      power = value_or(value, PowerState::kPoweredOff);
      break;
    case Path::kRuntimeHost:
      host = value_or(value, ObjectRef()).value;
      break;
    case Path::kDevices:
      cards = value_or(value, std::vector<EthernetCardInfo>());
      break;
    default:  // not a VM's
      break;
  }
}

PackedVmString Inventory::VmProperties::pack() const {
  PackWriter w;
  w.text(name);
  w.text(host);
  w.number(static_cast<std::uint64_t>(power));
  w.number(is_template ? 1 : 0);
  w.number(cards.size());
  for (const EthernetCardInfo& card : cards) {
    w.number(static_cast<std::uint32_t>(card.key));
    w.number(card.connected ? 1 : 0);
    w.number(static_cast<std::uint64_t>(card.backing));
    w.text(card.label);
    w.text(card.mac);
    w.text(card.network);
    w.text(card.dv_port.portgroup_key);
  }
  return w.take();
}

Inventory::VmProperties Inventory::VmProperties::unpack(std::string_view packed) {
  PackReader r(packed);
  VmProperties vm;
  vm.name = r.text();
  vm.host = r.text();
  vm.power = static_cast<PowerState>(r.number());
  vm.is_template = r.number() != 0;
  vm.cards.resize(r.number());
  for (EthernetCardInfo& card : vm.cards) {
    card.key = static_cast<int>(static_cast<std::uint32_t>(r.number()));
    card.connected = r.number() != 0;
    card.backing = static_cast<NicBacking>(r.number());
    card.label = r.text();
    card.mac = r.text();
    card.network = r.text();
    card.dv_port.portgroup_key = r.text();
  }
  return vm;
}

std::vector<Inventory::Derived> Inventory::VmProperties::derived() const {
  std::vector<Derived> out;
  if (is_template) return out;
  out.push_back({kEntityIndex<Vm>, 0, {}});
  for (const EthernetCardInfo& card : cards) out.push_back({kEntityIndex<VmNic>, card.key, {}});
  std::sort(out.begin(), out.end());
  return out;
}

Delta Inventory::apply(const UpdateSet& updates) {
  Touched touched;
  for (const FilterUpdate& filter : updates.filters) {
    for (const ObjectUpdate& update : filter.objects) apply_update(update, touched);
    for (const MissingObject& missing : filter.missing) refreshes_.insert(missing.obj);
  }
  return derive(std::move(touched));
}

void Inventory::apply_update(const ObjectUpdate& update, Touched& touched) {
  const ObjectKind kind = object_kind(update.obj.type);
  if (kind == ObjectKind::kEventCollector) {
    for (const PropertyChange& change : update.changes) {
      if (const auto* events = std::get_if<std::vector<MigrationEvent>>(&change.value)) {
        if (update.obj == event_collector_ && cut(*events, event_page_size_)) {
          events_held_ = true;
        } else {
          record_events(*events, touched);
        }
      }
    }
    return;
  }
  if (kind == ObjectKind::kOther) return;

  const std::string& moref = update.obj.value;
  touched.objects.insert(moref);
  if (kind == ObjectKind::kVm) {
    apply_vm_update(update, touched);
    return;
  }
  if (kind == ObjectKind::kDvs) touch_switch(moref, touched);
  if (update.kind == UpdateKind::kLeave) {
    erase_object(moref);
    return;
  }

  Object& object = objects_[moref];
  if (update.kind == UpdateKind::kEnter) object.values.clear();
  object.kind = kind;
  object.seen = true;
  for_each_assignment(
      update, [&object](Path path, const Value& value) { set(object.values, path, value); });
  object.values.shrink_to_fit();  // kept for every object: no growth slack
  if (kind == ObjectKind::kDvs) {
    std::erase_if(dvs_by_uuid_, [&moref](const auto& entry) { return entry.second == moref; });
    if (const std::string* uuid = dvs_uuid(object)) dvs_by_uuid_[*uuid] = moref;
    touch_switch(moref, touched);
  }
}

template <class Assign>
void Inventory::for_each_assignment(const ObjectUpdate& update, const Assign& assign) {
  for (const PropertyChange& change : update.changes) {
    if (change.path == Path::kUnknown) continue;
    if (change.nested || change.op == ChangeOp::kAdd) {
      refreshes_.insert(update.obj);
    } else {
      assign(change.path, change.op == ChangeOp::kAssign ? change.value : Value());
    }
  }
}

void Inventory::apply_vm_update(const ObjectUpdate& update, Touched& touched) {
  const std::string& moref = update.obj.value;
  remember_vm(moref, touched);
  if (update.kind == UpdateKind::kLeave) {
    erase_object(moref);
    return;
  }
  PackedVm& packed = vms_[moref];
  VmProperties vm;
  if (update.kind != UpdateKind::kEnter && !packed.properties.empty()) {
    vm = VmProperties::unpack(packed.properties);
  }
  for_each_assignment(update, [&vm](Path path, const Value& value) { vm.set(path, value); });
  packed.properties = vm.pack();
  packed.seen = true;
}

void Inventory::remember_vm(const std::string& moref, Touched& touched) const {
  if (touched.vms_before.contains(moref)) return;
  const auto vm = vms_.find(moref);
  touched.vms_before.emplace(moref, vm == vms_.end()
                                        ? std::vector<Derived>()
                                        : VmProperties::unpack(vm->second.properties).derived());
}

void Inventory::touch_switch(const std::string& moref, Touched& touched) const {
  touched.switches.insert(moref);
  if (const auto it = objects_.find(moref); it != objects_.end()) {
    if (const std::string* uuid = dvs_uuid(it->second)) touched.switch_uuids.insert(*uuid);
  }
}

void Inventory::erase_object(const std::string& moref) {
  std::erase_if(dvs_by_uuid_, [&moref](const auto& entry) { return entry.second == moref; });
  if (auto node = objects_.extract(moref)) {
    std::vector<Derived>& derived = node.mapped().derived;
    if (!derived.empty()) erased_.try_emplace(moref, std::move(derived));
  }
  vms_.erase(moref);  // what it derived: Touched::vms_before
  hints_.erase(moref);
  migrations_.erase(moref);
}

void Inventory::begin_resync() {
  for (auto& [moref, object] : objects_) object.seen = false;
  for (auto& [moref, vm] : vms_) vm.seen = false;
  last_event_key_ = -1;
  events_held_ = false;
  events_lost_ = false;
  refreshes_.clear();
}

Delta Inventory::finish_resync() {
  Touched touched;
  for (const auto& [moref, object] : objects_) {
    if (object.seen) continue;
    touched.objects.insert(moref);
    if (object.kind == ObjectKind::kDvs) touch_switch(moref, touched);
  }
  for (const auto& [moref, vm] : vms_) {
    if (vm.seen) continue;
    touched.objects.insert(moref);
    remember_vm(moref, touched);
  }
  for (const std::string& moref : touched.objects) erase_object(moref);
  std::erase_if(migrations_, [this](const auto& entry) { return !objects_.contains(entry.first); });
  return derive(std::move(touched));
}

Delta Inventory::apply_network_hints(const ObjectRef& host, const std::vector<PnicHint>& hints) {
  hints_[host.value] = hints;
  Touched touched;
  touched.objects.insert(host.value);
  return derive(std::move(touched));
}

void Inventory::watch_events(const ObjectRef& collector, std::size_t page_size) {
  event_collector_ = collector;
  event_page_size_ = page_size;
  events_held_ = false;
  events_lost_ = false;
}

Delta Inventory::apply_events(const std::vector<MigrationEvent>& page, std::size_t page_size) {
  events_held_ = false;
  events_lost_ = last_event_key_ >= 0 && cut(page, page_size);
  Touched touched;
  record_events(page, touched);
  return derive(std::move(touched));
}

bool Inventory::cut(const std::vector<MigrationEvent>& page, std::size_t size) const {
  return size > 0 && page.size() >= size &&
         std::none_of(page.begin(), page.end(),
                      [this](const MigrationEvent& e) { return e.key <= last_event_key_; });
}

void Inventory::record_events(const std::vector<MigrationEvent>& page, Touched& touched) {
  std::vector<const MigrationEvent*> fresh;
  for (const MigrationEvent& e : page) {
    if (e.key > last_event_key_) fresh.push_back(&e);
  }
  std::sort(fresh.begin(), fresh.end(),
            [](const MigrationEvent* a, const MigrationEvent* b) { return a->key < b->key; });
  for (const MigrationEvent* e : fresh) {
    if (e->phase == MigrationPhase::kStarted && e->dest_host) {
      migrations_[e->vm.value] = e->dest_host->value;
    } else if (e->phase != MigrationPhase::kStarted) {
      migrations_.erase(e->vm.value);
    }
    last_event_key_ = e->key;
    touched.objects.insert(e->vm.value);
  }
}

std::vector<Inventory::NetworkSystem> Inventory::network_systems() const {
  std::vector<NetworkSystem> out;
  for (const auto& [moref, object] : objects_) {
    const auto* system = get<ObjectRef>(object.values, Path::kNetworkSystem);
    if (object.kind != ObjectKind::kHost || system == nullptr ||
        get_or(object.values, Path::kConnectionState, HostConnection::kConnected) !=
            HostConnection::kConnected) {
      continue;
    }
    out.push_back({{std::string(type_name(ObjectKind::kHost)), moref}, *system});
  }
  std::sort(out.begin(), out.end(), [](const NetworkSystem& a, const NetworkSystem& b) {
    return a.host.value < b.host.value;
  });
  return out;
}

std::vector<ObjectRef> Inventory::take_refreshes() {
  std::vector<ObjectRef> out(refreshes_.begin(), refreshes_.end());
  refreshes_.clear();
  return out;
}

const std::string* Inventory::dvs_uuid(const Object& dvs) const {
  return dvs.kind == ObjectKind::kDvs ? get<std::string>(dvs.values, Path::kUuid) : nullptr;
}

Delta Inventory::derive(Touched touched) {
  // A switch's portgroups depend on it (held back until it is known, uplink flag), and so do
  // the hosts that are its members (the DVS id of their proxy switch).
  if (!touched.switches.empty()) {
    for (const auto& [moref, object] : objects_) {
      if (object.kind == ObjectKind::kDvPortgroup) {
        const auto* dvs = get<ObjectRef>(object.values, Path::kPortgroupDvs);
        if (dvs != nullptr && touched.switches.contains(dvs->value)) touched.objects.insert(moref);
      } else if (object.kind == ObjectKind::kHost) {
        for (const ProxySwitchInfo& proxy :
             get_list<ProxySwitchInfo>(object.values, Path::kProxySwitches)) {
          if (touched.switch_uuids.contains(proxy.dvs_uuid)) touched.objects.insert(moref);
        }
      }
    }
  }

  std::vector<Entity> upserts;
  std::vector<EntityKey> removals;
  for (const std::string& moref : touched.objects) {
    std::vector<Entity> entities = derive_object(moref);
    std::vector<Derived> derived;
    derived.reserve(entities.size());
    for (const Entity& e : entities) derived.push_back(within<Derived>(e));
    std::sort(derived.begin(), derived.end());
    const auto object = objects_.find(moref);
    std::vector<Derived> before;
    if (auto vm_before = touched.vms_before.extract(moref)) {
      before = std::move(vm_before.mapped());
    } else if (auto erased = erased_.extract(moref)) {
      before = std::move(erased.mapped());
    } else if (object != objects_.end()) {
      before = std::move(object->second.derived);
    } else if (const auto vm = vms_.find(moref); vm != vms_.end()) {
      before =
          VmProperties::unpack(vm->second.properties).derived();  // its properties are as before
    }
    std::vector<Derived> gone;
    std::set_difference(before.begin(), before.end(), derived.begin(), derived.end(),
                        std::back_inserter(gone));
    for (const Derived& d : gone) removals.push_back(key_within(vcenter_, moref, d));
    std::move(entities.begin(), entities.end(), std::back_inserter(upserts));
    if (object != objects_.end()) object->second.derived = std::move(derived);
  }

  Delta delta;
  std::stable_sort(removals.begin(), removals.end(),
                   [](const EntityKey& a, const EntityKey& b) { return a.index() > b.index(); });
  for (EntityKey& key : removals) delta.remove(std::move(key));
  std::stable_sort(upserts.begin(), upserts.end(),
                   [](const Entity& a, const Entity& b) { return a.index() < b.index(); });
  for (Entity& entity : upserts) delta.upsert(std::move(entity));
  return delta;
}

std::vector<Entity> Inventory::derive_object(const std::string& moref) {
  std::vector<Entity> out;
  if (const auto vm = vms_.find(moref); vm != vms_.end()) {
    derive_vm(moref, VmProperties::unpack(vm->second.properties), out);
    return out;
  }
  const auto it = objects_.find(moref);
  if (it == objects_.end()) return out;
  const Object& object = it->second;
  const auto name = [&object] { return get_or(object.values, Path::kName, std::string()); };
  switch (object.kind) {
    case ObjectKind::kCluster:
      out.emplace_back(Cluster{{vcenter_, moref}, name()});
      break;
    case ObjectKind::kHost:
      derive_host(moref, object, out);
      break;
    case ObjectKind::kDvs:
      out.emplace_back(DistributedSwitch{
          {vcenter_, moref}, name(), get_or(object.values, Path::kUuid, std::string())});
      break;
    case ObjectKind::kDvPortgroup:
      derive_dv_portgroup(moref, object, out);
      break;
    case ObjectKind::kVm:  // in vms_
    case ObjectKind::kEventCollector:
    case ObjectKind::kOther:
      break;
  }
  return out;
}

void Inventory::derive_host(const std::string& moref, const Object& object,
                            std::vector<Entity>& out) const {
  const auto& values = object.values;
  Host host;
  host.id = {vcenter_, moref};
  host.name = get_or(values, Path::kName, std::string());
  if (const auto* parent = get<ObjectRef>(values, Path::kParent);
      parent != nullptr && object_kind(parent->type) == ObjectKind::kCluster) {
    host.cluster = ClusterId{vcenter_, parent->value};
  }
  host.connection = get_or(values, Path::kConnectionState, HostConnection::kConnected);
  host.maintenance = get_or(values, Path::kInMaintenanceMode, false);
  host.vendor = get_or(values, Path::kHardwareVendor, std::string());
  host.model = get_or(values, Path::kHardwareModel, std::string());
  host.cpu_model = get_or(values, Path::kCpuModel, std::string());
  host.cpu_cores = static_cast<int>(get_or(values, Path::kNumCpuCores, std::int64_t{0}));
  host.esx_version = get_or(values, Path::kProductVersion, std::string());
  host.esx_build = get_or(values, Path::kProductBuild, std::string());
  out.emplace_back(host);

  const auto& pnics = get_list<PhysicalNicInfo>(values, Path::kPnics);
  const auto hints = hints_.find(moref);
  for (const PhysicalNicInfo& info : pnics) {
    Pnic pnic{{host.id, info.device}, info.mac, info.speed_mb, std::nullopt, std::nullopt};
    if (hints != hints_.end()) {
      for (const PnicHint& hint : hints->second) {
        if (hint.device == info.device) {
          pnic.lldp = hint.lldp;
          pnic.cdp = hint.cdp;
        }
      }
    }
    out.emplace_back(std::move(pnic));
  }
  for (const VirtualSwitchInfo& info : get_list<VirtualSwitchInfo>(values, Path::kVSwitches)) {
    out.emplace_back(VSwitch{{host.id, info.name},
                             VSwitchKind::kStandard,
                             std::nullopt,
                             uplinks(info.pnic_keys, pnics)});
  }
  for (const ProxySwitchInfo& info : get_list<ProxySwitchInfo>(values, Path::kProxySwitches)) {
    VSwitch vswitch{{host.id, info.dvs_name},
                    VSwitchKind::kDistributed,
                    std::nullopt,
                    uplinks(info.pnic_keys, pnics)};
    if (const auto dvs = dvs_by_uuid_.find(info.dvs_uuid); dvs != dvs_by_uuid_.end()) {
      vswitch.dvs = DvsId{vcenter_, dvs->second};
    }
    out.emplace_back(std::move(vswitch));
  }
  for (const HostPortgroupInfo& info : get_list<HostPortgroupInfo>(values, Path::kPortgroups)) {
    out.emplace_back(StandardPortgroup{{host.id, info.name}, info.vswitch_name, info.vlan});
  }
  const auto& services = get_list<NicServiceInfo>(values, Path::kNicServices);
  for (const VmkernelNicInfo& info : get_list<VmkernelNicInfo>(values, Path::kVmkNics)) {
    VmkNic vmk;
    vmk.id = {host.id, info.device};
    vmk.mac = info.mac;
    vmk.portgroup = info.portgroup;
    if (info.dv_port && !info.dv_port->portgroup_key.empty()) {
      vmk.dv_portgroup = DvPortgroupId{vcenter_, info.dv_port->portgroup_key};
    }
    for (const NicServiceInfo& s : services) {
      const auto service = service_of(s.nic_type);
      if (service &&
          std::find(s.devices.begin(), s.devices.end(), info.device) != s.devices.end()) {
        vmk.services.push_back(*service);
      }
    }
    std::sort(vmk.services.begin(), vmk.services.end());
    vmk.services.erase(std::unique(vmk.services.begin(), vmk.services.end()), vmk.services.end());
    out.emplace_back(std::move(vmk));
  }
}

void Inventory::derive_vm(const std::string& moref, const VmProperties& properties,
                          std::vector<Entity>& out) {
  if (properties.is_template) return;
  Vm vm;
  vm.id = {vcenter_, moref};
  vm.name = properties.name;
  vm.power = properties.power;
  if (!properties.host.empty()) vm.host = HostId{vcenter_, properties.host};
  if (const auto it = migrations_.find(moref); it != migrations_.end()) {
    if (vm.host && vm.host->moref == it->second) {
      migrations_.erase(it);
    } else {
      vm.migrating_to = HostId{vcenter_, it->second};
    }
  }
  out.emplace_back(vm);
  for (const EthernetCardInfo& card : properties.cards) {
    VmNic nic;
    nic.id = {vm.id, card.key};
    nic.label = card.label;
    nic.mac = card.mac;
    nic.connected = card.connected;
    if (card.backing == NicBacking::kStandard) {
      nic.backing.standard_portgroup = card.network;
    } else if (card.backing == NicBacking::kDistributed && !card.dv_port.portgroup_key.empty()) {
      nic.backing.dv_portgroup = DvPortgroupId{vcenter_, card.dv_port.portgroup_key};
    }
    out.emplace_back(std::move(nic));
  }
}

void Inventory::derive_dv_portgroup(const std::string& moref, const Object& object,
                                    std::vector<Entity>& out) const {
  const auto& values = object.values;
  const auto* dvs_ref = get<ObjectRef>(values, Path::kPortgroupDvs);
  const auto dvs = dvs_ref != nullptr ? objects_.find(dvs_ref->value) : objects_.end();
  if (dvs == objects_.end() || dvs->second.kind != ObjectKind::kDvs) return;  // held back
  DvPortgroup pg;
  pg.id = {vcenter_, moref};
  pg.name = get_or(values, Path::kName, std::string());
  pg.dvs = {vcenter_, dvs_ref->value};
  pg.vlan = get_or(values, Path::kDefaultPortConfig, PortgroupVlan{});
  const auto& uplink_pgs = get_list<ObjectRef>(dvs->second.values, Path::kUplinkPortgroups);
  pg.uplink = std::any_of(uplink_pgs.begin(), uplink_pgs.end(),
                          [&moref](const ObjectRef& r) { return r.value == moref; });
  out.emplace_back(std::move(pg));
}

}  // namespace vmfabric::vcenter
