// The vSphere SOAP codec (vim25 over /sdk): the request bodies vmfabric sends to vCenter and the
// parsers that turn its responses into typed values. Pure: no I/O, no clock; the session moves
// the bytes and never hands XML to the core.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/secret.h"
#include "model/error.h"
#include "model/model.h"

namespace vmfabric::vcenter {

// A managed object reference: its type ("HostSystem") and id ("host-21").
struct ObjectRef {
  std::string type;
  std::string value;
  auto operator<=>(const ObjectRef&) const = default;
};

// ---- errors ----------------------------------------------------------------------------------

// Every failure of a vCenter call that has a response: a SOAP fault or an unusable body.
class VimError : public Error {
 public:
  using Error::Error;
};

// The body is not the response the call expects: malformed or truncated XML, another root, a
// missing or invalid field. The message names the call and what is wrong.
class ResponseError : public VimError {
 public:
  using VimError::VimError;
};

enum class FaultKind {
  kNotAuthenticated,
  kInvalidLogin,
  kInvalidCollectorVersion,
  kRequestCanceled,
  kManagedObjectNotFound,
  kInvalidProperty,
  kOther,
};

// vCenter answered with a SOAP fault.
class SoapFault : public VimError {
 public:
  // `type` is the fault's vim25 type ("RequestCanceled"), or the faultcode when it has no detail;
  // `object` the object a ManagedObjectNotFound names.
  SoapFault(std::string_view call, std::string type, std::string fault_string,
            std::optional<ObjectRef> object = std::nullopt);

  FaultKind kind() const { return kind_; }
  const std::string& type() const { return type_; }
  const std::string& fault_string() const { return fault_string_; }
  const std::optional<ObjectRef>& object() const { return object_; }

 private:
  FaultKind kind_;
  std::string type_;
  std::string fault_string_;
  std::optional<ObjectRef> object_;
};

// ---- managed objects and the properties vmfabric follows ---------------------------------------

enum class ObjectKind { kCluster, kHost, kVm, kDvs, kDvPortgroup, kEventCollector, kOther };

// The kind of an object of vim25 type `type` (both DVS types are kDvs).
ObjectKind object_kind(std::string_view type);
// The type vmfabric names for `kind` in requests ("HostSystem"); not for kOther.
std::string_view type_name(ObjectKind kind);

// The property paths vmfabric requests (CreateFilter, refresh), per object kind.
enum class Path : std::uint8_t {
  kName,  // every kind
  kParent,
  kConnectionState,
  kInMaintenanceMode,
  kHardwareVendor,
  kHardwareModel,
  kCpuModel,
  kNumCpuCores,
  kProductVersion,
  kProductBuild,
  kPnics,
  kVSwitches,
  kPortgroups,
  kProxySwitches,
  kVmkNics,
  kNicServices,
  kNetworkSystem,
  kTemplate,
  kPowerState,
  kRuntimeHost,
  kDevices,
  kKey,
  kPortgroupDvs,
  kDefaultPortConfig,
  kUuid,
  kUplinkPortgroups,
  kLatestPage,
  kUnknown,  // a property vmfabric did not ask for
};

// The wire name of `path` ("config.network.pnic"); "" for kUnknown.
std::string_view path_name(Path path);
// The paths requested for objects of `kind`, in request order (empty for kOther).
std::span<const Path> paths_of(ObjectKind kind);

// ---- decoded property values -----------------------------------------------------------------

struct PhysicalNicInfo {  // HostSystem config.network.pnic[]
  std::string key;        // what vSwitches and proxy switches list as their uplinks
  std::string device;     // "vmnic0"
  std::string mac;
  int speed_mb = 0;  // 0: link down
  bool operator==(const PhysicalNicInfo&) const = default;
};

struct VirtualSwitchInfo {  // config.network.vswitch[]
  std::string name;
  std::vector<std::string> pnic_keys;
  bool operator==(const VirtualSwitchInfo&) const = default;
};

struct HostPortgroupInfo {  // config.network.portgroup[].spec
  std::string name;
  std::string vswitch_name;
  PortgroupVlan vlan;  // from vlanId: 0 untagged, 4095 all, else that VLAN
  bool operator==(const HostPortgroupInfo&) const = default;
};

struct ProxySwitchInfo {  // config.network.proxySwitch[]: the host's member of a DVS
  std::string dvs_uuid;
  std::string dvs_name;
  std::vector<std::string> pnic_keys;
  bool operator==(const ProxySwitchInfo&) const = default;
};

// A DistributedVirtualSwitchPortConnection. Its switchUuid is not kept: the portgroup names its
// switch.
struct DvPortRef {
  std::string portgroup_key;
  bool operator==(const DvPortRef&) const = default;
};

struct VmkernelNicInfo {  // config.network.vnic[]
  std::string device;     // "vmk0"
  std::string portgroup;  // standard portgroup name; empty on a DVS
  std::string mac;
  std::optional<DvPortRef> dv_port;
  bool operator==(const VmkernelNicInfo&) const = default;
};

struct NicServiceInfo {              // config.virtualNicManagerInfo.netConfig[]
  std::string nic_type;              // "management", "vmotion", ...
  std::vector<std::string> devices;  // the selected vmknics
  bool operator==(const NicServiceInfo&) const = default;
};

enum class NicBacking { kNone, kStandard, kDistributed, kOpaque };

struct EthernetCardInfo {  // a VirtualEthernetCard of config.hardware.device
  int key = 0;
  std::string label;
  std::string mac;
  bool connected = true;
  NicBacking backing = NicBacking::kNone;
  std::string network;  // kStandard: portgroup name; kOpaque: opaque network id
  DvPortRef dv_port;    // kDistributed
  bool operator==(const EthernetCardInfo&) const = default;
};

enum class MigrationPhase { kStarted, kCompleted, kFailed };

// A VM migration event from an EventHistoryCollector's latestPage.
struct MigrationEvent {
  MigrationPhase phase = MigrationPhase::kStarted;
  std::string type;  // "VmBeingHotMigratedEvent"
  std::int64_t key = 0;
  std::string created_time;  // xsd:dateTime as sent
  ObjectRef vm;
  std::optional<ObjectRef> host;         // where the VM was when the event was posted
  std::optional<ObjectRef> source_host;  // completion events
  std::optional<ObjectRef> dest_host;    // start and failure events
  bool operator==(const MigrationEvent&) const = default;
};

// The vim25 event types of MigrationEvent (CreateCollectorForEvents filters on them).
std::span<const std::string_view> migration_event_types();

// A property's value, decoded by its path. monostate: unset (or not decoded: see
// PropertyChange). Enumerations are checked: an unknown value is a ResponseError.
using Value = std::variant<std::monostate, std::string, bool, std::int64_t, ObjectRef,
                           std::vector<ObjectRef>, HostConnection, PowerState, PortgroupVlan,
                           std::vector<PhysicalNicInfo>, std::vector<VirtualSwitchInfo>,
                           std::vector<HostPortgroupInfo>, std::vector<ProxySwitchInfo>,
                           std::vector<VmkernelNicInfo>, std::vector<NicServiceInfo>,
                           std::vector<EthernetCardInfo>, std::vector<MigrationEvent>>;

// ---- UpdateSet (WaitForUpdatesEx) --------------------------------------------------------------

enum class UpdateKind { kEnter, kModify, kLeave };
enum class ChangeOp { kAssign, kAdd, kRemove, kIndirectRemove };

struct PropertyChange {
  std::string name;  // as sent
  // The requested path `name` names or lies under; kUnknown when unrelated to any.
  Path path = Path::kUnknown;
  // `name` is not exactly `path` (a nested path such as `config.hardware.device[4000].backing`,
  // or an enclosing one): the value is not decoded and the object should be refreshed.
  bool nested = false;
  ChangeOp op = ChangeOp::kAssign;
  Value value;  // decoded for an exact path with op assign; monostate when assigned no <val>
  bool operator==(const PropertyChange&) const = default;
};

struct MissingProperty {
  std::string path;
  std::string fault;  // the fault's type, "NotAuthenticated"
  bool operator==(const MissingProperty&) const = default;
};

struct ObjectUpdate {
  UpdateKind kind = UpdateKind::kModify;
  ObjectRef obj;
  std::vector<PropertyChange> changes;  // in document order
  std::vector<MissingProperty> missing;
  bool operator==(const ObjectUpdate&) const = default;
};

struct MissingObject {
  ObjectRef obj;
  std::string fault;
  bool operator==(const MissingObject&) const = default;
};

struct FilterUpdate {
  ObjectRef filter;
  std::vector<ObjectUpdate> objects;  // in document order; one object may appear several times
  std::vector<MissingObject> missing;
  bool operator==(const FilterUpdate&) const = default;
};

struct UpdateSet {
  std::string version;     // pass to the next WaitForUpdatesEx
  bool truncated = false;  // call again at once with `version`
  std::vector<FilterUpdate> filters;
  bool operator==(const UpdateSet&) const = default;
};

// ---- other results -----------------------------------------------------------------------------

struct ServiceContent {
  ObjectRef root_folder;
  ObjectRef property_collector;
  ObjectRef view_manager;
  ObjectRef session_manager;
  ObjectRef event_manager;
  std::string api_version;    // about.apiVersion, "8.0.2.0"
  std::string instance_uuid;  // about.instanceUuid: which server is behind the URL
  std::string full_name;      // about.fullName
};

struct UserSession {
  std::string key;
  std::string user_name;
};

// What one physical NIC of a host hears (QueryNetworkHint).
struct PnicHint {
  std::string device;
  std::optional<NeighborHint> lldp;  // chassisId, portId, parameter "System Name"
  std::optional<NeighborHint> cdp;   // devId, portId
  bool operator==(const PnicHint&) const = default;
};

// ---- requests (complete SOAP envelopes; user strings are XML-escaped)
// ----------------------------

struct WaitOptions {
  int max_wait_seconds = 60;  // 0: check once and return
  int max_object_updates = 500;
};

std::string build_retrieve_service_content();
// The password appears in the body only.
std::string build_login(const ObjectRef& session_manager, std::string_view user,
                        const Secret& password);
std::string build_logout(const ObjectRef& session_manager);
// A recursive view of the clusters, hosts, VMs, distributed switches and portgroups.
std::string build_create_container_view(const ObjectRef& view_manager,
                                        const ObjectRef& root_folder);
std::string build_create_property_collector(const ObjectRef& property_collector);
// A filter on `collector` over every object of `view` with the paths_of() their kind, plus the
// latestPage of `event_collector` when given; partialUpdates=false.
std::string build_create_filter(const ObjectRef& collector, const ObjectRef& view,
                                const std::optional<ObjectRef>& event_collector);
std::string build_wait_for_updates(const ObjectRef& collector, std::string_view version,
                                   const WaitOptions& options);
std::string build_cancel_wait_for_updates(const ObjectRef& collector);
std::string build_destroy_property_collector(const ObjectRef& collector);
// DestroyCollector of a HistoryCollector (an event collector).
std::string build_destroy_collector(const ObjectRef& history_collector);
// RetrievePropertiesEx of every path of `object`'s kind (after a nested change or missingSet).
std::string build_refresh(const ObjectRef& collector, const ObjectRef& object);
// An EventHistoryCollector of the migration_event_types().
std::string build_create_collector_for_events(const ObjectRef& event_manager);
// The event collector's latestPage holds its newest `max_count` events (vCenter's default: 10,
// at most 1000); a burst of migrations larger than the page between two updates scrolls off it.
std::string build_set_collector_page_size(const ObjectRef& event_collector, int max_count);
// Every pnic's CDP/LLDP hints, from a host's configManager.networkSystem.
std::string build_query_network_hint(const ObjectRef& network_system);
// RetrievePropertiesEx of SessionManager.currentSession: keeps the session from idling out.
std::string build_keep_alive(const ObjectRef& property_collector, const ObjectRef& session_manager);

// ---- responses ---------------------------------------------------------------------------------
// Each takes the HTTP body (parsed in place) of a 200 or 500 response. A SOAP fault throws
// SoapFault; anything else unusable throws ResponseError.

ServiceContent parse_service_content(std::string body);
UserSession parse_login(std::string body);
// The reference a Create* call returns (CreateContainerView, CreatePropertyCollector,
// CreateFilter, CreateCollectorForEvents).
ObjectRef parse_created(std::string_view call, std::string body);
// A call that returns nothing (Logout, CancelWaitForUpdates, DestroyPropertyCollector,
// DestroyCollector, SetCollectorPageSize).
void parse_empty(std::string_view call, std::string body);
// Nothing when the wait ended with nothing to report: call again with the same version.
std::optional<UpdateSet> parse_wait_for_updates(std::string body);
// The version of a truncated WaitForUpdatesEx result, read from the raw body without parsing it
// (so that the rest can be asked for while this part is parsed): the UpdateSet's first element,
// when its last is <truncated>true</truncated>. Nothing when the result is not truncated or the
// scan cannot tell (a fault, unusual layout, an escaped version); parse_wait_for_updates decides.
std::optional<std::string> truncated_update_version(std::string_view body);
// The result of build_refresh(`object`) as one update: kEnter with every property the server
// returned (replacing what was known), or kLeave when the object no longer exists (absent from
// the result, or a ManagedObjectNotFound fault naming it).
UpdateSet parse_refresh(const ObjectRef& object, std::string body);
// The migration events of an event collector's latestPage read with build_refresh (none when the
// page is empty); a ResponseError when the collector is not in the result.
std::vector<MigrationEvent> parse_latest_page(const ObjectRef& event_collector, std::string body);
// True while the session is logged in (currentSession is set).
bool parse_keep_alive(std::string body);
std::vector<PnicHint> parse_network_hint(std::string body);

}  // namespace vmfabric::vcenter
