#include "vcenter/inventory.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "vsphere_fixture.h"

namespace vmfabric::vcenter {
namespace {

using testing::capture;
using testing::wait_response;

std::string render(const PortgroupVlan& vlan) {
  switch (vlan.mode) {
    case VlanMode::kUntagged:
      return "untagged";
    case VlanMode::kVlan:
      return "vlan " + vlan.vlans.to_string();
    case VlanMode::kTrunk:
      return "trunk " + vlan.vlans.to_string();
    case VlanMode::kPrivate:
      return "private " + vlan.vlans.to_string();
  }
  return "?";
}

std::string render(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string render(const std::optional<NeighborHint>& hint) {
  return hint ? hint->chassis_id + "/" + hint->port_id + "/" + hint->system_name : "-";
}

// The vSphere side of the graph, one line per entity, in the graph's order.
std::string render(const Snapshot& s) {
  std::ostringstream out;
  for (const Cluster& c : s.all<Cluster>())
    out << "cluster " << c.id.moref << " " << c.name << "\n";
  for (const Host& h : s.all<Host>()) {
    out << "host " << h.id.moref << " " << h.name
        << " cluster=" << (h.cluster ? h.cluster->moref : "-") << " "
        << static_cast<int>(h.connection) << (h.maintenance ? " maintenance" : "") << " "
        << h.vendor << "|" << h.model << "|" << h.cpu_model << "|" << h.cpu_cores << " esx "
        << h.esx_version << "-" << h.esx_build << "\n";
  }
  for (const Pnic& p : s.all<Pnic>()) {
    out << "pnic " << p.id.host.moref << "/" << p.id.name << " " << p.mac << " " << p.speed_mbps
        << " lldp=" << render(p.lldp) << " cdp=" << render(p.cdp) << "\n";
  }
  for (const VSwitch& v : s.all<VSwitch>()) {
    out << "vswitch " << v.id.host.moref << "/" << v.id.name << " "
        << (v.kind == VSwitchKind::kStandard ? "standard" : "distributed")
        << " dvs=" << (v.dvs ? v.dvs->moref : "-") << " uplinks=" << render(v.uplinks) << "\n";
  }
  for (const StandardPortgroup& p : s.all<StandardPortgroup>()) {
    out << "portgroup " << p.id.host.moref << "/" << p.id.name << " " << p.vswitch << " "
        << render(p.vlan) << "\n";
  }
  for (const VmkNic& v : s.all<VmkNic>()) {
    out << "vmknic " << v.id.host.moref << "/" << v.id.name << " " << v.mac << " pg=" << v.portgroup
        << " dvpg=" << (v.dv_portgroup ? v.dv_portgroup->moref : "-") << " services=";
    for (const VmkService service : v.services) out << static_cast<int>(service);
    out << "\n";
  }
  for (const DistributedSwitch& d : s.all<DistributedSwitch>()) {
    out << "dvs " << d.id.moref << " " << d.name << " " << d.uuid << "\n";
  }
  for (const DvPortgroup& p : s.all<DvPortgroup>()) {
    out << "dvportgroup " << p.id.moref << " " << p.name << " dvs=" << p.dvs.moref << " "
        << render(p.vlan) << (p.uplink ? " uplink" : "") << "\n";
  }
  for (const Vm& v : s.all<Vm>()) {
    out << "vm " << v.id.moref << " " << v.name << " " << static_cast<int>(v.power)
        << " host=" << (v.host ? v.host->moref : "-")
        << (v.migrating_to ? " migrating_to=" + v.migrating_to->moref : "") << "\n";
  }
  for (const VmNic& n : s.all<VmNic>()) {
    out << "vmnic " << n.id.vm.moref << "/" << n.id.key << " " << n.label << " " << n.mac
        << " std=" << n.backing.standard_portgroup
        << " dvpg=" << (n.backing.dv_portgroup ? n.backing.dv_portgroup->moref : "-")
        << (n.connected ? "" : " disconnected") << "\n";
  }
  return out.str();
}

std::string render(const GraphChanges& changes) {
  std::string out;
  for (const Change& c : changes.changes) {
    static const char* const kTypes[] = {"added", "modified", "removed"};
    out += std::string(out.empty() ? "" : "; ") + kTypes[static_cast<int>(c.type)] + " " +
           to_string(kind_of(c.key)) + " " + to_string(c.key);
  }
  return out;
}

// An Inventory feeding a real Graph, as the session does: the VCenter entity first.
struct Connector {
  Connector() {
    Delta d;
    d.upsert(VCenter{vc, "https://vc1/sdk", "uuid-1", SessionState::kConnected, false, 0, ""});
    graph.apply(d);
  }
  GraphChanges apply(const Delta& delta) { return graph.apply(delta); }
  GraphChanges wait(std::string body) {
    auto set = parse_wait_for_updates(std::move(body));
    REQUIRE(set.has_value());
    return graph.apply(inventory.apply(*set));
  }
  GraphChanges replay(const std::string& name) { return wait(capture(name)); }
  const Snapshot& state() const { return graph.current(); }

  VCenterId vc{"vc1"};
  Inventory inventory{vc};
  Graph graph;
};

// The 2 pnics of a vcsim default host: the same MACs on every host.
std::string vcsim_pnics(const std::string& moref) {
  return "pnic " + moref + "/vmnic0 00:0c:29:81:d8:a0 10000 lldp=- cdp=-\n" + "pnic " + moref +
         "/vmnic1 00:0c:29:81:d8:aa 10000 lldp=- cdp=-\n";
}

constexpr const char* kHostFacts =
    " 0 VMware, Inc.|VMware Virtual Platform|Intel(R) Core(TM) i7-3615QM CPU @ 2.30GHz|2 esx "
    "6.5.0-5969303\n";

std::string vcsim_inventory() {
  std::string out = "cluster clustercomputeresource-27 DC0_C0\n";
  out += std::string("host host-21 DC0_H0 cluster=-") + kHostFacts;
  out += std::string("host host-34 DC0_C0_H0 cluster=clustercomputeresource-27") + kHostFacts;
  out += std::string("host host-42 DC0_C0_H1 cluster=clustercomputeresource-27") + kHostFacts;
  out += std::string("host host-50 DC0_C0_H2 cluster=clustercomputeresource-27") + kHostFacts;
  const std::string hosts[] = {"host-21", "host-34", "host-42", "host-50"};
  for (const std::string& h : hosts) out += vcsim_pnics(h);
  for (const std::string& h : hosts) {
    out += "vswitch " + h + "/vSwitch0 standard dvs=- uplinks=vmnic0\n";
  }
  for (const std::string& h : hosts) {
    out += "portgroup " + h + "/Management Network vSwitch0 untagged\n";
    out += "portgroup " + h + "/VM Network vSwitch0 untagged\n";
  }
  for (const std::string& h : hosts) {
    out += "vmknic " + h + "/vmk0 00:0c:29:81:d8:a0 pg=Management Network dvpg=- services=0\n";
  }
  out +=
      "dvs dvs-9 DVS0 fea97929-4b2d-5972-b146-930c6d0b4014\n"
      "dvportgroup dvportgroup-11 DVS0-DVUplinks-9 dvs=dvs-9 trunk ALL\n"
      "dvportgroup dvportgroup-13 DC0_DVPG0 dvs=dvs-9 untagged\n"
      "vm vm-57 DC0_H0_VM0 1 host=host-21\n"
      "vm vm-60 DC0_H0_VM1 1 host=host-21\n"
      "vm vm-63 DC0_C0_RP0_VM0 1 host=host-42\n"
      "vm vm-66 DC0_C0_RP0_VM1 1 host=host-34\n"
      "vmnic vm-57/4000 ethernet-0 00:0c:29:36:63:62 std= dvpg=dvportgroup-13 disconnected\n"
      "vmnic vm-60/4000 ethernet-0 00:0c:29:36:63:62 std= dvpg=dvportgroup-13 disconnected\n"
      "vmnic vm-63/4000 ethernet-0 00:0c:29:33:34:38 std= dvpg=dvportgroup-13 disconnected\n"
      "vmnic vm-66/4000 ethernet-0 00:0c:29:33:34:38 std= dvpg=dvportgroup-13 disconnected\n";
  return out;
}

std::string modify(std::string_view type, std::string_view moref, std::string_view changes) {
  return std::string("<objectSet><kind>modify</kind><obj type=\"") + std::string(type) + "\">" +
         std::string(moref) + "</obj>" + std::string(changes) + "</objectSet>";
}

std::string enter(std::string_view type, std::string_view moref, std::string_view changes) {
  std::string s = modify(type, moref, changes);
  s.replace(s.find("modify"), 6, "enter");
  return s;
}

std::string assign(std::string_view path, std::string_view val) {
  return std::string("<changeSet><name>") + std::string(path) + "</name><op>assign</op>" +
         std::string(val) + "</changeSet>";
}

const std::string kDvs0Uuid = "fea97929-4b2d-5972-b146-930c6d0b4014";

TEST_CASE("The initial sync gives exactly the simulator's default inventory") {
  Connector c;
  const GraphChanges changes = c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  CHECK(render(c.state()) == vcsim_inventory());
  CHECK(std::all_of(changes.changes.begin(), changes.changes.end(),
                    [](const Change& ch) { return ch.type == ChangeType::kAdded; }));
  CHECK(c.inventory.object_count() == 12);  // the event collector is not an inventory object
}

TEST_CASE("The reference capture, taken with another property list, gives the same VMs") {
  Connector c;
  c.replay("06-WaitForUpdatesEx-initial.resp.xml");
  const Snapshot& s = c.state();
  CHECK(s.count<Host>() == 4);
  CHECK(s.count<Pnic>() == 8);
  CHECK(s.count<StandardPortgroup>() == 8);
  CHECK(s.count<VmkNic>() == 0);  // config.network.vnic was not requested
  CHECK(s.count<DvPortgroup>() == 2);
  CHECK(s.count<Vm>() == 4);
  CHECK(s.count<VmNic>() == 4);
  CHECK(s.find<Host>({c.vc, "host-21"})->vendor.empty());
}

TEST_CASE("The DVS's uplink portgroup is flagged once the DVS lists it") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  // vcsim leaves config.uplinkPortgroup empty; vCenter fills it in.
  const GraphChanges changes = c.wait(wait_response(
      "2", modify("DistributedVirtualSwitch", "dvs-9",
                  assign("config.uplinkPortgroup",
                         R"(<val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference )"
                         R"(type="DistributedVirtualPortgroup">dvportgroup-11)"
                         R"(</ManagedObjectReference></val>)"))));
  CHECK(render(changes) == "modified dv_portgroup vc1/dvportgroup-11");
  CHECK(c.state().find<DvPortgroup>({c.vc, "dvportgroup-11"})->uplink);
  CHECK_FALSE(c.state().find<DvPortgroup>({c.vc, "dvportgroup-13"})->uplink);
}

TEST_CASE("Simulator changes reach the graph as exactly the entities they change") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  const VmId vm63{c.vc, "vm-63"};

  CHECK(render(c.replay("07-Wait-after-Relocate.resp.xml")) == "modified vm vc1/vm-63");
  CHECK(c.state().find<Vm>(vm63)->host == HostId{c.vc, "host-50"});

  CHECK(render(c.replay("08-Wait-after-PowerOff.resp.xml")) == "modified vm vc1/vm-63");
  CHECK(c.state().find<Vm>(vm63)->power == PowerState::kPoweredOff);

  CHECK(render(c.replay("09-Wait-after-ReconfigNicToStdPG.resp.xml")) ==
        "modified vm_nic vc1/vm-63/4000");
  const VmNic* nic = c.state().find<VmNic>({vm63, 4000});
  CHECK(nic->backing == VmNicBacking{"VM Network", std::nullopt});
  CHECK(nic->mac == "00:0c:29:33:34:38");

  CHECK(c.replay("10-Wait-after-AddPortGroup.resp.xml").empty());  // a Network: not followed

  CHECK(render(c.replay("11-Wait-after-AddDVPortgroup.resp.xml")) ==
        "added dv_portgroup vc1/dvportgroup-73");
  CHECK(c.state().find<DvPortgroup>({c.vc, "dvportgroup-73"})->vlan ==
        PortgroupVlan{VlanMode::kVlan, VlanSet::of({200})});

  // vcsim's CreateVM_Task gave the VM no NIC.
  CHECK(render(c.replay("13-Wait-after-CreateVM.resp.xml")) == "added vm vc1/vm-76");
  CHECK(c.state().find<Vm>({c.vc, "vm-76"})->name == "NEWVM1");
  CHECK(render(c.replay("14-Wait-after-Destroy.resp.xml")) == "removed vm vc1/vm-76");
  // The same leave for a VM with a NIC takes the NIC along.
  std::string destroy = capture("14-Wait-after-Destroy.resp.xml");
  destroy.replace(destroy.find(">vm-76<"), 7, ">vm-66<");
  CHECK(render(c.wait(destroy)) == "removed vm vc1/vm-66; removed vm_nic vc1/vm-66/4000");
}

TEST_CASE("A pnic that leaves a host's array is removed; the rest is unchanged") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  const GraphChanges changes = c.wait(wait_response(
      "3", modify("HostSystem", "host-21",
                  assign("config.network.pnic",
                         R"(<val xsi:type="ArrayOfPhysicalNic"><PhysicalNic>)"
                         R"(<key>key-vim.host.PhysicalNic-vmnic0</key><device>vmnic0</device>)"
                         R"(<pci>0000:0b:00.0</pci><linkSpeed><speedMb>10000</speedMb>)"
                         R"(<duplex>true</duplex></linkSpeed><mac>00:0c:29:81:d8:a0</mac>)"
                         R"(</PhysicalNic></val>)"))));
  CHECK(render(changes) == "removed pnic vc1/host-21/vmnic1");
}

TEST_CASE("A removed property is unset: a host whose vnic list goes loses its vmknics") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  const GraphChanges changes = c.wait(wait_response(
      "4", modify("HostSystem", "host-34",
                  "<changeSet><name>config.network.vnic</name><op>indirectRemove</op></changeSet>"
                  "<changeSet><name>summary.hardware.vendor</name><op>assign</op></changeSet>")));
  CHECK(render(changes) == "modified host vc1/host-34; removed vmknic vc1/host-34/vmk0");
  CHECK(c.state().find<Host>({c.vc, "host-34"})->vendor.empty());
}

TEST_CASE("Resync: unchanged objects change nothing, vanished ones are removed") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");

  c.inventory.begin_resync();
  CHECK(c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml").empty());
  CHECK(c.apply(c.inventory.finish_resync()).empty());

  // The next session's snapshot lacks vm-60 and the DVS (so its portgroups go too), and host-50
  // has lost vmnic1.
  auto set = parse_wait_for_updates(capture("vmf-06-WaitForUpdatesEx-initial.resp.xml"));
  auto& objects = set->filters.at(0).objects;
  std::erase_if(objects, [](const ObjectUpdate& u) {
    return u.obj.value == "vm-60" || u.obj.value == "dvs-9";
  });
  for (ObjectUpdate& u : objects) {
    if (u.obj.value != "host-50") continue;
    for (PropertyChange& ch : u.changes) {
      if (ch.path == Path::kPnics) std::get<std::vector<PhysicalNicInfo>>(ch.value).pop_back();
    }
  }
  c.inventory.begin_resync();
  CHECK(render(c.apply(c.inventory.apply(*set))) == "removed pnic vc1/host-50/vmnic1");
  CHECK(render(c.apply(c.inventory.finish_resync())) ==
        "removed distributed_switch vc1/dvs-9; removed dv_portgroup vc1/dvportgroup-11; removed "
        "dv_portgroup vc1/dvportgroup-13; removed vm vc1/vm-60; removed vm_nic vc1/vm-60/4000");
  CHECK(c.inventory.object_count() == 10);
}

TEST_CASE("An object that leaves and enters again in one update keeps what it derives now") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  auto set = parse_wait_for_updates(capture("vmf-06-WaitForUpdatesEx-initial.resp.xml"));
  auto& objects = set->filters.at(0).objects;
  const auto vm66 = std::find_if(objects.begin(), objects.end(),
                                 [](const ObjectUpdate& u) { return u.obj.value == "vm-66"; });
  REQUIRE(vm66 != objects.end());
  ObjectUpdate again = *vm66;  // an enter, without its vNIC now
  for (PropertyChange& ch : again.changes) {
    if (ch.path == Path::kDevices) ch.value = std::vector<EthernetCardInfo>{};
  }
  ObjectUpdate leave = again;
  leave.kind = UpdateKind::kLeave;
  leave.changes.clear();
  objects = {leave, again};
  CHECK(render(c.apply(c.inventory.apply(*set))) == "removed vm_nic vc1/vm-66/4000");
  CHECK(c.state().find<Vm>({c.vc, "vm-66"}) != nullptr);
  // It leaves for good: the VM goes, and nothing else.
  objects = {leave};
  CHECK(render(c.apply(c.inventory.apply(*set))) == "removed vm vc1/vm-66");
}

TEST_CASE("A VM's properties are kept whole between updates") {
  // VMs are kept packed between updates: every field must come back as it went in, long text
  // (multi-byte lengths) and negative keys included.
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  auto set = parse_wait_for_updates(capture("vmf-06-WaitForUpdatesEx-initial.resp.xml"));
  auto& objects = set->filters.at(0).objects;
  std::erase_if(objects, [](const ObjectUpdate& u) { return u.obj.value != "vm-66"; });
  REQUIRE(objects.size() == 1);
  const std::string long_label(300, 'n');
  for (PropertyChange& ch : objects.front().changes) {
    if (ch.path != Path::kDevices) continue;
    EthernetCardInfo standard{
        -7, long_label, "00:50:56:aa:bb:cc", false, NicBacking::kStandard, "VM Network", {}};
    EthernetCardInfo distributed{
        4001, "Network adapter 2",        "00:50:56:aa:bb:cd", true, NicBacking::kDistributed,
        "",   DvPortRef{"dvportgroup-13"}};
    ch.value = std::vector<EthernetCardInfo>{standard, distributed};
  }
  CHECK(render(c.apply(c.inventory.apply(*set))) ==
        "added vm_nic vc1/vm-66/-7; removed vm_nic vc1/vm-66/4000; added vm_nic vc1/vm-66/4001");

  // A change of one property re-derives the VM from what was kept: its vNICs are unchanged.
  CHECK(render(c.wait(wait_response(
            "2", modify("VirtualMachine", "vm-66",
                        assign("runtime.powerState",
                               R"(<val xsi:type="VirtualMachinePowerState">suspended</val>)"))))) ==
        "modified vm vc1/vm-66");
  const VmId vm{c.vc, "vm-66"};
  CHECK(c.state().find<Vm>(vm)->power == PowerState::kSuspended);
  const VmNic* standard = c.state().find<VmNic>({vm, -7});
  REQUIRE(standard != nullptr);
  CHECK(standard->label == long_label);
  CHECK(standard->mac == "00:50:56:aa:bb:cc");
  CHECK_FALSE(standard->connected);
  CHECK(standard->backing == VmNicBacking{"VM Network", std::nullopt});
  const VmNic* distributed = c.state().find<VmNic>({vm, 4001});
  REQUIRE(distributed != nullptr);
  CHECK(distributed->backing == VmNicBacking{"", DvPortgroupId{c.vc, "dvportgroup-13"}});
}

TEST_CASE("A distributed portgroup is held back until its switch is known") {
  const std::string pg = enter(
      "DistributedVirtualPortgroup", "dvportgroup-30",
      assign("name", R"(<val xsi:type="xsd:string">prod-110</val>)") +
          assign("config.distributedVirtualSwitch",
                 R"(<val xsi:type="ManagedObjectReference" type="VmwareDistributedVirtualSwitch">)"
                 R"(dvs-21</val>)") +
          assign("config.defaultPortConfig",
                 R"(<val xsi:type="VMwareDVSPortSetting"><vlan )"
                 R"(xsi:type="VmwareDistributedVirtualSwitchVlanIdSpec"><inherited>false)"
                 R"(</inherited><vlanId>110</vlanId></vlan></val>)"));
  const std::string dvs =
      enter("VmwareDistributedVirtualSwitch", "dvs-21",
            assign("name", R"(<val xsi:type="xsd:string">dvs-prod</val>)") +
                assign("uuid", R"(<val xsi:type="xsd:string">50 1a 2b 3c</val>)"));

  SECTION("in the same UpdateSet: the switch is emitted first") {
    Connector c;
    CHECK(render(c.wait(wait_response("1", pg + dvs))) ==
          "added distributed_switch vc1/dvs-21; added dv_portgroup vc1/dvportgroup-30");
  }
  SECTION("in a later UpdateSet") {
    Connector c;
    CHECK(c.wait(wait_response("1", pg)).empty());
    CHECK(render(c.wait(wait_response("2", dvs))) ==
          "added distributed_switch vc1/dvs-21; added dv_portgroup vc1/dvportgroup-30");
  }
  SECTION("a switch that leaves takes its portgroups along, and they wait for it again") {
    Connector c;
    c.wait(wait_response("1", pg + dvs));
    CHECK(render(c.wait(wait_response(
              "2", R"(<objectSet><kind>leave</kind><obj type="VmwareDistributedVirtualSwitch">)"
                   R"(dvs-21</obj></objectSet>)"))) ==
          "removed distributed_switch vc1/dvs-21; removed dv_portgroup vc1/dvportgroup-30");
    CHECK(render(c.wait(wait_response("3", dvs))) ==
          "added distributed_switch vc1/dvs-21; added dv_portgroup vc1/dvportgroup-30");
  }
}

TEST_CASE("A host's proxy switch refers to the DVS with its uuid, whenever that arrives") {
  const std::string host = enter(
      "HostSystem", "host-9",
      assign("name", R"(<val xsi:type="xsd:string">esx9</val>)") +
          assign("config.network.pnic",
                 R"(<val xsi:type="ArrayOfPhysicalNic">)"
                 R"(<PhysicalNic><key>key-vim.host.PhysicalNic-vmnic2</key><device>vmnic2</device>)"
                 R"(<mac>00:50:56:00:00:02</mac></PhysicalNic>)"
                 R"(<PhysicalNic><key>key-vim.host.PhysicalNic-vmnic3</key><device>vmnic3</device>)"
                 R"(<mac>00:50:56:00:00:03</mac></PhysicalNic></val>)") +
          assign("config.network.proxySwitch",
                 R"(<val xsi:type="ArrayOfHostProxySwitch"><HostProxySwitch>)"
                 R"(<dvsUuid>50 1a 2b 3c</dvsUuid><dvsName>dvs-prod</dvsName>)"
                 R"(<pnic>key-vim.host.PhysicalNic-vmnic2</pnic>)"
                 R"(<pnic>key-vim.host.PhysicalNic-vmnic3</pnic></HostProxySwitch></val>)"));
  Connector c;
  c.wait(wait_response("1", host));
  CHECK(render(c.state()).find("vswitch host-9/dvs-prod distributed dvs=- uplinks=vmnic2,vmnic3") !=
        std::string::npos);
  CHECK(render(c.wait(wait_response(
            "2", enter("VmwareDistributedVirtualSwitch", "dvs-21",
                       assign("uuid", R"(<val xsi:type="xsd:string">50 1a 2b 3c</val>)"))))) ==
        "modified vswitch vc1/host-9/dvs-prod; added distributed_switch vc1/dvs-21");
  CHECK(c.state().find<VSwitch>({{c.vc, "host-9"}, "dvs-prod"})->dvs == DvsId{c.vc, "dvs-21"});
}

TEST_CASE("Standard portgroup VLANs and vmkernel services on a real host") {
  Connector c;
  c.wait(wait_response(
      "1",
      enter(
          "HostSystem", "host-9",
          assign("config.network.portgroup",
                 R"(<val xsi:type="ArrayOfHostPortGroup">)"
                 R"(<HostPortGroup><spec><name>mgmt</name><vlanId>10</vlanId>)"
                 R"(<vswitchName>vSwitch0</vswitchName></spec></HostPortGroup>)"
                 R"(<HostPortGroup><spec><name>guest-trunk</name><vlanId>4095</vlanId>)"
                 R"(<vswitchName>vSwitch0</vswitchName></spec></HostPortGroup></val>)") +
              assign("config.network.vnic",
                     R"(<val xsi:type="ArrayOfHostVirtualNic">)"
                     R"(<HostVirtualNic><device>vmk0</device><portgroup>mgmt</portgroup>)"
                     R"(<spec><mac>00:50:56:01:00:00</mac></spec></HostVirtualNic>)"
                     R"(<HostVirtualNic><device>vmk1</device><portgroup></portgroup>)"
                     R"(<spec><mac>00:50:56:01:00:01</mac><distributedVirtualPort>)"
                     R"(<switchUuid>50 1a</switchUuid><portgroupKey>dvportgroup-31)"
                     R"(</portgroupKey></distributedVirtualPort></spec></HostVirtualNic></val>)") +
              assign(
                  "config.virtualNicManagerInfo.netConfig",
                  R"(<val xsi:type="ArrayOfVirtualNicManagerNetConfig">)"
                  R"(<VirtualNicManagerNetConfig><nicType>vmotion</nicType>)"
                  R"(<multiSelectAllowed>true</multiSelectAllowed>)"
                  R"(<candidateVnic><device>vmk1</device><key>vmotion.key-vim.host.VirtualNic-vmk1</key></candidateVnic>)"
                  R"(<selectedVnic>vmotion.key-vim.host.VirtualNic-vmk1</selectedVnic>)"
                  R"(</VirtualNicManagerNetConfig>)"
                  R"(<VirtualNicManagerNetConfig><nicType>management</nicType>)"
                  R"(<multiSelectAllowed>true</multiSelectAllowed>)"
                  R"(<candidateVnic><device>vmk0</device><key>management.key-vim.host.VirtualNic-vmk0</key></candidateVnic>)"
                  R"(<candidateVnic><device>vmk1</device><key>management.key-vim.host.VirtualNic-vmk1</key></candidateVnic>)"
                  R"(<selectedVnic>management.key-vim.host.VirtualNic-vmk0</selectedVnic>)"
                  R"(<selectedVnic>management.key-vim.host.VirtualNic-vmk1</selectedVnic>)"
                  R"(</VirtualNicManagerNetConfig>)"
                  R"(<VirtualNicManagerNetConfig><nicType>vSphereReplication</nicType>)"
                  R"(<multiSelectAllowed>true</multiSelectAllowed>)"
                  R"(<candidateVnic><device>vmk1</device><key>vSphereReplication.key-vim.host.VirtualNic-vmk1</key></candidateVnic>)"
                  R"(<selectedVnic>vSphereReplication.key-vim.host.VirtualNic-vmk1</selectedVnic>)"
                  R"(</VirtualNicManagerNetConfig></val>)"))));
  const Snapshot& s = c.state();
  const HostId host{c.vc, "host-9"};
  CHECK(s.find<StandardPortgroup>({host, "mgmt"})->vlan ==
        PortgroupVlan{VlanMode::kVlan, VlanSet::of({10})});
  CHECK(s.find<StandardPortgroup>({host, "guest-trunk"})->vlan ==
        PortgroupVlan{VlanMode::kTrunk, VlanSet::all()});
  const VmkNic* vmk0 = s.find<VmkNic>({host, "vmk0"});
  CHECK(vmk0->portgroup == "mgmt");
  CHECK(vmk0->services == std::vector<VmkService>{VmkService::kManagement});
  const VmkNic* vmk1 = s.find<VmkNic>({host, "vmk1"});
  CHECK(vmk1->dv_portgroup == DvPortgroupId{c.vc, "dvportgroup-31"});
  CHECK(vmk1->services == std::vector<VmkService>{VmkService::kManagement, VmkService::kVmotion});
}

TEST_CASE("Templates are not VMs") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  CHECK(
      render(c.wait(wait_response(
          "2", modify("VirtualMachine", "vm-57",
                      assign("config.template", R"(<val xsi:type="xsd:boolean">true</val>)"))))) ==
      "removed vm vc1/vm-57; removed vm_nic vc1/vm-57/4000");
}

TEST_CASE("Network hints land on the host's pnics") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  const ObjectRef host{"HostSystem", "host-42"};
  const std::vector<PnicHint> hints = {
      {"vmnic0", NeighborHint{"00:1c:73:aa:bb:01", "Ethernet7", "leaf1"}, std::nullopt},
      {"vmnic1", std::nullopt, NeighborHint{"leaf2.lab", "Ethernet7", ""}},
      {"vmnic9", NeighborHint{"x", "y", "z"}, std::nullopt}};
  CHECK(render(c.apply(c.inventory.apply_network_hints(host, hints))) ==
        "modified pnic vc1/host-42/vmnic0; modified pnic vc1/host-42/vmnic1");
  const Pnic* vmnic0 = c.state().find<Pnic>({{c.vc, "host-42"}, "vmnic0"});
  CHECK(vmnic0->lldp == NeighborHint{"00:1c:73:aa:bb:01", "Ethernet7", "leaf1"});
  CHECK_FALSE(vmnic0->cdp.has_value());
  // The hints stay across property updates of the host, and are replaced by the next poll.
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  CHECK(c.state().find<Pnic>({{c.vc, "host-42"}, "vmnic0"})->lldp.has_value());
  CHECK(render(c.apply(c.inventory.apply_network_hints(host, {}))) ==
        "modified pnic vc1/host-42/vmnic0; modified pnic vc1/host-42/vmnic1");
  CHECK(c.inventory.network_systems().size() == 4);
  CHECK(c.inventory.network_systems()[0].host == ObjectRef{"HostSystem", "host-21"});
  CHECK(c.inventory.network_systems()[0].network_system.type == "HostNetworkSystem");
}

MigrationEvent migration(MigrationPhase phase, std::int64_t key, std::string vm, std::string dest) {
  MigrationEvent e;
  e.phase = phase;
  e.type = phase == MigrationPhase::kStarted ? "VmBeingHotMigratedEvent" : "VmMigratedEvent";
  e.key = key;
  e.vm = {"VirtualMachine", std::move(vm)};
  e.dest_host = ObjectRef{"HostSystem", std::move(dest)};
  return e;
}

TEST_CASE("Migration events: the destination is known before the VM arrives") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  const VmId vm63{c.vc, "vm-63"};

  SECTION("runtime.host reaching the destination clears it") {
    CHECK(render(c.apply(c.inventory.apply_events({migration(
              MigrationPhase::kStarted, 100, "vm-63", "host-50")}))) == "modified vm vc1/vm-63");
    CHECK(c.state().find<Vm>(vm63)->migrating_to == HostId{c.vc, "host-50"});
    c.replay("07-Wait-after-Relocate.resp.xml");
    CHECK_FALSE(c.state().find<Vm>(vm63)->migrating_to.has_value());
    // The page repeats the start event: applied once only.
    CHECK(c.apply(c.inventory.apply_events(
                      {migration(MigrationPhase::kStarted, 100, "vm-63", "host-50")}))
              .empty());
  }
  SECTION("a failure clears it") {
    c.apply(c.inventory.apply_events(
        {migration(MigrationPhase::kFailed, 102, "vm-63", "host-50"),
         migration(MigrationPhase::kStarted, 101, "vm-63", "host-50")}));  // newest first
    CHECK_FALSE(c.state().find<Vm>(vm63)->migrating_to.has_value());
  }
  SECTION("from the event collector's latestPage in the update stream") {
    CHECK(
        render(c.wait(wait_response(
            "5",
            modify(
                "EventHistoryCollector", "session[52b6]52e0",
                assign("latestPage",
                       R"(<val xsi:type="ArrayOfEvent"><Event xsi:type="VmBeingMigratedEvent">)"
                       R"(<key>7</key><chainId>7</chainId><createdTime>2026-11-25T10:00:00Z)"
                       R"(</createdTime><userName>u</userName><vm><name>x</name>)"
                       R"(<vm type="VirtualMachine">vm-66</vm></vm><destHost><name>h</name>)"
                       R"(<host type="HostSystem">host-42</host></destHost></Event></val>)"))))) ==
        "modified vm vc1/vm-66");
    CHECK(c.state().find<Vm>({c.vc, "vm-66"})->migrating_to == HostId{c.vc, "host-42"});
  }
}

// `page` as the latestPage of `collector` in an update.
UpdateSet event_page(const ObjectRef& collector, std::vector<MigrationEvent> page) {
  UpdateSet set;
  set.filters.push_back(
      FilterUpdate{{"PropertyFilter", "f"},
                   {ObjectUpdate{UpdateKind::kModify,
                                 collector,
                                 {PropertyChange{"latestPage", Path::kLatestPage, false,
                                                 ChangeOp::kAssign, std::move(page)}},
                                 {}}},
                   {}});
  return set;
}

TEST_CASE("A cut event page is held back until a larger page is applied") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  const ObjectRef watched{"EventHistoryCollector", "watched"};
  c.inventory.watch_events(watched, 2);
  auto start = [](std::int64_t key, const char* vm) {
    return migration(MigrationPhase::kStarted, key, vm, "host-50");
  };
  auto page = [&](std::vector<MigrationEvent> events, const ObjectRef* from = nullptr) {
    return render(
        c.apply(c.inventory.apply(event_page(from ? *from : watched, std::move(events)))));
  };
  // The larger page, read on demand, of at most 4.
  auto larger = [&](std::vector<MigrationEvent> events) {
    return render(c.apply(c.inventory.apply_events(events, 4)));
  };
  auto moving = [&] {
    std::string out;
    for (const Vm& vm : c.state().all<Vm>()) {
      if (vm.migrating_to) out += (out.empty() ? "" : ",") + vm.id.moref;
    }
    return out;
  };

  SECTION("a page that is not full is applied at once") {
    CHECK(page({start(1, "vm-63")}) == "modified vm vc1/vm-63");
    CHECK_FALSE(c.inventory.events_held());
  }
  SECTION("after a sync, a full page is held; the larger page applies in key order") {
    CHECK(page({start(11, "vm-66"), start(10, "vm-63")}).empty());
    CHECK(c.inventory.events_held());
    CHECK(larger({start(11, "vm-66"), start(10, "vm-63"), start(9, "vm-60")}) ==
          "modified vm vc1/vm-60; modified vm vc1/vm-63; modified vm vc1/vm-66");
    CHECK_FALSE(c.inventory.events_held());
    CHECK_FALSE(c.inventory.events_lost());  // nothing was seen before it
    // The completion (key 12) clears vm-63, and the start it repeats is not applied again.
    CHECK(page({migration(MigrationPhase::kCompleted, 12, "vm-63", "host-50"),
                start(11, "vm-66")}) == "modified vm vc1/vm-63");
    CHECK(moving() == "vm-60,vm-66");
  }
  SECTION("a full page holding an event seen before is applied") {
    page({start(1, "vm-63")});
    CHECK(page({start(2, "vm-66"), start(1, "vm-63")}) == "modified vm vc1/vm-66");
    CHECK_FALSE(c.inventory.events_held());
  }
  SECTION("a full page of new events only is held; a larger page reaching back loses nothing") {
    page({start(1, "vm-63")});
    CHECK(page({start(3, "vm-60"), start(2, "vm-66")}).empty());
    CHECK(c.inventory.events_held());
    CHECK(moving() == "vm-63");
    CHECK(larger({start(3, "vm-60"), start(2, "vm-66"), start(1, "vm-63")}) ==
          "modified vm vc1/vm-60; modified vm vc1/vm-66");
    CHECK_FALSE(c.inventory.events_held());
    CHECK_FALSE(c.inventory.events_lost());
  }
  SECTION("a larger page cut too after events were seen: applied, and some were lost") {
    page({start(1, "vm-63")});
    page({start(5, "vm-60"), start(4, "vm-66")});
    CHECK(larger({start(5, "vm-60"), start(4, "vm-66"), start(3, "vm-57"), start(2, "vm-63")}) ==
          "modified vm vc1/vm-57; modified vm vc1/vm-60; modified vm vc1/vm-66");
    CHECK_FALSE(c.inventory.events_held());
    CHECK(c.inventory.events_lost());
  }
  SECTION("a resync forgets a held page") {
    page({start(2, "vm-66"), start(1, "vm-63")});
    REQUIRE(c.inventory.events_held());
    c.inventory.begin_resync();
    CHECK_FALSE(c.inventory.events_held());
  }
  SECTION("pages of another collector are applied as they come") {
    const ObjectRef other{"EventHistoryCollector", "other"};
    CHECK(page({start(2, "vm-66"), start(1, "vm-63")}, &other) ==
          "modified vm vc1/vm-63; modified vm vc1/vm-66");
    CHECK_FALSE(c.inventory.events_held());
  }
}

TEST_CASE("Nested changes and missing objects ask for a refresh, which is applied like an enter") {
  Connector c;
  c.replay("vmf-06-WaitForUpdatesEx-initial.resp.xml");
  const std::string nested =
      modify("HostSystem", "host-34",
             R"(<changeSet><name>config.network.pnic["key-vim.host.PhysicalNic-vmnic1"].linkSpeed)"
             R"(</name><op>assign</op><val xsi:type="PhysicalNicLinkInfo"><speedMb>1000</speedMb>)"
             R"(</val></changeSet>)");
  // The nested value is not applied: the object keeps what it had until the refresh.
  CHECK(c.wait(wait_response("2", nested)).empty());
  CHECK(c.inventory.take_refreshes() == std::vector<ObjectRef>{{"HostSystem", "host-34"}});
  CHECK(c.inventory.take_refreshes().empty());
  const ObjectRef host{"HostSystem", "host-34"};
  CHECK(c.apply(c.inventory.apply(parse_refresh(host, capture("vmf-refresh-host-34.resp.xml"))))
            .empty());
  CHECK(c.inventory.take_refreshes().empty());

  auto missing = parse_wait_for_updates(testing::envelope(
      R"(<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>3</version><filterSet>)"
      R"(<filter type="PropertyFilter">f</filter><missingSet><obj type="VirtualMachine">vm-60)"
      R"(</obj><fault><fault xsi:type="SystemError"/></fault></missingSet></filterSet>)"
      R"(</returnval></WaitForUpdatesExResponse>)"));
  CHECK(c.apply(c.inventory.apply(*missing)).empty());
  const ObjectRef vm{"VirtualMachine", "vm-60"};
  CHECK(c.inventory.take_refreshes() == std::vector<ObjectRef>{vm});
  CHECK(render(c.apply(c.inventory.apply(parse_refresh(
            vm, testing::envelope(R"(<RetrievePropertiesExResponse xmlns="urn:vim25"/>)"))))) ==
        "removed vm vc1/vm-60; removed vm_nic vc1/vm-60/4000");
}

}  // namespace
}  // namespace vmfabric::vcenter
