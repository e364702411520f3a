#include "vcenter/soap.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <pugixml.hpp>

#include "vsphere_fixture.h"

namespace vmfabric::vcenter {
namespace {

using testing::capture;
using testing::envelope;
using testing::fault_response;
using testing::wait_response;

const ObjectRef kCollector{"PropertyCollector", "session[52b6]52c1"};

const ObjectUpdate& find_update(const UpdateSet& set, std::string_view moref) {
  for (const FilterUpdate& f : set.filters) {
    for (const ObjectUpdate& u : f.objects) {
      if (u.obj.value == moref) return u;
    }
  }
  throw std::runtime_error("no update for " + std::string(moref));
}

const PropertyChange& find_change(const ObjectUpdate& u, Path path) {
  for (const PropertyChange& c : u.changes) {
    if (c.path == path) return c;
  }
  throw std::runtime_error("no change of " + std::string(path_name(path)));
}

template <class T>
const T& value_of(const ObjectUpdate& u, Path path) {
  const PropertyChange& c = find_change(u, path);
  REQUIRE(std::holds_alternative<T>(c.value));
  return std::get<T>(c.value);
}

UpdateSet updates(std::string body) {
  auto set = parse_wait_for_updates(std::move(body));
  REQUIRE(set.has_value());
  return *set;
}

// ---- responses of the simulator ----------------------------------------------------------------

TEST_CASE("RetrieveServiceContent gives the managers, the API version and the instance uuid") {
  const ServiceContent sc = parse_service_content(capture("01-RetrieveServiceContent.resp.xml"));
  CHECK(sc.root_folder == ObjectRef{"Folder", "group-d1"});
  CHECK(sc.property_collector == ObjectRef{"PropertyCollector", "propertyCollector"});
  CHECK(sc.view_manager == ObjectRef{"ViewManager", "ViewManager"});
  CHECK(sc.session_manager == ObjectRef{"SessionManager", "SessionManager"});
  CHECK(sc.event_manager == ObjectRef{"EventManager", "EventManager"});
  CHECK(sc.api_version == "6.5");
  CHECK(sc.instance_uuid == "dbed6e0c-bd88-4ef6-b594-21283e1c677f");
  CHECK(sc.full_name == "VMware vCenter Server 6.5.0 build-5973321");
}

TEST_CASE("Login gives the session key and user") {
  const UserSession s = parse_login(capture("02-Login.resp.xml"));
  CHECK(s.key == "326503d7-3c52-44db-b5af-f527fcb70825");
  CHECK(s.user_name == "user");
}

TEST_CASE("Create calls give the reference they created") {
  const std::string session = "session[326503d7-3c52-44db-b5af-f527fcb70825]";
  CHECK(parse_created("CreateContainerView", capture("03-CreateContainerView.resp.xml")) ==
        ObjectRef{"ContainerView", session + "2f9c406f-7118-4b52-b202-8e4979d2b543"});
  CHECK(parse_created("CreatePropertyCollector", capture("04-CreatePropertyCollector.resp.xml")) ==
        ObjectRef{"PropertyCollector", session + "6d93069a-1ef8-49dd-b698-219b6fb4b740"});
  CHECK(parse_created("CreateFilter", capture("05-CreateFilter.resp.xml")) ==
        ObjectRef{"PropertyFilter", session + "783efe0b-7d18-4800-9f9c-d93bc05bf93d"});
  CHECK(parse_created("CreateCollectorForEvents", capture("vmf-CreateCollectorForEvents.resp.xml"))
            .type == "EventHistoryCollector");
  // The response must be the one of the call that was made.
  CHECK_THROWS_WITH(parse_created("CreateFilter", capture("03-CreateContainerView.resp.xml")),
                    Catch::Contains("vCenter CreateFilter response: expected CreateFilterResponse, "
                                    "got \"CreateContainerViewResponse\""));
}

TEST_CASE("Calls without a result accept their empty response") {
  CHECK_NOTHROW(parse_empty("CancelWaitForUpdates", capture("21-CancelWaitForUpdates.resp.xml")));
  CHECK_NOTHROW(parse_empty("Logout", capture("vmf-Logout.resp.xml")));
  CHECK_NOTHROW(
      parse_empty("DestroyPropertyCollector", capture("vmf-DestroyPropertyCollector.resp.xml")));
  CHECK_THROWS_AS(parse_empty("Logout", capture("21-CancelWaitForUpdates.resp.xml")),
                  ResponseError);
}

TEST_CASE("The initial WaitForUpdatesEx of vmfabric's own filter decodes every requested path") {
  const UpdateSet set = updates(capture("vmf-06-WaitForUpdatesEx-initial.resp.xml"));
  CHECK(set.version == "-");
  CHECK_FALSE(set.truncated);
  REQUIRE(set.filters.size() == 1);
  CHECK(set.filters[0].objects.size() == 13);  // 4 VMs, 4 hosts, cluster, DVS, 2 DVPGs, events
  for (const ObjectUpdate& u : set.filters[0].objects) {
    CHECK(u.kind == UpdateKind::kEnter);
    // Every requested path arrives, decoded: vcsim sets all of them, if only to an empty array.
    const ObjectKind kind = object_kind(u.obj.type);
    CHECK(u.changes.size() == paths_of(kind).size());
    for (const PropertyChange& c : u.changes) {
      CHECK(c.path != Path::kUnknown);
      CHECK_FALSE(c.nested);
      CHECK_FALSE(std::holds_alternative<std::monostate>(c.value));
    }
  }

  const ObjectUpdate& host = find_update(set, "host-21");
  CHECK(value_of<std::string>(host, Path::kName) == "DC0_H0");
  CHECK(value_of<ObjectRef>(host, Path::kParent) ==
        ObjectRef{"ComputeResource", "computeresource-23"});
  CHECK(value_of<HostConnection>(host, Path::kConnectionState) == HostConnection::kConnected);
  CHECK(value_of<bool>(host, Path::kInMaintenanceMode) == false);
  CHECK(value_of<std::string>(host, Path::kHardwareVendor) == "VMware, Inc.");
  CHECK(value_of<std::string>(host, Path::kHardwareModel) == "VMware Virtual Platform");
  CHECK(value_of<std::string>(host, Path::kCpuModel) ==
        "Intel(R) Core(TM) i7-3615QM CPU @ 2.30GHz");
  CHECK(value_of<std::int64_t>(host, Path::kNumCpuCores) == 2);
  CHECK(value_of<std::string>(host, Path::kProductVersion) == "6.5.0");
  CHECK(value_of<std::string>(host, Path::kProductBuild) == "5969303");
  CHECK(value_of<std::vector<PhysicalNicInfo>>(host, Path::kPnics) ==
        std::vector<PhysicalNicInfo>{
            {"key-vim.host.PhysicalNic-vmnic0", "vmnic0", "00:0c:29:81:d8:a0", 10000},
            {"key-vim.host.PhysicalNic-vmnic1", "vmnic1", "00:0c:29:81:d8:aa", 10000}});
  CHECK(value_of<std::vector<VirtualSwitchInfo>>(host, Path::kVSwitches) ==
        std::vector<VirtualSwitchInfo>{{"vSwitch0", {"key-vim.host.PhysicalNic-vmnic0"}}});
  CHECK(value_of<std::vector<HostPortgroupInfo>>(host, Path::kPortgroups) ==
        std::vector<HostPortgroupInfo>{{"VM Network", "vSwitch0", {}},
                                       {"Management Network", "vSwitch0", {}}});
  CHECK(value_of<std::vector<ProxySwitchInfo>>(host, Path::kProxySwitches).empty());
  CHECK(value_of<std::vector<VmkernelNicInfo>>(host, Path::kVmkNics) ==
        std::vector<VmkernelNicInfo>{
            {"vmk0", "Management Network", "00:0c:29:81:d8:a0", std::nullopt}});
  const auto& services = value_of<std::vector<NicServiceInfo>>(host, Path::kNicServices);
  const auto management = std::find_if(services.begin(), services.end(),
                                       [](const auto& s) { return s.nic_type == "management"; });
  REQUIRE(management != services.end());
  CHECK(management->devices == std::vector<std::string>{"vmk0"});
  CHECK(value_of<ObjectRef>(host, Path::kNetworkSystem).type == "HostNetworkSystem");

  const ObjectUpdate& vm = find_update(set, "vm-57");
  CHECK(value_of<std::string>(vm, Path::kName) == "DC0_H0_VM0");
  CHECK(value_of<bool>(vm, Path::kTemplate) == false);
  CHECK(value_of<PowerState>(vm, Path::kPowerState) == PowerState::kPoweredOn);
  CHECK(value_of<ObjectRef>(vm, Path::kRuntimeHost) == ObjectRef{"HostSystem", "host-21"});
  // Of a dozen devices only the VirtualE1000 is a NIC; vcsim leaves it disconnected.
  EthernetCardInfo card;
  card.key = 4000;
  card.label = "ethernet-0";
  card.mac = "00:0c:29:36:63:62";
  card.connected = false;
  card.backing = NicBacking::kDistributed;
  card.dv_port = {"dvportgroup-13"};
  CHECK(value_of<std::vector<EthernetCardInfo>>(vm, Path::kDevices) ==
        std::vector<EthernetCardInfo>{card});

  const ObjectUpdate& dvs = find_update(set, "dvs-9");
  CHECK(value_of<std::string>(dvs, Path::kName) == "DVS0");
  CHECK(value_of<std::string>(dvs, Path::kUuid) == "fea97929-4b2d-5972-b146-930c6d0b4014");
  // vcsim never fills in the DVS's uplink portgroups.
  CHECK(value_of<std::vector<ObjectRef>>(dvs, Path::kUplinkPortgroups).empty());

  const ObjectUpdate& uplinks = find_update(set, "dvportgroup-11");
  CHECK(value_of<std::string>(uplinks, Path::kName) == "DVS0-DVUplinks-9");
  CHECK(value_of<std::string>(uplinks, Path::kKey) == "dvportgroup-11");
  CHECK(value_of<ObjectRef>(uplinks, Path::kPortgroupDvs) ==
        ObjectRef{"DistributedVirtualSwitch", "dvs-9"});
  CHECK(value_of<PortgroupVlan>(uplinks, Path::kDefaultPortConfig) ==
        PortgroupVlan{VlanMode::kTrunk, VlanSet::all()});
  CHECK(value_of<PortgroupVlan>(find_update(set, "dvportgroup-13"), Path::kDefaultPortConfig) ==
        PortgroupVlan{});

  const ObjectUpdate& events = set.filters[0].objects.back();
  CHECK(object_kind(events.obj.type) == ObjectKind::kEventCollector);
  CHECK(value_of<std::vector<MigrationEvent>>(events, Path::kLatestPage).empty());
}

TEST_CASE("Paths nobody asked for are reported as unknown and not decoded") {
  // The reference capture was taken with another property list (config.uuid, guest.net...).
  const UpdateSet set = updates(capture("06-WaitForUpdatesEx-initial.resp.xml"));
  const ObjectUpdate& vm = find_update(set, "vm-57");
  std::vector<std::string> unknown;
  for (const PropertyChange& c : vm.changes) {
    if (c.path != Path::kUnknown) continue;
    unknown.push_back(c.name);
    CHECK_FALSE(c.nested);
    CHECK(std::holds_alternative<std::monostate>(c.value));
  }
  CHECK(unknown ==
        std::vector<std::string>{"config.uuid", "config.instanceUuid", "network", "guest.net"});
  CHECK(value_of<std::vector<EthernetCardInfo>>(vm, Path::kDevices).size() == 1);
  // config.uplink: assigned without <val>, i.e. unset.
  const ObjectUpdate& pg = find_update(set, "dvportgroup-13");
  CHECK(pg.changes.back().name == "config.uplink");
  CHECK(std::holds_alternative<std::monostate>(pg.changes.back().value));
}

TEST_CASE("Incremental updates of the simulator decode in document order") {
  SECTION("07 relocate: runtime.host") {
    const UpdateSet set = updates(capture("07-Wait-after-Relocate.resp.xml"));
    const ObjectUpdate& vm = find_update(set, "vm-63");
    CHECK(vm.kind == UpdateKind::kModify);
    CHECK(value_of<ObjectRef>(vm, Path::kRuntimeHost) == ObjectRef{"HostSystem", "host-50"});
  }
  SECTION("08 power off") {
    const UpdateSet set = updates(capture("08-Wait-after-PowerOff.resp.xml"));
    CHECK(value_of<PowerState>(find_update(set, "vm-63"), Path::kPowerState) ==
          PowerState::kPoweredOff);
  }
  SECTION("09 reconfigure: three updates of one VM, the NIC now on a standard portgroup") {
    const UpdateSet set = updates(capture("09-Wait-after-ReconfigNicToStdPG.resp.xml"));
    const auto& objects = set.filters.at(0).objects;
    REQUIRE(objects.size() == 3);
    CHECK(objects[0].changes.at(0).path == Path::kUnknown);  // `network`, not requested
    const auto& cards = value_of<std::vector<EthernetCardInfo>>(objects[2], Path::kDevices);
    REQUIRE(cards.size() == 1);
    CHECK(cards[0].key == 4000);
    CHECK(cards[0].mac == "00:0c:29:33:34:38");
    CHECK(cards[0].backing == NicBacking::kStandard);
    CHECK(cards[0].network == "VM Network");
  }
  SECTION("10 add portgroup: a Network enters, an object kind vmfabric does not follow") {
    const UpdateSet set = updates(capture("10-Wait-after-AddPortGroup.resp.xml"));
    const ObjectUpdate& network = find_update(set, "network-71");
    CHECK(object_kind(network.obj.type) == ObjectKind::kOther);
    CHECK(network.changes.at(0).path == Path::kUnknown);
  }
  SECTION("11 add DV portgroup with VLAN 200") {
    const UpdateSet set = updates(capture("11-Wait-after-AddDVPortgroup.resp.xml"));
    const ObjectUpdate& pg = find_update(set, "dvportgroup-73");
    CHECK(pg.kind == UpdateKind::kEnter);
    CHECK(value_of<PortgroupVlan>(pg, Path::kDefaultPortConfig) ==
          PortgroupVlan{VlanMode::kVlan, VlanSet::of({200})});
  }
  SECTION("12 and 22: the wait timed out with nothing to report") {
    CHECK_FALSE(
        parse_wait_for_updates(capture("12-Wait-after-ReconfigureDVPortgroup-trunk.resp.xml"))
            .has_value());
    CHECK_FALSE(
        parse_wait_for_updates(capture("22-WaitForUpdatesEx-bogus-version.resp.xml")).has_value());
  }
  SECTION("13 create VM: an enter, then three modifies of the same VM, in two filterSets") {
    const UpdateSet set = updates(capture("13-Wait-after-CreateVM.resp.xml"));
    std::vector<ObjectUpdate> objects;
    for (const FilterUpdate& f : set.filters) {
      objects.insert(objects.end(), f.objects.begin(), f.objects.end());
    }
    REQUIRE(set.filters.size() == 2);
    REQUIRE(objects.size() == 4);
    CHECK(objects[0].kind == UpdateKind::kEnter);
    CHECK(std::all_of(objects.begin() + 1, objects.end(), [](const ObjectUpdate& u) {
      return u.kind == UpdateKind::kModify && u.obj.value == "vm-76";
    }));
    CHECK(value_of<std::string>(objects[3], Path::kName) == "NEWVM1");
  }
  SECTION("14 destroy: a leave without changes") {
    const UpdateSet set = updates(capture("14-Wait-after-Destroy.resp.xml"));
    const ObjectUpdate& vm = find_update(set, "vm-76");
    CHECK(vm.kind == UpdateKind::kLeave);
    CHECK(vm.changes.empty());
  }
}

// ---- what only a real vCenter sends ------------------------------------------------------------

TEST_CASE("xsi:type is recognized by the namespace its prefix is bound to") {
  const auto body = [](std::string_view declaration, std::string_view prefix) {
    return envelope(
        std::string(
            R"(<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>1</version>)"
            R"(<filterSet><filter type="PropertyFilter">f</filter><objectSet>)"
            R"(<kind>modify</kind><obj type="DistributedVirtualPortgroup">dvportgroup-7</obj>)"
            R"(<changeSet><name>config.defaultPortConfig</name><op>assign</op><val )") +
        std::string(declaration) + " " + std::string(prefix) +
        R"(:type="VMwareDVSPortSetting"><vlan )" + std::string(prefix) +
        R"(:type="VmwareDistributedVirtualSwitchVlanIdSpec"><inherited>false</inherited>)"
        R"(<vlanId>120</vlanId></vlan></val></changeSet></objectSet></filterSet></returnval>)"
        R"(</WaitForUpdatesExResponse>)");
  };
  const auto vlan = [](std::string text) {
    return value_of<PortgroupVlan>(find_update(updates(std::move(text)), "dvportgroup-7"),
                                   Path::kDefaultPortConfig);
  };
  const PortgroupVlan vlan120{VlanMode::kVlan, VlanSet::of({120})};
  // vCenter: xsi declared on the Envelope; vcsim: XMLSchema-instance declared on <val>.
  CHECK(vlan(body("", "xsi")) == vlan120);
  CHECK(vlan(body(R"(xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance")",
                  "XMLSchema-instance")) == vlan120);
  CHECK(vlan(body(R"(xmlns:q1="http://www.w3.org/2001/XMLSchema-instance")", "q1")) == vlan120);
  // A `type` attribute in another namespace is not an xsi:type.
  CHECK_THROWS_WITH(vlan(body(R"(xmlns:q1="urn:other")", "q1")),
                    Catch::Contains("unknown VLAN specification type \"\""));
}

TEST_CASE("Real version tokens and truncation") {
  const std::string object =
      R"(<objectSet><kind>modify</kind><obj type="VirtualMachine">vm-1234</obj>)"
      R"(<changeSet><name>runtime.powerState</name><op>assign</op>)"
      R"(<val xsi:type="VirtualMachinePowerState">suspended</val></changeSet></objectSet>)";
  const UpdateSet first = updates(wait_response("17_3", object, true));
  CHECK(first.version == "17_3");
  CHECK(first.truncated);
  const UpdateSet last = updates(wait_response("17_4", object));
  CHECK(last.version == "17_4");
  CHECK_FALSE(last.truncated);
  CHECK(value_of<PowerState>(find_update(last, "vm-1234"), Path::kPowerState) ==
        PowerState::kSuspended);
}

TEST_CASE("A truncated result's version is read ahead of the parse, and only when it is sure") {
  const std::string object =
      R"(<objectSet><kind>enter</kind><obj type="VirtualMachine">vm-1</obj></objectSet>)";
  CHECK(truncated_update_version(wait_response("17_3", object, true)) == "17_3");
  CHECK(truncated_update_version(wait_response("-", object, true)) == "-");
  // vCenter's own whitespace between elements, and xsd:boolean's other spelling.
  CHECK(truncated_update_version(
            envelope("<WaitForUpdatesExResponse xmlns=\"urn:vim25\"><returnval>\n  "
                     "<version>9</version>\n<truncated>1</truncated>\n</returnval>"
                     "</WaitForUpdatesExResponse>")) == "9");
  // The complete set, a wait that ended empty, a fault, a torn body: the parser decides.
  CHECK_FALSE(truncated_update_version(wait_response("17_4", object)));
  CHECK_FALSE(truncated_update_version(
      envelope("<WaitForUpdatesExResponse xmlns=\"urn:vim25\"></WaitForUpdatesExResponse>")));
  CHECK_FALSE(truncated_update_version(fault_response("NotAuthenticated", "session gone")));
  const std::string whole = wait_response("17_3", object, true);
  CHECK_FALSE(truncated_update_version(whole.substr(0, whole.size() / 2)));
  CHECK_FALSE(truncated_update_version(""));
  // <truncated> false, or not the set's last element; a version that is not its first; an
  // escaped version: unsure, so no read-ahead.
  CHECK_FALSE(truncated_update_version(
      envelope("<x><returnval><version>9</version><truncated>false</truncated></returnval></x>")));
  CHECK_FALSE(truncated_update_version(envelope(
      "<x><returnval><version>9</version><truncated>true</truncated><y/></returnval></x>")));
  CHECK_FALSE(
      truncated_update_version(envelope("<x><returnval><filterSet/><version>9</"
                                        "version><truncated>true</truncated></returnval></x>")));
  CHECK_FALSE(truncated_update_version(envelope(
      "<x><returnval><version>9&amp;1</version><truncated>true</truncated></returnval></x>")));
}

TEST_CASE("Operations, nested names, unset values and missing sets") {
  const UpdateSet set = updates(wait_response("9", R"(
    <objectSet><kind>modify</kind><obj type="HostSystem">host-42</obj>
      <changeSet><name>config.network.pnic["key-vim.host.PhysicalNic-vmnic1"]</name>
        <op>remove</op></changeSet>
      <changeSet><name>config.network.vnic</name><op>indirectRemove</op></changeSet>
      <changeSet><name>config.network.portgroup</name><op>add</op>
        <val xsi:type="HostPortGroup"><spec><name>PG-100</name><vlanId>100</vlanId>
          <vswitchName>vSwitch0</vswitchName></spec></val></changeSet>
      <changeSet><name>config.network</name><op>assign</op>
        <val xsi:type="HostNetworkInfo"><futureField/></val></changeSet>
      <changeSet><name>summary.hardware.vendor</name><op>assign</op></changeSet>
      <changeSet><name>summary.quickStats.overallCpuUsage</name><op>assign</op>
        <val xsi:type="xsd:int">17</val></changeSet>
      <missingSet><path>config.network.proxySwitch</path>
        <fault><fault xsi:type="SystemError"><reason>busy</reason></fault>
          <localizedMessage>A general system error occurred</localizedMessage></fault>
      </missingSet>
    </objectSet>)"));
  const ObjectUpdate& host = find_update(set, "host-42");
  REQUIRE(host.changes.size() == 6);
  const auto check = [](const PropertyChange& c, Path path, bool nested, ChangeOp op) {
    CHECK(c.path == path);
    CHECK(c.nested == nested);
    CHECK(c.op == op);
    CHECK(std::holds_alternative<std::monostate>(c.value));
  };
  check(host.changes[0], Path::kPnics, true, ChangeOp::kRemove);
  CHECK(host.changes[0].name == R"(config.network.pnic["key-vim.host.PhysicalNic-vmnic1"])");
  check(host.changes[1], Path::kVmkNics, false, ChangeOp::kIndirectRemove);
  check(host.changes[2], Path::kPortgroups, false, ChangeOp::kAdd);
  check(host.changes[3], Path::kPnics, true, ChangeOp::kAssign);  // encloses requested paths
  check(host.changes[4], Path::kHardwareVendor, false, ChangeOp::kAssign);  // unset
  check(host.changes[5], Path::kUnknown, false, ChangeOp::kAssign);
  CHECK(host.missing ==
        std::vector<MissingProperty>{{"config.network.proxySwitch", "SystemError"}});
}

TEST_CASE("A filter's missing objects are reported") {
  const UpdateSet set = updates(envelope(R"(
    <WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>3</version>
      <filterSet><filter type="PropertyFilter">f</filter>
        <missingSet><obj type="VirtualMachine">vm-9</obj>
          <fault><fault xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">vm-9</obj>
          </fault></fault></missingSet>
      </filterSet></returnval></WaitForUpdatesExResponse>)"));
  CHECK(set.filters.at(0).missing ==
        std::vector<MissingObject>{{{"VirtualMachine", "vm-9"}, "ManagedObjectNotFound"}});
}

TEST_CASE("Distributed portgroup VLAN specifications") {
  const auto vlan = [](std::string_view spec) {
    const std::string body = wait_response(
        "5", std::string(R"(<objectSet><kind>modify</kind><obj type="DistributedVirtualPortgroup">)"
                         R"(dvportgroup-77</obj><changeSet><name>config.defaultPortConfig</name>)"
                         R"(<op>assign</op><val xsi:type="VMwareDVSPortSetting"><blocked>)"
                         R"(<inherited>false</inherited><value>false</value></blocked>)") +
                 std::string(spec) + "</val></changeSet></objectSet>");
    return value_of<PortgroupVlan>(find_update(updates(body), "dvportgroup-77"),
                                   Path::kDefaultPortConfig);
  };
  CHECK(vlan(R"(<vlan xsi:type="VmwareDistributedVirtualSwitchTrunkVlanSpec">)"
             R"(<inherited>false</inherited><vlanId><start>100</start><end>199</end></vlanId>)"
             R"(<vlanId><start>300</start><end>300</end></vlanId></vlan>)") ==
        PortgroupVlan{VlanMode::kTrunk, VlanSet::parse("100-199,300")});
  CHECK(
      vlan(
          R"(<vlan xsi:type="VmwareDistributedVirtualSwitchTrunkVlanSpec">)"
          R"(<inherited>false</inherited><vlanId><start>0</start><end>10</end></vlanId></vlan>)") ==
      PortgroupVlan{VlanMode::kTrunk, VlanSet::parse("1-10")});
  CHECK(vlan(R"(<vlan xsi:type="VmwareDistributedVirtualSwitchPvlanSpec">)"
             R"(<inherited>false</inherited><pvlanId>201</pvlanId></vlan>)") ==
        PortgroupVlan{VlanMode::kPrivate, VlanSet::of({201})});
  CHECK(vlan(R"(<vlan xsi:type="VmwareDistributedVirtualSwitchVlanIdSpec">)"
             R"(<inherited>false</inherited><vlanId>4094</vlanId></vlan>)") ==
        PortgroupVlan{VlanMode::kVlan, VlanSet::of({4094})});
  CHECK(vlan("") == PortgroupVlan{});
  CHECK_THROWS_WITH(vlan(R"(<vlan xsi:type="VmwareDistributedVirtualSwitchVlanIdSpec">)"
                         R"(<vlanId>4095</vlanId></vlan>)"),
                    "vCenter WaitForUpdatesEx response: dvportgroup-77 config.defaultPortConfig: "
                    "vlanId: 4095 is outside 0-4094");
  CHECK_THROWS_AS(vlan(R"(<vlan xsi:type="VmwareDistributedVirtualSwitchTrunkVlanSpec">)"
                       R"(<vlanId><start>20</start><end>10</end></vlanId></vlan>)"),
                  ResponseError);
}

TEST_CASE("Standard portgroup VLAN ids: 0 untagged, 4095 every VLAN") {
  const UpdateSet set = updates(wait_response("5", R"(
    <objectSet><kind>modify</kind><obj type="HostSystem">host-9</obj>
      <changeSet><name>config.network.portgroup</name><op>assign</op>
        <val xsi:type="ArrayOfHostPortGroup">
          <HostPortGroup><key>k1</key><spec><name>a</name><vlanId>0</vlanId>
            <vswitchName>vSwitch0</vswitchName></spec></HostPortGroup>
          <HostPortGroup><key>k2</key><spec><name>b</name><vlanId>110</vlanId>
            <vswitchName>vSwitch1</vswitchName></spec></HostPortGroup>
          <HostPortGroup><key>k3</key><spec><name>c</name><vlanId>4095</vlanId>
            <vswitchName>vSwitch1</vswitchName></spec></HostPortGroup>
        </val></changeSet></objectSet>)"));
  CHECK(value_of<std::vector<HostPortgroupInfo>>(find_update(set, "host-9"), Path::kPortgroups) ==
        std::vector<HostPortgroupInfo>{{"a", "vSwitch0", {}},
                                       {"b", "vSwitch1", {VlanMode::kVlan, VlanSet::of({110})}},
                                       {"c", "vSwitch1", {VlanMode::kTrunk, VlanSet::all()}}});
}

TEST_CASE("Host networking of a real ESXi: proxy switches, vmknics on a DVS, opaque NICs") {
  const UpdateSet set = updates(wait_response("8", R"(
    <objectSet><kind>modify</kind><obj type="HostSystem">host-9</obj>
      <changeSet><name>config.network.proxySwitch</name><op>assign</op>
        <val xsi:type="ArrayOfHostProxySwitch"><HostProxySwitch>
          <dvsUuid>50 1a 2b 3c</dvsUuid><dvsName>dvs-prod</dvsName><key>50 1a 2b 3c</key>
          <numPorts>512</numPorts><numPortsAvailable>500</numPortsAvailable>
          <uplinkPort><key>16</key><value>uplink1</value></uplinkPort>
          <pnic>key-vim.host.PhysicalNic-vmnic2</pnic><pnic>key-vim.host.PhysicalNic-vmnic3</pnic>
          <spec><backing xsi:type="DistributedVirtualSwitchHostMemberPnicBacking"/></spec>
        </HostProxySwitch></val></changeSet>
      <changeSet><name>config.network.vnic</name><op>assign</op>
        <val xsi:type="ArrayOfHostVirtualNic"><HostVirtualNic><device>vmk1</device>
          <key>key-vim.host.VirtualNic-vmk1</key><portgroup></portgroup>
          <spec><mac>00:50:56:6a:00:01</mac><distributedVirtualPort>
            <switchUuid>50 1a 2b 3c</switchUuid><portgroupKey>dvportgroup-30</portgroupKey>
            <portKey>12</portKey><connectionCookie>77</connectionCookie>
          </distributedVirtualPort><mtu>9000</mtu></spec></HostVirtualNic></val></changeSet>
    </objectSet>
    <objectSet><kind>modify</kind><obj type="VirtualMachine">vm-5</obj>
      <changeSet><name>config.hardware.device</name><op>assign</op>
        <val xsi:type="ArrayOfVirtualDevice">
          <VirtualDevice xsi:type="VirtualVmxnet3"><key>4001</key>
            <deviceInfo xsi:type="Description"><label>Network adapter 2</label></deviceInfo>
            <backing xsi:type="VirtualEthernetCardOpaqueNetworkBackingInfo">
              <opaqueNetworkId>ls-1</opaqueNetworkId><opaqueNetworkType>nsx.LogicalSwitch</opaqueNetworkType>
            </backing><macAddress>00:50:56:aa:bb:cc</macAddress></VirtualDevice>
          <VirtualDevice xsi:type="VirtualDisk"><key>2000</key></VirtualDevice>
        </val></changeSet></objectSet>)"));
  CHECK(value_of<std::vector<ProxySwitchInfo>>(find_update(set, "host-9"), Path::kProxySwitches) ==
        std::vector<ProxySwitchInfo>{
            {"50 1a 2b 3c",
             "dvs-prod",
             {"key-vim.host.PhysicalNic-vmnic2", "key-vim.host.PhysicalNic-vmnic3"}}});
  CHECK(
      value_of<std::vector<VmkernelNicInfo>>(find_update(set, "host-9"), Path::kVmkNics) ==
      std::vector<VmkernelNicInfo>{{"vmk1", "", "00:50:56:6a:00:01", DvPortRef{"dvportgroup-30"}}});
  const auto& cards =
      value_of<std::vector<EthernetCardInfo>>(find_update(set, "vm-5"), Path::kDevices);
  REQUIRE(cards.size() == 1);
  CHECK(cards[0].backing == NicBacking::kOpaque);
  CHECK(cards[0].network == "ls-1");
  CHECK(cards[0].connected);  // no connectable: nothing to disconnect
}

TEST_CASE("Migration events on an EventHistoryCollector's latestPage") {
  const UpdateSet set = updates(wait_response("12", R"(
    <objectSet><kind>modify</kind><obj type="EventHistoryCollector">session[52b6]52e0</obj>
      <changeSet><name>latestPage</name><op>assign</op><val xsi:type="ArrayOfEvent">
        <Event xsi:type="DrsVmMigratedEvent"><key>9002</key><chainId>9001</chainId>
          <createdTime>2026-11-25T10:00:31.5Z</createdTime><userName></userName>
          <datacenter><name>DC0</name><datacenter type="Datacenter">datacenter-2</datacenter></datacenter>
          <host><name>esx2</name><host type="HostSystem">host-50</host></host>
          <vm><name>app-1</name><vm type="VirtualMachine">vm-63</vm></vm>
          <sourceHost><name>esx1</name><host type="HostSystem">host-42</host></sourceHost>
        </Event>
        <Event xsi:type="VmPoweredOffEvent"><key>9000</key><chainId>9000</chainId>
          <createdTime>2026-11-25T09:59:00Z</createdTime><userName>root</userName>
          <vm><name>app-2</name><vm type="VirtualMachine">vm-64</vm></vm></Event>
        <Event xsi:type="VmBeingHotMigratedEvent"><key>9001</key><chainId>9001</chainId>
          <createdTime>2026-11-25T10:00:00.123Z</createdTime><userName>VSPHERE.LOCAL\admin</userName>
          <host><name>esx1</name><host type="HostSystem">host-42</host></host>
          <vm><name>app-1</name><vm type="VirtualMachine">vm-63</vm></vm>
          <destHost><name>esx2</name><host type="HostSystem">host-50</host></destHost>
        </Event>
        <Event xsi:type="VmFailedMigrateEvent"><key>9003</key><chainId>9003</chainId>
          <createdTime>2026-11-25T10:01:00Z</createdTime><userName>root</userName>
          <vm><name>app-3</name><vm type="VirtualMachine">vm-65</vm></vm>
          <destHost><name>esx3</name><host type="HostSystem">host-51</host></destHost>
          <reason><fault xsi:type="Timedout"/><localizedMessage>timed out</localizedMessage></reason>
        </Event>
      </val></changeSet></objectSet>)"));
  const auto& events = value_of<std::vector<MigrationEvent>>(find_update(set, "session[52b6]52e0"),
                                                             Path::kLatestPage);
  REQUIRE(events.size() == 3);  // the power-off event is not a migration
  CHECK(events[0] == MigrationEvent{MigrationPhase::kCompleted,
                                    "DrsVmMigratedEvent",
                                    9002,
                                    "2026-11-25T10:00:31.5Z",
                                    {"VirtualMachine", "vm-63"},
                                    ObjectRef{"HostSystem", "host-50"},
                                    ObjectRef{"HostSystem", "host-42"},
                                    std::nullopt});
  CHECK(events[1].phase == MigrationPhase::kStarted);
  CHECK(events[1].dest_host == ObjectRef{"HostSystem", "host-50"});
  CHECK(events[2].phase == MigrationPhase::kFailed);
  CHECK(events[2].vm.value == "vm-65");
}

TEST_CASE("The migration event types exist in vim25") {
  // Checked against govmomi's vim25/types (0.24); VmMigrationFailedEvent does not exist there.
  CHECK(std::vector<std::string_view>(migration_event_types().begin(),
                                      migration_event_types().end()) ==
        std::vector<std::string_view>{"VmBeingHotMigratedEvent", "VmBeingMigratedEvent",
                                      "VmBeingRelocatedEvent", "VmMigratedEvent",
                                      "DrsVmMigratedEvent", "VmRelocatedEvent",
                                      "VmFailedMigrateEvent", "VmRelocateFailedEvent"});
}

// ---- faults ------------------------------------------------------------------------------------

template <class F>
SoapFault fault_of(F&& call) {
  try {
    call();
  } catch (const SoapFault& f) {
    return f;
  }
  throw std::runtime_error("no SoapFault");
}

TEST_CASE("SOAP faults become a typed SoapFault") {
  SECTION("RequestCanceled: the pending wait after CancelWaitForUpdates (vcsim)") {
    const SoapFault f =
        fault_of([] { parse_wait_for_updates(capture("20-WaitForUpdatesEx-canceled.resp.xml")); });
    CHECK(f.kind() == FaultKind::kRequestCanceled);
    CHECK(f.type() == "RequestCanceled");
    CHECK(f.fault_string().empty());
    CHECK(std::string(f.what()) == "vCenter WaitForUpdatesEx fault RequestCanceled");
  }
  SECTION("NotAuthenticated after Logout (vcsim)") {
    const SoapFault f = fault_of([] {
      parse_created("CreateContainerView",
                    capture("vmf-CreateContainerView-NotAuthenticated.resp.xml"));
    });
    CHECK(f.kind() == FaultKind::kNotAuthenticated);
  }
  SECTION("ManagedObjectNotFound names the object that is gone (vcsim)") {
    const SoapFault f = fault_of([] {
      parse_wait_for_updates(capture("vmf-WaitForUpdatesEx-collector-destroyed.resp.xml"));
    });
    CHECK(f.kind() == FaultKind::kManagedObjectNotFound);
    REQUIRE(f.object().has_value());
    CHECK(f.object()->type == "PropertyCollector");
  }
  SECTION("InvalidCollectorVersion (real vCenter)") {
    const SoapFault f = fault_of([] {
      parse_wait_for_updates(
          fault_response("InvalidCollectorVersion", "The collector version is not valid."));
    });
    CHECK(f.kind() == FaultKind::kInvalidCollectorVersion);
    CHECK(f.fault_string() == "The collector version is not valid.");
    CHECK(std::string(f.what()) ==
          "vCenter WaitForUpdatesEx fault InvalidCollectorVersion: The "
          "collector version is not valid.");
  }
  SECTION("InvalidLogin, InvalidProperty and the rest") {
    CHECK(fault_of([] {
            parse_login(
                fault_response("InvalidLogin",
                               "Cannot complete login due to an incorrect user name or password."));
          }).kind() == FaultKind::kInvalidLogin);
    CHECK(fault_of([] {
            parse_created("CreateFilter",
                          fault_response("InvalidProperty", "", "<name>config.uplink</name>"));
          }).kind() == FaultKind::kInvalidProperty);
    const SoapFault other = fault_of(
        [] { parse_network_hint(fault_response("HostNotConnected", "Host is not connected.")); });
    CHECK(other.kind() == FaultKind::kOther);
    CHECK(other.type() == "HostNotConnected");
  }
  SECTION("A fault without detail is named by its faultcode") {
    const SoapFault f = fault_of([] {
      parse_empty("Logout", envelope("<soapenv:Fault><faultcode>soapenv:Server</faultcode>"
                                     "<faultstring>internal error</faultstring></soapenv:Fault>"));
    });
    CHECK(f.kind() == FaultKind::kOther);
    CHECK(f.type() == "Server");
  }
}

// ---- refresh, keep-alive, network hints --------------------------------------------------------

TEST_CASE("A refresh replaces the object, or reports it gone") {
  SECTION("vcsim's answer for a host") {
    const ObjectRef host{"HostSystem", "host-34"};
    const UpdateSet set = parse_refresh(host, capture("vmf-refresh-host-34.resp.xml"));
    const ObjectUpdate& u = find_update(set, "host-34");
    CHECK(u.kind == UpdateKind::kEnter);
    CHECK(u.changes.size() == paths_of(ObjectKind::kHost).size());
    CHECK(value_of<std::string>(u, Path::kName) == "DC0_C0_H0");
    CHECK(value_of<std::vector<PhysicalNicInfo>>(u, Path::kPnics).size() == 2);
  }
  SECTION("another property list: only what was returned") {
    const UpdateSet host = parse_refresh({"HostSystem", "host-34"},
                                         capture("19-RetrievePropertiesEx-verify.resp.xml"));
    CHECK(find_update(host, "host-34").changes.size() == 2);
    const UpdateSet pg = parse_refresh({"DistributedVirtualPortgroup", "dvportgroup-73"},
                                       capture("19-RetrievePropertiesEx-verify.resp.xml"));
    // The trunk vcsim applied without sending an update (capture 12).
    CHECK(value_of<PortgroupVlan>(find_update(pg, "dvportgroup-73"), Path::kDefaultPortConfig) ==
          PortgroupVlan{VlanMode::kTrunk, VlanSet::parse("100-199")});
  }
  SECTION("a deleted object: ManagedObjectNotFound naming it (vcsim), or no content") {
    const ObjectRef vm{"VirtualMachine", "vm-999"};
    CHECK(find_update(parse_refresh(vm, capture("vmf-refresh-gone-vm-999.resp.xml")), "vm-999")
              .kind == UpdateKind::kLeave);
    CHECK(find_update(parse_refresh(vm, envelope(R"(<RetrievePropertiesExResponse )"
                                                 R"(xmlns="urn:vim25"/>)")),
                      "vm-999")
              .kind == UpdateKind::kLeave);
  }
  SECTION("ManagedObjectNotFound of something else stays a fault") {
    CHECK_THROWS_AS(
        parse_refresh({"VirtualMachine", "vm-1"},
                      fault_response("ManagedObjectNotFound", "",
                                     R"(<obj type="PropertyCollector">session[1]2</obj>)")),
        SoapFault);
  }
}

TEST_CASE("An event collector's latestPage read on demand") {
  const ObjectRef collector{"EventHistoryCollector", "session[52b6]5301"};
  auto response = [](const std::string& objects) {
    return envelope(R"(<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>)" + objects +
                    "</returnval></RetrievePropertiesExResponse>");
  };
  const std::string event =
      R"(<Event xsi:type="VmBeingHotMigratedEvent"><key>8</key><chainId>8</chainId>)"
      R"(<createdTime>2026-11-25T10:00:00Z</createdTime><userName>u</userName><vm><name>x</name>)"
      R"(<vm type="VirtualMachine">vm-66</vm></vm><destHost><name>h</name>)"
      R"(<host type="HostSystem">host-42</host></destHost></Event>)";
  SECTION("its events") {
    const std::vector<MigrationEvent> page = parse_latest_page(
        collector, response(R"(<objects><obj type="EventHistoryCollector">session[52b6]5301</obj>)"
                            R"(<propSet><name>latestPage</name><val xsi:type="ArrayOfEvent">)" +
                            event + "</val></propSet></objects>"));
    REQUIRE(page.size() == 1);
    CHECK(page[0].key == 8);
    CHECK(page[0].phase == MigrationPhase::kStarted);
    CHECK(page[0].vm == ObjectRef{"VirtualMachine", "vm-66"});
    CHECK(page[0].dest_host == ObjectRef{"HostSystem", "host-42"});
  }
  SECTION("an empty page") {
    CHECK(parse_latest_page(collector, response(R"(<objects><obj type="EventHistoryCollector">)"
                                                R"(session[52b6]5301</obj></objects>)"))
              .empty());
  }
  SECTION("the collector missing from the result") {
    CHECK_THROWS_WITH(parse_latest_page(collector, response("")),
                      Catch::Contains("no event collector session[52b6]5301"));
  }
}

TEST_CASE("Keep-alive tells whether the session is still logged in") {
  CHECK(parse_keep_alive(capture("vmf-keep-alive.resp.xml")));
  CHECK_FALSE(parse_keep_alive(capture("vmf-keep-alive-logged-out.resp.xml")));
  CHECK_THROWS_AS(parse_keep_alive(fault_response("NotAuthenticated", "")), SoapFault);
}

TEST_CASE("QueryNetworkHint: devices only from vcsim, CDP and LLDP from a real host") {
  CHECK(parse_network_hint(capture("vmf-QueryNetworkHint.resp.xml")) ==
        std::vector<PnicHint>{{"vmnic0", std::nullopt, std::nullopt},
                              {"vmnic1", std::nullopt, std::nullopt}});
  const std::vector<PnicHint> hints = parse_network_hint(envelope(R"(
    <QueryNetworkHintResponse xmlns="urn:vim25">
      <returnval><device>vmnic0</device>
        <subnet><ipSubnet>10.0.0.0</ipSubnet><vlanId>0</vlanId></subnet>
        <connectedSwitchPort><cdpVersion>2</cdpVersion><timeout>0</timeout><ttl>171</ttl>
          <samples>12</samples><devId>leaf1.lab.local</devId><address>10.0.0.11</address>
          <portId>Ethernet7</portId><hardwarePlatform>DCS-7050SX3</hardwarePlatform>
          <vlan>1</vlan><fullDuplex>true</fullDuplex><mtu>9214</mtu><systemName>leaf1</systemName>
        </connectedSwitchPort></returnval>
      <returnval><device>vmnic1</device>
        <lldpInfo><chassisId>00:1c:73:aa:bb:01</chassisId><portId>Ethernet8</portId>
          <timeToLive>120</timeToLive>
          <parameter><key>Port Description</key><value xsi:type="xsd:string">Ethernet8</value></parameter>
          <parameter><key>System Name</key><value xsi:type="xsd:string">leaf2</value></parameter>
        </lldpInfo></returnval>
    </QueryNetworkHintResponse>)"));
  CHECK(hints ==
        std::vector<PnicHint>{
            {"vmnic0", std::nullopt, NeighborHint{"leaf1.lab.local", "Ethernet7", ""}},
            {"vmnic1", NeighborHint{"00:1c:73:aa:bb:01", "Ethernet8", "leaf2"}, std::nullopt}});
}

// ---- unusable bodies ---------------------------------------------------------------------------

TEST_CASE("Unusable bodies throw a ResponseError naming the call and the problem") {
  const auto message = [](std::string body) -> std::string {
    try {
      parse_wait_for_updates(std::move(body));
    } catch (const ResponseError& e) {
      return e.what();
    }
    return "no ResponseError";
  };
  CHECK(message("") == "vCenter WaitForUpdatesEx response: empty body");
  CHECK_THAT(message("garbage"),
             Catch::StartsWith("vCenter WaitForUpdatesEx response: malformed XML at byte"));
  CHECK(message("<html><body>401 Unauthorized</body></html>") ==
        "vCenter WaitForUpdatesEx response: not a SOAP envelope (root element \"html\")");
  const std::string full = capture("07-Wait-after-Relocate.resp.xml");
  CHECK_THAT(message(full.substr(0, full.size() / 2)), Catch::Contains("malformed XML"));
  CHECK(message(envelope("")) ==
        "vCenter WaitForUpdatesEx response: expected WaitForUpdatesExResponse, got an empty Body");
  CHECK(message(wait_response("1", R"(<objectSet><kind>modify</kind>)"
                                   R"(<obj type="VirtualMachine">vm-1</obj><changeSet>)"
                                   R"(<name>runtime.powerState</name><op>assign</op>)"
                                   R"(<val xsi:type="VirtualMachinePowerState">on</val>)"
                                   R"(</changeSet></objectSet>)")) ==
        "vCenter WaitForUpdatesEx response: vm-1 runtime.powerState: unknown power state \"on\"");
  CHECK(message(wait_response("1", R"(<objectSet><kind>modify</kind>)"
                                   R"(<obj type="HostSystem">host-1</obj><changeSet>)"
                                   R"(<name>config.network.pnic</name><op>assign</op>)"
                                   R"(<val><PhysicalNic><mac>m</mac></PhysicalNic></val>)"
                                   R"(</changeSet></objectSet>)")) ==
        "vCenter WaitForUpdatesEx response: host-1 config.network.pnic: PhysicalNic has no device");
  CHECK(message(wait_response("1", R"(<objectSet><kind>sideways</kind>)"
                                   R"(<obj type="HostSystem">host-1</obj></objectSet>)")) ==
        "vCenter WaitForUpdatesEx response: host-1 unknown update kind \"sideways\"");
}

// ---- requests ----------------------------------------------------------------------------------

// The request parsed back: its method element, after checking the envelope.
struct Parsed {
  pugi::xml_document doc;
  pugi::xml_node method;
};

std::unique_ptr<Parsed> parse_request(const std::string& body, const char* method,
                                      const ObjectRef& self) {
  auto p = std::make_unique<Parsed>();
  REQUIRE(p->doc.load_string(body.c_str()));
  const pugi::xml_node envelope = p->doc.child("soapenv:Envelope");
  REQUIRE(std::string(envelope.attribute("xmlns:xsi").value()) ==
          "http://www.w3.org/2001/XMLSchema-instance");
  p->method = envelope.child("soapenv:Body").child(method);
  REQUIRE(p->method);
  CHECK(std::string(p->method.attribute("xmlns").value()) == "urn:vim25");
  const pugi::xml_node self_node = p->method.first_child();
  CHECK(std::string(self_node.name()) == "_this");
  CHECK(ObjectRef{self_node.attribute("type").value(), self_node.child_value()} == self);
  return p;
}

std::vector<std::string> child_names(pugi::xml_node node) {
  std::vector<std::string> names;
  for (const pugi::xml_node c : node.children()) names.emplace_back(c.name());
  return names;
}

std::vector<std::string> texts(pugi::xml_node node, const char* name) {
  std::vector<std::string> out;
  for (const pugi::xml_node c : node.children(name)) out.emplace_back(c.child_value());
  return out;
}

TEST_CASE("Login escapes the user and password and puts the password in the body only") {
  const ObjectRef sm{"SessionManager", "SessionManager"};
  const std::string body = build_login(sm, R"(svc<&>@vsphere.local)", Secret(R"(p&w<d>"x'y)"));
  const auto p = parse_request(body, "Login", sm);
  CHECK(child_names(p->method) == std::vector<std::string>{"_this", "userName", "password"});
  CHECK(std::string(p->method.child_value("userName")) == "svc<&>@vsphere.local");
  CHECK(std::string(p->method.child_value("password")) == R"(p&w<d>"x'y)");
  CHECK(body.find("p&amp;w&lt;d&gt;&quot;x&apos;y") != std::string::npos);
}

TEST_CASE("Requests name the object they act on and keep the WSDL order") {
  const ObjectRef view{"ContainerView", "session[52b6]52aa"};
  SECTION("RetrieveServiceContent") {
    parse_request(build_retrieve_service_content(), "RetrieveServiceContent",
                  {"ServiceInstance", "ServiceInstance"});
  }
  SECTION("Logout, CreatePropertyCollector, CancelWaitForUpdates, Destroy(Property)Collector") {
    const ObjectRef sm{"SessionManager", "SessionManager"};
    CHECK(child_names(parse_request(build_logout(sm), "Logout", sm)->method).size() == 1);
    const ObjectRef pc{"PropertyCollector", "propertyCollector"};
    parse_request(build_create_property_collector(pc), "CreatePropertyCollector", pc);
    parse_request(build_cancel_wait_for_updates(kCollector), "CancelWaitForUpdates", kCollector);
    parse_request(build_destroy_property_collector(kCollector), "DestroyPropertyCollector",
                  kCollector);
    const ObjectRef events{"EventHistoryCollector", "session[52b6]5301"};
    parse_request(build_destroy_collector(events), "DestroyCollector", events);
  }
  SECTION("CreateContainerView: the followed types, recursively from the root folder") {
    const ObjectRef vm{"ViewManager", "ViewManager"};
    const auto p = parse_request(build_create_container_view(vm, {"Folder", "group-d1"}),
                                 "CreateContainerView", vm);
    CHECK(child_names(p->method) == std::vector<std::string>{"_this", "container", "type", "type",
                                                             "type", "type", "type", "recursive"});
    CHECK(std::string(p->method.child("container").attribute("type").value()) == "Folder");
    CHECK(texts(p->method, "type") ==
          std::vector<std::string>{"ClusterComputeResource", "HostSystem", "VirtualMachine",
                                   "DistributedVirtualSwitch", "DistributedVirtualPortgroup"});
    CHECK(std::string(p->method.child_value("recursive")) == "true");
  }
  SECTION("WaitForUpdatesEx") {
    const auto p = parse_request(build_wait_for_updates(kCollector, "17_3", {300, 500}),
                                 "WaitForUpdatesEx", kCollector);
    CHECK(child_names(p->method) == std::vector<std::string>{"_this", "version", "options"});
    CHECK(std::string(p->method.child_value("version")) == "17_3");
    CHECK(child_names(p->method.child("options")) ==
          std::vector<std::string>{"maxWaitSeconds", "maxObjectUpdates"});
    CHECK(std::string(p->method.child("options").child_value("maxWaitSeconds")) == "300");
    CHECK(std::string(p->method.child("options").child_value("maxObjectUpdates")) == "500");
  }
  SECTION("CreateCollectorForEvents filters on the migration events") {
    const ObjectRef em{"EventManager", "EventManager"};
    const auto p =
        parse_request(build_create_collector_for_events(em), "CreateCollectorForEvents", em);
    const pugi::xml_node filter = p->method.child("filter");
    CHECK(child_names(filter).front() == "disableFullMessage");
    const auto ids = texts(filter, "eventTypeId");
    CHECK(ids ==
          std::vector<std::string>(migration_event_types().begin(), migration_event_types().end()));
  }
  SECTION("SetCollectorPageSize asks for the largest page") {
    const ObjectRef c{"EventHistoryCollector", "session[1]event"};
    const auto p = parse_request(build_set_collector_page_size(c, 1000), "SetCollectorPageSize", c);
    CHECK(child_names(p->method) == std::vector<std::string>{"_this", "maxCount"});
    CHECK(std::string(p->method.child_value("maxCount")) == "1000");
  }
  SECTION("QueryNetworkHint asks for every pnic") {
    const ObjectRef ns{"HostNetworkSystem", "networkSystem-21"};
    CHECK(child_names(parse_request(build_query_network_hint(ns), "QueryNetworkHint", ns)->method)
              .size() == 1);
  }
  SECTION("Keep-alive reads SessionManager.currentSession") {
    const ObjectRef pc{"PropertyCollector", "propertyCollector"};
    const ObjectRef sm{"SessionManager", "SessionManager"};
    const auto p = parse_request(build_keep_alive(pc, sm), "RetrievePropertiesEx", pc);
    const pugi::xml_node spec = p->method.child("specSet");
    CHECK(child_names(p->method) == std::vector<std::string>{"_this", "specSet", "options"});
    CHECK(child_names(spec.child("propSet")) == std::vector<std::string>{"type", "all", "pathSet"});
    CHECK(texts(spec.child("propSet"), "pathSet") == std::vector<std::string>{"currentSession"});
    CHECK(std::string(spec.child("objectSet").child_value("obj")) == "SessionManager");
  }
  SECTION("Refresh reads every path of the object's kind") {
    const ObjectRef dvs{"VmwareDistributedVirtualSwitch", "dvs-30"};
    const auto p =
        parse_request(build_refresh(kCollector, dvs), "RetrievePropertiesEx", kCollector);
    const pugi::xml_node prop = p->method.child("specSet").child("propSet");
    CHECK(std::string(prop.child_value("type")) == "VmwareDistributedVirtualSwitch");
    CHECK(texts(prop, "pathSet") ==
          std::vector<std::string>{"name", "uuid", "config.uplinkPortgroup"});
  }
}

TEST_CASE("CreateFilter requests exactly vmfabric's paths over the view and the event page") {
  const ObjectRef events{"EventHistoryCollector", "session[52b6]52e0"};
  const auto p = parse_request(build_create_filter(kCollector, {"ContainerView", "v1"}, events),
                               "CreateFilter", kCollector);
  CHECK(child_names(p->method) == std::vector<std::string>{"_this", "spec", "partialUpdates"});
  CHECK(std::string(p->method.child_value("partialUpdates")) == "false");
  const pugi::xml_node spec = p->method.child("spec");
  CHECK(child_names(spec) == std::vector<std::string>{"propSet", "propSet", "propSet", "propSet",
                                                      "propSet", "propSet", "objectSet",
                                                      "objectSet"});
  std::map<std::string, std::vector<std::string>> paths;
  for (const pugi::xml_node prop : spec.children("propSet")) {
    CHECK(child_names(prop).at(0) == "type");
    CHECK(child_names(prop).at(1) == "all");
    CHECK(std::string(prop.child_value("all")) == "false");
    paths[prop.child_value("type")] = texts(prop, "pathSet");
  }
  CHECK(paths ==
        std::map<std::string, std::vector<std::string>>{
            {"ClusterComputeResource", {"name"}},
            {"HostSystem",
             {"name", "parent", "runtime.connectionState", "runtime.inMaintenanceMode",
              "summary.hardware.vendor", "summary.hardware.model", "summary.hardware.cpuModel",
              "summary.hardware.numCpuCores", "config.product.version", "config.product.build",
              "config.network.pnic", "config.network.vswitch", "config.network.portgroup",
              "config.network.proxySwitch", "config.network.vnic",
              "config.virtualNicManagerInfo.netConfig", "configManager.networkSystem"}},
            {"VirtualMachine",
             {"name", "config.template", "runtime.powerState", "runtime.host",
              "config.hardware.device"}},
            {"DistributedVirtualSwitch", {"name", "uuid", "config.uplinkPortgroup"}},
            {"DistributedVirtualPortgroup",
             {"name", "key", "config.distributedVirtualSwitch", "config.defaultPortConfig"}},
            {"EventHistoryCollector", {"latestPage"}}});

  const pugi::xml_node view_set = spec.child("objectSet");
  CHECK(child_names(view_set) == std::vector<std::string>{"obj", "skip", "selectSet"});
  CHECK(std::string(view_set.child_value("skip")) == "true");
  const pugi::xml_node traversal = view_set.child("selectSet");
  CHECK(std::string(traversal.attribute("xsi:type").value()) == "TraversalSpec");
  CHECK(child_names(traversal) == std::vector<std::string>{"name", "type", "path", "skip"});
  CHECK(std::string(traversal.child_value("path")) == "view");
  const pugi::xml_node event_set = view_set.next_sibling("objectSet");
  CHECK(std::string(event_set.child_value("obj")) == "session[52b6]52e0");
  CHECK(std::string(event_set.child_value("skip")) == "false");

  // Without an event collector: the view alone.
  const auto q = parse_request(build_create_filter(kCollector, {"ContainerView", "v1"}, {}),
                               "CreateFilter", kCollector);
  CHECK(child_names(q->method.child("spec")) == std::vector<std::string>{"propSet", "propSet",
                                                                         "propSet", "propSet",
                                                                         "propSet", "objectSet"});
}

TEST_CASE("CreateFilter is byte for byte the request vcsim accepted for capture vmf-06") {
  const std::string session = "session[2a0eb5ed-6360-4287-84df-19095c9c96d1]";
  CHECK(build_create_filter(
            {"PropertyCollector", session + "ccf74098-78f2-4aaa-b1e7-c044c4aff08e"},
            {"ContainerView", session + "c12bf8da-3b36-4bb4-b9cd-ebbcb279441f"},
            ObjectRef{"EventHistoryCollector", session + "c3f2a0ac-dc77-4902-b7a4-9b503fc0acbf"}) ==
        capture("vmf-05-CreateFilter.req.xml"));
}

}  // namespace
}  // namespace vmfabric::vcenter
