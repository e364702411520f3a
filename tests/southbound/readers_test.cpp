#include "southbound/readers.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "eos_fixture.h"

namespace vmfabric::southbound {
namespace {

using nlohmann::json;
using testing::anta_fixture;
using testing::eos_fixture;
using testing::eos_fixture_text;

const LldpReading& lldp_on(const std::vector<LldpReading>& all, const std::string& local) {
  const auto it = std::find_if(all.begin(), all.end(),
                               [&](const LldpReading& r) { return r.local.str() == local; });
  REQUIRE(it != all.end());
  return *it;
}

// ---- readers on real captures ------------------------------------------------------------------

TEST_CASE("Facts come from show version and show hostname (napalm vEOS, cEOS, goeapi, anta)") {
  const SwitchFacts veos =
      read_facts(eos_fixture("show_version.json"), eos_fixture("show_hostname.json"));
  CHECK(veos == SwitchFacts{"localhost", "localhost", "vEOS", "4.15.5M", "", "08:00:27:b3:fc:e1"});
  const SwitchFacts ceos = read_facts(eos_fixture("show_version_ceos430.json"),
                                      anta_fixture("VerifyHostname", "success"));
  CHECK(ceos.hostname == "s1-spine1");
  CHECK(ceos.fqdn == "s1-spine1.fun.aristanetworks.com");
  CHECK(ceos.model == "cEOSLab");
  CHECK(ceos.serial == "DE5B7D98C24A207BE70876CC0AD5546F");
  CHECK(read_facts(eos_fixture("show_version_2.json"), eos_fixture("show_hostname.json")).model ==
        "DCS-7048T-A-F");
  // ANTA's trimmed show version has no serial or MAC: both are optional.
  CHECK(read_facts(anta_fixture("VerifyEOSVersion", "success"), eos_fixture("show_hostname.json"))
            .eos_version == "4.27.0F");
}

TEST_CASE("The VLAN database comes from show vlan, ascending by id (napalm, anta)") {
  const auto vlans = read_vlans(eos_fixture("show_vlan.json"));
  REQUIRE(vlans.size() == 20);
  CHECK(vlans.front() == VlanEntry{VlanId::checked(1), "default", true, false});
  CHECK(vlans[1].id == VlanId::checked(10));  // numeric order, not the keys' string order
  CHECK(vlans.back() == VlanEntry{VlanId::checked(1000), "VLAN1000", true, false});

  const auto mlag_vlans = read_vlans(anta_fixture("VerifyVlanStatus", "success"));
  REQUIRE(mlag_vlans.size() == 3);
  CHECK(mlag_vlans[2] == VlanEntry{VlanId::checked(4094), "VLAN4094", true, true});
}

TEST_CASE("Switchports give mode, access, native and allowed VLANs (goeapi capture)") {
  const auto results =
      parse_response(eos_fixture_text("show_interfaces_switchport.rpc.json"), "1", 2);
  const auto ports = read_switchports(results[1]);
  REQUIRE(ports.size() == 51);
  auto port = [&](const std::string& name) {
    const auto it = std::find_if(ports.begin(), ports.end(),
                                 [&](const Switchport& s) { return s.name.str() == name; });
    REQUIRE(it != ports.end());
    return *it;
  };
  CHECK(port("Ethernet8") == Switchport{InterfaceName("Ethernet8"), true, SwitchportMode::kTrunk,
                                        VlanId::checked(1), VlanId::checked(1),
                                        VlanSet::of({999})});
  CHECK(port("Port-Channel100").allowed.is_all());
  CHECK(port("Ethernet18").native_vlan == VlanId::checked(999));
  CHECK(port("Ethernet50/1").access_vlan == VlanId::checked(999));
  CHECK(port("Ethernet49/1").mode == SwitchportMode::kAccess);
  CHECK(std::is_sorted(ports.begin(), ports.end(),
                       [](const auto& a, const auto& b) { return a.name < b.name; }));
}

TEST_CASE("LLDP neighbours of a server fabric, MAC port ids (napalm normal)") {
  const auto lldp = read_lldp_neighbors(eos_fixture("show_lldp_neighbors_detail.json"));
  CHECK(lldp.size() == 41);  // 65 ports, 24 without a neighbour
  CHECK(lldp_on(lldp, "Ethernet1") == LldpReading{InterfaceName("Ethernet1"),
                                                  {"2c60.0cad.3034", "000f.532e.f180", "78m1"},
                                                  false});
  // The "local" subtype is quoted like interface names are.
  CHECK(lldp_on(lldp, "Ethernet47").neighbor.port_id == "597");
}

TEST_CASE("LLDP interface-name port ids lose EOS's literal quotes (napalm issue1153)") {
  const auto lldp = read_lldp_neighbors(eos_fixture("show_lldp_neighbors_detail_2.json"));
  REQUIRE(lldp.size() == 3);
  const LldpReading& junos = lldp_on(lldp, "Ethernet27/1");
  CHECK(junos.neighbor == LldpNeighbor{"fc66.1003.5413", "et-0/0/20", "some-switch"});
  CHECK(junos.port_is_name);
}

TEST_CASE("LLDP prefers interfaceId_v2 (anta) and takes any chassis id text (napalm issue903)") {
  const auto spines = read_lldp_neighbors(anta_fixture("VerifyLLDPNeighbors", "success"));
  REQUIRE(spines.size() == 2);
  CHECK(spines[1].neighbor == LldpNeighbor{"001c.73f7.d138", "Ethernet1", "DC1-SPINE2.local.com"});
  const auto ilo =
      read_lldp_neighbors(anta_fixture("VerifyLLDPNeighbors", "success-external-lldp-neighbors"));
  CHECK(ilo.at(0).neighbor.port_id == "iLO");
  // A real capture with a malformed chassis id (11 hex digits): kept as sent.
  const auto centos = read_lldp_neighbors(eos_fixture("show_lldp_neighbors_detail_3.json"));
  CHECK(centos.at(0).neighbor.chassis_id == "00c.297b.d2a8");
}

TEST_CASE("Port-channels list local active, inactive and MLAG peer members (anta)") {
  const auto pcs = read_port_channels(eos_fixture("show_port-channel.json"));
  REQUIRE(pcs.size() == 2);
  CHECK(pcs[0] == PortChannelReading{InterfaceName("Port-Channel1"),
                                     {InterfaceName("Ethernet1"), InterfaceName("Ethernet6")},
                                     {},
                                     {}});
  CHECK(pcs[1] == PortChannelReading{InterfaceName("Port-Channel5"),
                                     {InterfaceName("Ethernet4")},
                                     {InterfaceName("Ethernet8")},
                                     {"PeerEthernet4"}});
}

TEST_CASE("show mlag: an active pair (documented shape), disabled and trimmed (anta)") {
  CHECK(read_mlag(eos_fixture("show_mlag_active.json")) ==
        MlagReading{"active", "mlag01", "10.255.255.2", InterfaceName("Port-Channel10"),
                    InterfaceName("Vlan4094")});
  const MlagReading disabled = read_mlag(anta_fixture("VerifyMlagStatus", "skipped"));
  CHECK_FALSE(disabled.configured());
  CHECK(disabled.peer_link == std::nullopt);
  CHECK(read_mlag(anta_fixture("VerifyMlagStatus", "success")).state == "active");
}

TEST_CASE("show interfaces status (documented shape of the ntc-templates text sample)") {
  const auto statuses = read_interface_status(eos_fixture("show_interfaces_status.json"));
  REQUIRE(statuses.size() == 5);
  CHECK(statuses[0] == InterfaceStatus{InterfaceName("Ethernet3/1/1"), "I am a 40G port !! Hi",
                                       "connected", false});
  CHECK(statuses[3] == InterfaceStatus{InterfaceName("Ethernet3/2/5"), "-", "disabled", true});
  CHECK(statuses[4].name.str() == "Management1");
}

TEST_CASE("Configuration sessions: completed ones not by vmfabric, oldest first (anta sample)") {
  // The sample: "jeremy1" pending, "ansible_167510439362" completed by joe.bob.
  CHECK(read_foreign_sessions(eos_fixture("show_configuration_sessions_detail.json")) ==
        std::vector<ConfigSessionRecord>{{"ansible_167510439362", "joe.bob", 1675104396450}});

  json result = eos_fixture("show_configuration_sessions_detail.json");
  result["sessions"]["vmfabric-1700000000000-3"] = {
      {"state", "completed"}, {"commitUser", "vmfabric"}, {"completedTime", 1700000000.5}};
  result["sessions"]["console-fix"] = {{"state", "completed"}, {"completedTime", 1600000000}};
  CHECK(read_foreign_sessions(result) ==
        std::vector<ConfigSessionRecord>{{"console-fix", "", 1600000000000},
                                         {"ansible_167510439362", "joe.bob", 1675104396450}});
  CHECK(read_foreign_sessions(json::parse(R"({"sessions": {}})")).empty());
}

TEST_CASE("Readers name the command and field of a result that has the wrong shape") {
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[] { read_vlans(json::parse(R"({"vlans": []})")); },
       "show vlan: vlans: expected an object, got array"},
      {[] { read_vlans(json::parse(R"({"vlans": {"abc": {}}})")); },
       "show vlan: vlans.abc: \"abc\" is not a VLAN id"},
      {[] { read_vlans(json::parse(R"({"vlans": {"5000": {}}})")); },
       "show vlan: vlans.5000: VLAN 5000 is outside 1-4094"},
      {[] { read_vlans(json::parse(R"({})")); }, "show vlan: vlans: missing"},
      {[] {
         read_switchports(json::parse(R"({"switchports": {"Ethernet1": {"switchportInfo":
           {"mode": "trunk", "accessVlanId": 1, "trunkingNativeVlanId": 1,
            "trunkAllowedVlans": "1-5000"}}}})"));
       },
       "show interfaces switchport: switchports.Ethernet1.switchportInfo.trunkAllowedVlans: "
       "VLAN list \"1-5000\": bad token \"1-5000\": VLAN 5000 is outside 1-4094"},
      {[] { read_mlag(json::parse(R"({"state": 3})")); },
       "show mlag: state: expected a string, got number"},
      {[] {
         read_lldp_neighbors(
             json::parse(R"({"lldpNeighbors": {"Ethernet1": {"lldpNeighborInfo": {}}}})"));
       },
       "show lldp neighbors detail: lldpNeighbors.Ethernet1.lldpNeighborInfo: expected an array, "
       "got object"},
      {[] { read_facts(json::parse("{}"), json::parse(R"({"hostname": "x"})")); },
       "show version: modelName: missing"},
      {[] { read_foreign_sessions(json::parse("{}")); },
       "show configuration sessions detail: sessions: missing"},
      {[] { read_foreign_sessions(json::parse(R"({"sessions": {"a": {"completedTime": 1}}})")); },
       "show configuration sessions detail: sessions.a.state: missing"},
      {[] { read_foreign_sessions(json::parse(R"({"sessions": {"a": {"state": "completed"}}})")); },
       "show configuration sessions detail: sessions.a.completedTime: missing"},
      {[] {
         read_foreign_sessions(json::parse(
             R"({"sessions": {"a": {"state": "completed", "completedTime": "yesterday"}}})"));
       },
       "show configuration sessions detail: sessions.a.completedTime: expected Unix seconds, got "
       "string"},
      {[] {
         read_foreign_sessions(
             json::parse(R"({"sessions": {"a": {"state": "completed", "completedTime": -5}}})"));
       },
       "show configuration sessions detail: sessions.a.completedTime: -5 is not a Unix time"},
      {[] {
         read_foreign_sessions(json::parse(
             R"({"sessions": {"a": {"state": "completed", "completedTime": 1, "commitUser": 7}}})"));
       },
       "show configuration sessions detail: sessions.a.commitUser: expected a string, got number"},
  };
  for (const auto& [run, message] : cases) {
    CAPTURE(message);
    CHECK_THROWS_MATCHES(run(), EapiResponseError, Catch::Matchers::Message(message));
  }
}

// ---- the observed state of a switch as a graph delta
// ---------------------------------------------

// leaf1 of an MLAG pair: Port-Channel10 (Ethernet49, Ethernet50) is the peer-link to leaf2,
// Ethernet51 goes up to spine1, Ethernet1 faces a server, Port-Channel5 is a dual-homed host.
SwitchReadings leaf1_readings() {
  SwitchReadings r;
  r.facts = {"leaf1", "leaf1.dc.example", "DCS-7050SX3", "4.31.1F", "SN1", "00:1c:73:00:00:01"};
  r.vlans = {{VlanId::checked(1), "default", true, false},
             {VlanId::checked(100), "web", true, false}};
  auto trunk = [](const char* name, const char* allowed) {
    return Switchport{InterfaceName(name),    true,
                      SwitchportMode::kTrunk, VlanId::checked(1),
                      VlanId::checked(1),     VlanSet::parse(allowed)};
  };
  r.switchports = {trunk("Ethernet1", "100"), trunk("Ethernet51", "ALL"),
                   trunk("Port-Channel10", "ALL"), trunk("Port-Channel5", "100-110")};
  r.statuses = {{InterfaceName("Ethernet1"), "server1", "connected", false},
                {InterfaceName("Ethernet49"), "", "connected", false},
                {InterfaceName("Ethernet50"), "", "notconnect", false}};
  r.lldp = {
      {InterfaceName("Ethernet1"), {"0050.5601.0203", "0050.5601.0203", "server1"}, false},
      {InterfaceName("Ethernet49"), {"001c.7300.0002", "Ethernet49", "other-name"}, true},
      {InterfaceName("Ethernet51"), {"aabb.cc00.0100", "Ethernet3", "SPINE1.dc.example"}, true},
  };
  r.port_channels = {
      {InterfaceName("Port-Channel10"),
       {InterfaceName("Ethernet49")},
       {InterfaceName("Ethernet50")},
       {}},
      {InterfaceName("Port-Channel5"), {InterfaceName("Ethernet5")}, {}, {"PeerEthernet5"}},
  };
  r.mlag = read_mlag(eos_fixture("show_mlag_active.json"));
  r.foreign_sessions = {{"ansible_1", "joe.bob", 1675104396450}};
  return r;
}

const SwitchDirectory kFabric({
    {SwitchId("leaf1"), "leaf1", "", "00:1c:73:00:00:01"},
    {SwitchId("leaf2"), "leaf2", "", "00:1c:73:00:00:02"},    // found by chassis MAC
    {SwitchId("spine1"), "spine1", "spine1.dc.example", ""},  // found by FQDN, any case
});

Graph fabric_graph() {
  Graph g;
  Delta d;
  for (const char* name : {"leaf1", "leaf2", "spine1"}) {
    Switch s;
    s.id = SwitchId(name);
    d.upsert(s);
  }
  g.apply(d);
  return g;
}

Switch leaf1_base() {
  Switch s;
  s.id = SwitchId("leaf1");
  s.address = "10.0.0.11";
  return s;
}

TEST_CASE("One switch's readings become its switch, interfaces, port-channels, links and MLAG") {
  Graph g = fabric_graph();
  g.apply(observed_delta(leaf1_base(), leaf1_readings(), kFabric, g.current()));
  const Snapshot& s = g.current();

  const Switch* leaf1 = s.find<Switch>(SwitchId("leaf1"));
  REQUIRE(leaf1 != nullptr);
  CHECK(leaf1->address == "10.0.0.11");
  CHECK(leaf1->hostname == "leaf1");
  CHECK(leaf1->eos_version == "4.31.1F");
  CHECK(leaf1->system_mac == "00:1c:73:00:00:01");
  CHECK(leaf1->vlans == VlanNames{{VlanId::checked(1), "default"}, {VlanId::checked(100), "web"}});
  CHECK(leaf1->config_sessions ==
        std::vector<ConfigSessionRecord>{{"ansible_1", "joe.bob", 1675104396450}});

  // Ethernet1/5/49/50/51 and both port-channels.
  CHECK(s.count<Interface>() == 7);
  const Interface* e1 = s.find<Interface>({SwitchId("leaf1"), InterfaceName("Ethernet1")});
  REQUIRE(e1 != nullptr);
  CHECK(e1->description == "server1");
  CHECK(e1->oper_up);
  CHECK(e1->mode == SwitchportMode::kTrunk);
  CHECK(e1->allowed == VlanSet::of({100}));
  CHECK(e1->native_vlan == VlanId::checked(1));
  CHECK(e1->lldp == std::vector<LldpNeighbor>{{"0050.5601.0203", "0050.5601.0203", "server1"}});
  const Interface* e50 = s.find<Interface>({SwitchId("leaf1"), InterfaceName("Ethernet50")});
  REQUIRE(e50 != nullptr);
  CHECK(e50->channel_group == InterfaceName("Port-Channel10"));
  CHECK_FALSE(e50->oper_up);
  CHECK(s.find<Interface>({SwitchId("leaf1"), InterfaceName("Port-Channel5")})->allowed ==
        VlanSet::parse("100-110"));

  const PortChannel* po5 = s.find<PortChannel>({SwitchId("leaf1"), InterfaceName("Port-Channel5")});
  REQUIRE(po5 != nullptr);
  CHECK(po5->members == std::vector<InterfaceName>{InterfaceName("Ethernet5")});
  CHECK(po5->peer_members == std::vector<std::string>{"PeerEthernet5"});

  CHECK(s.count<Link>() == 2);  // the server is no switch
  CHECK(s.find<Link>(LinkId::of({SwitchId("leaf1"), InterfaceName("Ethernet49")},
                                {SwitchId("leaf2"), InterfaceName("Ethernet49")})) != nullptr);
  CHECK(s.find<Link>(LinkId::of({SwitchId("spine1"), InterfaceName("Ethernet3")},
                                {SwitchId("leaf1"), InterfaceName("Ethernet51")})) != nullptr);

  const MlagPair* pair = s.find<MlagPair>(MlagId::of(SwitchId("leaf2"), SwitchId("leaf1")));
  REQUIRE(pair != nullptr);
  CHECK(*pair == MlagPair{MlagId::of(SwitchId("leaf1"), SwitchId("leaf2")), "mlag01",
                          InterfaceName("Port-Channel10"), true});
}

TEST_CASE("What a later poll no longer shows is removed, and an identical poll changes nothing") {
  Graph g = fabric_graph();
  g.apply(observed_delta(leaf1_base(), leaf1_readings(), kFabric, g.current()));
  CHECK(g.apply(observed_delta(leaf1_base(), leaf1_readings(), kFabric, g.current())).empty());

  SwitchReadings later = leaf1_readings();
  later.lldp.pop_back();           // spine1 gone from Ethernet51
  later.port_channels.pop_back();  // Port-Channel5 deleted
  later.switchports.pop_back();
  later.mlag = read_mlag(anta_fixture("VerifyMlagStatus", "skipped"));
  g.apply(observed_delta(leaf1_base(), later, kFabric, g.current()));
  const Snapshot& s = g.current();
  CHECK(s.count<Link>() == 1);
  CHECK(s.count<MlagPair>() == 0);
  CHECK(s.count<PortChannel>() == 1);
  CHECK(s.find<Interface>({SwitchId("leaf1"), InterfaceName("Port-Channel5")}) == nullptr);
  // Ethernet5 was only known as a member of Port-Channel5.
  CHECK(s.find<Interface>({SwitchId("leaf1"), InterfaceName("Ethernet5")}) == nullptr);
  CHECK(s.find<Interface>({SwitchId("leaf1"), InterfaceName("Ethernet51")})->lldp.empty());
}

TEST_CASE("Known switches match by chassis MAC in any notation, or by name in any case") {
  CHECK(kFabric.find({"001C.7300.0002", "x", ""}) == SwitchId("leaf2"));
  CHECK(kFabric.find({"00-1c-73-00-00-02", "x", ""}) == SwitchId("leaf2"));
  CHECK(kFabric.find({"", "x", "LEAF1"}) == SwitchId("leaf1"));
  CHECK(kFabric.find({"", "x", "Spine1.DC.example"}) == SwitchId("spine1"));
  CHECK(kFabric.find({"00c.297b.d2a8", "x", "linux"}) == std::nullopt);
}

TEST_CASE("The shared switch directory is built again only when a switch's names or MAC change") {
  Graph g = fabric_graph();
  SwitchDirectoryCache cache;
  const auto first = cache.of(g.current());
  CHECK(first->find({"", "x", "leaf2"}) == SwitchId("leaf2"));
  auto change = [&](const char* name, const std::function<void(Switch&)>& edit) {
    Switch s = *g.current().find<Switch>(SwitchId(name));
    edit(s);
    Delta d;
    d.upsert(s);
    g.apply(d);
  };

  // Another field (every poll sets it): the same directory.
  change("leaf2", [](Switch& s) { s.last_poll_ms = 1234; });
  CHECK(cache.of(g.current()) == first);

  change("leaf2", [](Switch& s) { s.system_mac = "00:1c:73:00:00:02"; });
  const auto with_mac = cache.of(g.current());
  CHECK(with_mac != first);
  CHECK(with_mac->find({"001c.7300.0002", "x", ""}) == SwitchId("leaf2"));
  CHECK(cache.of(g.current()) == with_mac);

  change("spine1", [](Switch& s) { s.hostname = "spine1-renamed"; });
  CHECK(cache.of(g.current())->find({"", "x", "SPINE1-RENAMED"}) == SwitchId("spine1"));

  Delta added;
  Switch spine2;
  spine2.id = SwitchId("spine2");
  added.upsert(spine2);
  g.apply(added);
  CHECK(cache.of(g.current())->find({"", "x", "spine2"}) == SwitchId("spine2"));

  Delta removed;
  removed.remove(SwitchId("spine2"));
  g.apply(removed);
  CHECK(cache.of(g.current())->find({"", "x", "spine2"}) == std::nullopt);
}

}  // namespace
}  // namespace vmfabric::southbound
