#include "tests/sim/eos/engine.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "tests/southbound/eos_fixture.h"

namespace vmfabric::eos_sim {
namespace {

using nlohmann::json;
using testing::anta_fixture;
using testing::eos_fixture;

json lab_topology() {
  std::ifstream in(std::string(VMFABRIC_SOURCE_DIR) + "/tests/sim/eos/testdata/topology.json");
  return json::parse(in);
}

const Caller kAdmin{"admin", false};

// Sends `cmds` to `sw` as one runCmds request and returns the whole response.
json request(Fabric& fabric, const std::string& sw, const json& cmds,
             const std::string& format = "json", const Caller& caller = kAdmin) {
  const json body = {{"jsonrpc", "2.0"},
                     {"method", "runCmds"},
                     {"params", {{"version", 1}, {"cmds", cmds}, {"format", format}}},
                     {"id", "t1"}};
  return json::parse(fabric.run_cmds(sw, body.dump(), caller));
}

// The results of a request that must succeed.
json results(Fabric& fabric, const std::string& sw, const json& cmds,
             const std::string& format = "json") {
  const json response = request(fabric, sw, cmds, format);
  INFO(response.dump());
  REQUIRE(response.contains("result"));
  return response["result"];
}

// The result of one show command, sent after `enable`.
json show(Fabric& fabric, const std::string& sw, const std::string& command) {
  return results(fabric, sw, {"enable", command}).at(1);
}

// Differences between the JSON shape of `actual` and that of `sample`: the same keys in objects
// (keys in `extra` may be added), the same value types, array elements shaped like the sample's
// first element.
void shape_diff(const json& actual, const json& sample, const std::string& path,
                const std::set<std::string>& extra, std::vector<std::string>& out) {
  const auto kind = [](const json& v) {
    return v.is_number_integer() ? std::string("integer") : std::string(v.type_name());
  };
  if (kind(actual) != kind(sample)) {
    out.push_back(path + ": " + kind(actual) + " instead of " + kind(sample));
    return;
  }
  if (sample.is_object()) {
    for (const auto& [key, value] : sample.items()) {
      if (!actual.contains(key)) {
        out.push_back(path + "." + key + ": missing");
      } else {
        shape_diff(actual[key], value, path + "." + key, extra, out);
      }
    }
    for (const auto& [key, unused] : actual.items()) {
      if (!sample.contains(key) && !extra.contains(key))
        out.push_back(path + "." + key + ": extra");
    }
  } else if (sample.is_array() && !sample.empty()) {
    for (std::size_t i = 0; i < actual.size(); ++i) {
      shape_diff(actual[i], sample[0], path + "[" + std::to_string(i) + "]", extra, out);
    }
  }
}

void require_same_shape(const json& actual, const json& sample,
                        const std::set<std::string>& extra = {}) {
  std::vector<std::string> diffs;
  shape_diff(actual, sample, "", extra, diffs);
  INFO(actual.dump(1));
  CHECK(diffs == std::vector<std::string>{});
}

// The top-level keys of an object, for comparing maps keyed by data (interfaces, VLANs).
std::set<std::string> keys_of(const json& obj) {
  std::set<std::string> out;
  for (const auto& [key, unused] : obj.items()) out.insert(key);
  return out;
}

TEST_CASE("show outputs have the JSON shapes of real EOS", "[eos_engine]") {
  Fabric fabric(lab_topology());

  SECTION("show version and show hostname") {
    require_same_shape(show(fabric, "leaf1a", "show version"),
                       eos_fixture("show_version_ceos430.json"));
    require_same_shape(show(fabric, "leaf1a", "show hostname"), eos_fixture("show_hostname.json"));
    CHECK(show(fabric, "leaf1a", "show version")["systemMacAddress"] == "00:1c:73:00:01:01");
  }
  SECTION("show vlan") {
    const json sample = eos_fixture("show_vlan.json");
    const json vlan = show(fabric, "leaf1a", "show vlan");
    CHECK(keys_of(vlan) == keys_of(sample));
    CHECK(keys_of(vlan["vlans"]) == std::set<std::string>{"1", "10", "4094"});
    json sample_entry = sample["vlans"]["10"];
    sample_entry.erase("interfaces");
    for (const auto& [id, entry] : vlan["vlans"].items()) {
      json without_interfaces = entry;
      without_interfaces.erase("interfaces");
      require_same_shape(without_interfaces, sample_entry);
      for (const auto& [name, member] : entry["interfaces"].items()) {
        require_same_shape(member, sample["vlans"]["1"]["interfaces"]["Ethernet1"]);
      }
    }
    CHECK(vlan["vlans"]["10"]["name"] == "mgmt");
    // Connected carriers only, and the port-channel rather than its member.
    CHECK(keys_of(vlan["vlans"]["10"]["interfaces"]) ==
          std::set<std::string>{"Ethernet1", "Ethernet12", "Ethernet2", "Ethernet49", "Ethernet50",
                                "Port-Channel1000", "Port-Channel11"});
    // Nothing connected carries VLAN 1: uncabled access ports are down.
    CHECK(vlan["vlans"]["1"]["interfaces"].empty());
  }
  SECTION("show interfaces switchport") {
    const json sample =
        eos_fixture("show_interfaces_switchport.rpc.json")["result"][1]["switchports"];
    const json ports = show(fabric, "leaf1a", "show interfaces switchport")["switchports"];
    CHECK(ports.size() == 54);
    require_same_shape(ports["Ethernet1"], sample["Ethernet8"]);
    require_same_shape(ports["Ethernet3"], sample["Ethernet8"]);
    require_same_shape(ports["Port-Channel11"], sample["Port-Channel100"]);
    CHECK(ports["Ethernet1"]["switchportInfo"]["mode"] == "trunk");
    CHECK(ports["Ethernet1"]["switchportInfo"]["trunkAllowedVlans"] == "10");
    CHECK(ports["Ethernet3"]["switchportInfo"]["mode"] == "access");
    CHECK(ports["Ethernet3"]["switchportInfo"]["trunkAllowedVlans"] == "ALL");
    CHECK(ports["Port-Channel1000"]["switchportInfo"]["trunkAllowedVlans"] == "10,4094");
    CHECK(ports["Ethernet47"]["switchportInfo"]["trunkAllowedVlans"] == "10,4094");
  }
  SECTION("show interfaces status") {
    const json sample = eos_fixture("show_interfaces_status.json")["interfaceStatuses"];
    const json statuses = show(fabric, "leaf1a", "show interfaces status")["interfaceStatuses"];
    require_same_shape(statuses["Ethernet1"], sample["Ethernet3/1/1"]);
    require_same_shape(statuses["Ethernet3"], sample["Ethernet3/2/2"]);
    CHECK(statuses["Ethernet1"]["linkStatus"] == "connected");
    CHECK(statuses["Ethernet3"]["linkStatus"] == "notconnect");
    CHECK(statuses["Ethernet3"]["vlanInformation"]["vlanId"] == 1);
  }
  SECTION("show lldp neighbors detail") {
    const json sample = eos_fixture("show_lldp_neighbors_detail_2.json")["lldpNeighbors"];
    const json ports = show(fabric, "leaf1a", "show lldp neighbors detail")["lldpNeighbors"];
    CHECK(ports.size() == 52);
    const json& spine = ports["Ethernet49"]["lldpNeighborInfo"].at(0);
    require_same_shape(spine, sample["Ethernet1/1"]["lldpNeighborInfo"][0], {"interfaceId_v2"});
    require_same_shape(ports["Ethernet3"], sample["Ethernet23/1"]);
    CHECK(spine["neighborInterfaceInfo"]["interfaceId"] == "\"Ethernet1\"");
    CHECK(spine["neighborInterfaceInfo"]["interfaceId_v2"] == "Ethernet1");
    CHECK(spine["chassisId"] == "001c.7300.0001");
    const json anta = anta_fixture("VerifyLLDPNeighbors", "success");
    CHECK(spine["neighborInterfaceInfo"]["interfaceIdType"] ==
          anta["lldpNeighbors"]["Ethernet1"]["lldpNeighborInfo"][0]["neighborInterfaceInfo"]
              ["interfaceIdType"]);
  }
  SECTION("show lldp neighbors") {
    const json sample = json::parse(R"({"tablesLastChangeTime": 1448356585.4279644,
        "tablesAgeOuts": 0, "tablesInserts": 2, "tablesDeletes": 0, "tablesDrops": 0,
        "lldpNeighbors": [{"ttl": 120, "neighborDevice": "precise64",
                           "neighborPort": "0800.274f.332d", "port": "Ethernet1"}]})");  // napalm
    const json lldp = show(fabric, "spine1", "show lldp neighbors");
    require_same_shape(lldp, sample);
    CHECK(lldp["lldpNeighbors"].size() == 4);
  }
  SECTION("show port-channel") {
    const json sample = eos_fixture("show_port-channel.json")["portChannels"];
    const json channels = show(fabric, "leaf1a", "show port-channel")["portChannels"];
    CHECK(keys_of(channels) == std::set<std::string>{"Port-Channel1000", "Port-Channel11"});
    // activePorts and inactivePorts are keyed by member name: compare them apart.
    json channel = channels["Port-Channel11"];
    json sample_channel = sample["Port-Channel5"];
    require_same_shape(channel["activePorts"]["PeerEthernet11"],
                       sample_channel["activePorts"]["PeerEthernet4"]);
    for (json* c : {&channel, &sample_channel}) {
      c->erase("activePorts");
      c->erase("inactivePorts");
    }
    require_same_shape(channel, sample_channel);
    CHECK(keys_of(channels["Port-Channel11"]["activePorts"]) ==
          std::set<std::string>{"Ethernet11", "PeerEthernet11"});
    CHECK(keys_of(channels["Port-Channel1000"]["activePorts"]) ==
          std::set<std::string>{"Ethernet47", "Ethernet48"});
  }
  SECTION("show mlag") {
    const json mlag = show(fabric, "leaf2b", "show mlag");
    require_same_shape(mlag, eos_fixture("show_mlag_active.json"));
    CHECK(mlag["state"] == "active");
    CHECK(mlag["peerLink"] == "Port-Channel1000");
    CHECK(mlag["localInterface"] == "Vlan4094");
    CHECK(mlag["peerAddress"] == "10.255.255.1");
    CHECK(mlag["mlagPorts"]["Active-full"] == 1);
    CHECK(show(fabric, "spine1", "show mlag") == anta_fixture("VerifyMlagStatus", "skipped"));
  }
  SECTION("show configuration sessions detail") {
    results(fabric, "leaf1a", {"enable", "configure session s1", "vlan 20", "commit"});
    results(fabric, "leaf1a", {"enable", "configure session s2", "vlan 21"});
    const json sample = json::parse(R"({"maxSavedSessions": 1, "maxOpenSessions": 5,
        "sessions": {"jeremy1": {"instances": {}, "state": "pending", "commitUser": "",
                                 "description": ""},
                     "ansible_167510439362": {"instances": {}, "state": "completed",
                                              "commitUser": "joe.bob", "description": "",
                                              "completedTime": 1675104396.4500246}}})");  // ANTA
    const json sessions = show(fabric, "leaf1a", "show configuration sessions detail");
    require_same_shape(sessions["sessions"]["s1"], sample["sessions"]["ansible_167510439362"]);
    require_same_shape(sessions["sessions"]["s2"], sample["sessions"]["jeremy1"]);
    CHECK(sessions["sessions"]["s1"]["commitUser"] == "admin");
  }
  SECTION("show interfaces") {
    const json interfaces = show(fabric, "leaf1a", "show interfaces Ethernet1")["interfaces"];
    REQUIRE(interfaces.size() == 1);
    for (const char* key : {"name", "interfaceStatus", "lineProtocolStatus", "bandwidth",
                            "physicalAddress", "description", "interfaceCounters"}) {
      CHECK(interfaces["Ethernet1"].contains(key));
    }
  }
}

TEST_CASE("text format answers CLI text", "[eos_engine]") {
  Fabric fabric(lab_topology());
  const json r = results(fabric, "leaf1a",
                         {"enable", "show version", "show hostname", "show vlan", "configure",
                          "end", "show running-config"},
                         "text");
  CHECK(r[0] == json{{"output", ""}});
  CHECK(r[1]["output"].get<std::string>().starts_with("Arista DCS-7050SX3-48YC8\n"));
  CHECK(r[2]["output"] == "Hostname: leaf1a\nFQDN:     leaf1a\n");
  CHECK(r[3]["output"].get<std::string>().find("10    mgmt ") != std::string::npos);
  CHECK(r[4] == json{{"output", ""}});
  CHECK(r[6]["output"].get<std::string>().find("interface Port-Channel11\n   switchport trunk "
                                               "allowed vlan 10\n   switchport mode trunk\n   "
                                               "mlag 11\n") != std::string::npos);
}

TEST_CASE("errors have the eAPI envelope and stop the request", "[eos_engine]") {
  Fabric fabric(lab_topology());

  SECTION("invalid command") {
    const json r = request(fabric, "leaf1a", {"show version", "bogus", "show hostname"});
    CHECK(r["id"] == "t1");
    CHECK_FALSE(r.contains("result"));
    CHECK(r["error"]["code"] == 1002);
    CHECK(r["error"]["message"] == "CLI command 2 of 3 'bogus' failed: invalid command");
    REQUIRE(r["error"]["data"].size() == 2);
    CHECK(r["error"]["data"][0]["modelName"] == "DCS-7050SX3-48YC8");
    CHECK(r["error"]["data"][1] == json{{"errors", {"Invalid input (at token 0: 'bogus')"}}});
    const json sample = eos_fixture("eapi_error_1002_invalid_command.rpc.json");
    require_same_shape(r["error"]["data"][0], sample["error"]["data"][0]);
    require_same_shape(r["error"]["data"][1], sample["error"]["data"][1]);
    json envelope = r;
    json sample_envelope = sample;
    envelope["error"].erase("data");
    sample_envelope["error"].erase("data");
    require_same_shape(envelope, sample_envelope);
  }
  SECTION("the token of a bad argument") {
    const json r = request(fabric, "leaf1a",
                           {"enable", "configure", "interface Ethernet1", "switchport mode bogus"});
    CHECK(r["error"]["data"][3]["errors"][0] == "Invalid input (at token 2: 'bogus')");
  }
  SECTION("privileged mode") {
    json r = request(fabric, "leaf1a", {"show running-config"}, "text");
    CHECK(r["error"]["code"] == 1002);
    CHECK(r["error"]["data"][0]["errors"][0] == "Invalid input (privileged mode required)");
    r = request(fabric, "leaf1a", {"configure"});
    CHECK(r["error"]["data"][0]["errors"][0] == "Invalid input (privileged mode required)");
    CHECK(results(fabric, "leaf1a", {"enable"}) == json::array({json::object()}));
  }
  SECTION("unconverted, incompatible and unauthorized commands") {
    json r = request(fabric, "leaf1a", {"enable", "show clock"});
    CHECK(r["error"]["code"] == 1003);
    CHECK(r["error"]["message"] == "CLI command 2 of 2 'show clock' failed: unconverted command");
    CHECK(results(fabric, "leaf1a", {"enable", "show clock"}, "text")[1].contains("output"));
    r = request(fabric, "leaf1a", {"enable", "reload"});
    CHECK(r["error"]["code"] == 1004);
    CHECK(r["error"]["message"] == "CLI command 2 of 2 'reload' failed: incompatible command");
    const Caller viewer{"viewer", true};
    r = request(fabric, "leaf1a", {"enable", "show vlan", "configure session x"}, "json", viewer);
    CHECK(r["error"]["code"] == 1005);
    CHECK(r["error"]["message"] ==
          "CLI command 3 of 3 'configure session x' failed: Command unauthorized: user has "
          "insufficient permissions to run the command");
    CHECK(r["error"]["data"].size() == 3);
  }
  SECTION("show vlan of a missing VLAN") {
    const json r = request(fabric, "leaf1a", {"show vlan 999"});
    CHECK(r["error"]["code"] == 1000);
    CHECK(r["error"]["message"] ==
          "CLI command 1 of 1 'show vlan 999' failed: could not run command");
    CHECK(r["error"]["data"][0]["errors"][0] == "VLAN 999 not found in current VLAN database");
    CHECK(show(fabric, "leaf1a", "show vlan 10")["vlans"].size() == 1);
  }
}

TEST_CASE("JSON-RPC level errors", "[eos_engine]") {
  Fabric fabric(lab_topology());
  const auto send = [&](const std::string& body) {
    return json::parse(fabric.run_cmds("spine1", body, kAdmin));
  };
  json r = send("{not json");
  CHECK(r["error"]["code"] == -32700);
  CHECK(r["id"].is_null());
  CHECK(send("[1]")["error"]["code"] == -32600);
  r = send(R"({"jsonrpc":"2.0","method":"runFoo","params":{},"id":7})");
  CHECK(r["error"]["code"] == -32601);
  CHECK(r["id"] == 7);
  CHECK(send(R"({"jsonrpc":"2.0","method":"runCmds","params":{"version":1},"id":1})")["error"]
                                                                                     ["code"] ==
        -32602);
  CHECK(
      send(
          R"({"jsonrpc":"2.0","method":"runCmds","params":{"cmds":["show version"],"format":"xml"},"id":1})")
          ["error"]["code"] == -32602);
  // pyeapi's shape: top-level streaming, {cmd, input} entries, version "latest".
  r = send(R"({"jsonrpc":"2.0","method":"runCmds","streaming":false,"id":9,
               "params":{"version":"latest","cmds":[{"cmd":"enable","input":"pw"},"show hostname"],
                         "format":"json","timestamps":true}})");
  CHECK(r["id"] == 9);
  CHECK(r["result"][1]["hostname"] == "spine1");
  CHECK(r["result"][1]["_meta"].contains("execDuration"));
  CHECK_THROWS_AS(fabric.run_cmds("nope", "{}", kAdmin), std::out_of_range);
}

TEST_CASE("configuration sessions are isolated until commit", "[eos_engine]") {
  Fabric fabric(lab_topology());
  const auto vlan_ids = [&] { return keys_of(show(fabric, "leaf1a", "show vlan")["vlans"]); };
  const std::set<std::string> start = vlan_ids();

  results(fabric, "leaf1a", {"enable", "configure session s1", "vlan 100", "name web"});
  CHECK(vlan_ids() == start);
  // Re-entered in a later request, the session continues its candidate.
  results(fabric, "leaf1a",
          {"enable", "configure session s1", "interface Ethernet1",
           "switchport trunk allowed vlan add 100"});
  CHECK(fabric.state("leaf1a")["interfaces"]["Ethernet1"]["allowed"] == "10");
  CHECK(show(fabric, "leaf1a", "show configuration sessions")["sessions"]["s1"]["state"] ==
        "pending");

  results(fabric, "leaf1a", {"enable", "configure session s1", "commit"});
  CHECK(vlan_ids().contains("100"));
  CHECK(show(fabric, "leaf1a", "show vlan 100")["vlans"]["100"]["name"] == "web");
  CHECK(fabric.state("leaf1a")["interfaces"]["Ethernet1"]["allowed"] == "10,100");
  CHECK(show(fabric, "leaf1a", "show configuration sessions")["sessions"]["s1"]["state"] ==
        "completed");
  CHECK(request(fabric, "leaf1a", {"enable", "configure session s1"})["error"]["code"] == 1000);

  SECTION("abort discards") {
    results(fabric, "leaf1a", {"enable", "configure session s2", "no vlan 100", "abort"});
    CHECK(vlan_ids().contains("100"));
    CHECK_FALSE(show(fabric, "leaf1a", "show configuration sessions")["sessions"].contains("s2"));
  }
  SECTION("a failed command then abort leaves running unchanged") {
    const json r =
        request(fabric, "leaf1a",
                {"enable", "configure session s3", "vlan 200", "interface Ethernet99", "vlan 201"});
    CHECK(r["error"]["code"] == 1002);
    CHECK(r["error"]["message"] ==
          "CLI command 4 of 5 'interface Ethernet99' failed: invalid command");
    CHECK(fabric.state("leaf1a")["sessions"]["s3"]["commands"] == json{"vlan 200"});
    results(fabric, "leaf1a", {"enable", "configure session s3 abort"});
    CHECK_FALSE(vlan_ids().contains("200"));
  }
  SECTION("configure terminal keeps what ran before an error") {
    const json r = request(fabric, "leaf1a", {"enable", "configure", "vlan 300", "vlan 5000"});
    CHECK(r["error"]["code"] == 1002);
    CHECK(vlan_ids().contains("300"));
  }
}

TEST_CASE("session-config diffs are a unified diff of running against the session",
          "[eos_engine]") {
  Fabric fabric(lab_topology());
  const json opened =
      results(fabric, "leaf1a",
              {"enable", "configure session d1", "vlan 300", "name web", "interface Ethernet1",
               "switchport trunk allowed vlan add 300", "show session-config diffs"},
              "text");
  const std::string expected =
      "--- system:/running-config\n"
      "+++ session:/d1-session-config\n"
      "@@ -6,6 +6,9 @@\n"
      " vlan 10\n"
      "    name mgmt\n"
      " !\n"
      "+vlan 300\n"
      "+   name web\n"
      "+!\n"
      " vlan 4094\n"
      "    name MLAG-PEER\n"
      " !\n"
      "@@ -19,7 +22,7 @@\n"
      "    switchport mode trunk\n"
      " !\n"
      " interface Ethernet1\n"
      "-   switchport trunk allowed vlan 10\n"
      "+   switchport trunk allowed vlan 10,300\n"
      "    switchport mode trunk\n"
      " !\n"
      " interface Ethernet2\n";
  CHECK(opened[6]["output"] == expected);
  // By name, from outside the session.
  CHECK(results(fabric, "leaf1a", {"enable", "show session-config named d1 diffs"},
                "text")[1]["output"] == expected);
  results(fabric, "leaf1a", {"enable", "configure session d2"});
  CHECK(results(fabric, "leaf1a", {"enable", "show session-config named d2 diffs"},
                "text")[1]["output"] == "");

  const auto error_of = [&](const json& cmds, const std::string& format) {
    const json r = request(fabric, "leaf1a", cmds, format);
    INFO(r.dump());
    REQUIRE(r.contains("error"));
    return std::make_pair(r["error"]["code"].get<int>(), r["error"]["data"].back()["errors"][0]);
  };
  CHECK(error_of({"enable", "show session-config named d1 diffs"}, "json").first == 1003);
  CHECK(error_of({"enable", "show session-config named nope diffs"}, "text") ==
        std::make_pair(1000, json("Session nope does not exist")));
  CHECK(error_of({"enable", "show session-config diffs"}, "text").first == 1000);
  results(fabric, "leaf1a", {"enable", "configure session d1 commit"});
  CHECK(error_of({"enable", "show session-config named d1 diffs"}, "text").first == 1000);
}

TEST_CASE("commits can be made to fail", "[eos_engine]") {
  Fabric fabric(lab_topology());
  fabric.fail_commits("spine1", 1);
  json r = request(fabric, "spine1", {"enable", "configure session f1", "vlan 50", "commit"});
  CHECK(r["error"]["code"] == 1000);
  CHECK(r["error"]["data"][3]["errors"][0] == "Commit failed: injected fault (vmfabric-eos)");
  CHECK_FALSE(fabric.state("spine1")["vlans"].contains("50"));
  CHECK(fabric.state("spine1")["sessions"]["f1"]["state"] == "pending");
  results(fabric, "spine1", {"enable", "configure session f1 commit"});
  CHECK(fabric.state("spine1")["vlans"]["50"] == "VLAN0050");
}

TEST_CASE("at most five sessions are pending", "[eos_engine]") {
  Fabric fabric(lab_topology());
  for (int i = 0; i < 5; ++i) {
    results(fabric, "spine2", {"enable", "configure session p" + std::to_string(i)});
  }
  const json r = request(fabric, "spine2", {"enable", "configure session p5"});
  CHECK(r["error"]["code"] == 1000);
  CHECK(r["error"]["data"][1]["errors"][0] ==
        "Maximum number of pending sessions has been reached");
  results(fabric, "spine2", {"enable", "configure session p0 abort", "configure session p5"});
}

TEST_CASE("trunk allowed VLAN lists", "[eos_engine]") {
  Fabric fabric(lab_topology());
  const auto allowed = [&](const std::string& line) {
    results(fabric, "leaf2a", {"enable", "configure", "interface Et3", line});
    return show(fabric, "leaf2a",
                "show interfaces Ethernet3 switchport")["switchports"]["Ethernet3"]
                                                       ["switchportInfo"]["trunkAllowedVlans"];
  };
  CHECK(allowed("switchport trunk allowed vlan none") == "NONE");
  CHECK(allowed("switchport trunk allowed vlan add 100-120,130") == "100-120,130");
  CHECK(allowed("switchport trunk allowed vlan add 10") == "10,100-120,130");
  CHECK(allowed("switchport trunk allowed vlan remove 101-119") == "10,100,120,130");
  CHECK(allowed("switchport trunk allowed vlan all") == "ALL");
  CHECK(allowed("switchport trunk allowed vlan except 2-4094") == "1");
  CHECK(allowed("switchport trunk allowed vlan 5, 7-9") == "5,7-9");
  CHECK(allowed("no switchport trunk allowed vlan") == "ALL");
  CHECK(request(fabric, "leaf2a",
                {"enable", "configure", "interface Et3",
                 "switchport trunk allowed vlan add 5000"})["error"]["data"][3]["errors"][0] ==
        "Invalid input (at token 5: '5000')");
  results(fabric, "leaf2a", {"enable", "configure", "interface Et3", "switchport mode trunk"});
  CHECK(show(fabric, "leaf2a", "show interfaces status")["interfaceStatuses"]["Ethernet3"]
                                                        ["vlanInformation"]["interfaceMode"] ==
        "trunk");
}

TEST_CASE("vlan creation naming and deletion", "[eos_engine]") {
  Fabric fabric(lab_topology());
  results(fabric, "spine1", {"enable", "configure", "vlan 5,7-9", "name shared", "vlan 20"});
  json vlans = fabric.state("spine1")["vlans"];
  CHECK(vlans["7"] == "shared");
  CHECK(vlans["20"] == "VLAN0020");
  results(fabric, "spine1", {"enable", "configure", "no vlan 5,7-8"});
  vlans = fabric.state("spine1")["vlans"];
  CHECK(keys_of(vlans) == std::set<std::string>{"1", "10", "20", "9"});
  const std::string long_name(33, 'x');
  CHECK(request(fabric, "spine1",
                {"enable", "configure", "vlan 9", "name " + long_name})["error"]["code"] == 1002);
  CHECK(request(fabric, "spine1", {"enable", "configure", "no vlan 1-3"})["error"]["code"] == 1000);
}

TEST_CASE("the journal records committed changes", "[eos_engine]") {
  Fabric fabric(lab_topology());
  results(fabric, "leaf1b",
          {"enable", "configure session j1", "vlan 100", "name web", "interface Port-Channel11",
           "switchport trunk allowed vlan add 100", "commit"});
  results(fabric, "leaf2b", {"enable", "configure", "vlan 7", "end"});
  fabric.console_config("leaf1b", {"interface Ethernet5", "description drift"}, "ops");

  const json all = fabric.journal("", 0);
  REQUIRE(all.size() == 3);
  CHECK(all[0]["switch"] == "leaf1b");
  CHECK(all[0]["session"] == "j1");
  CHECK(all[0]["user"] == "admin");
  CHECK(all[0]["commands"] == json{"vlan 100", "name web", "interface Port-Channel11",
                                   "switchport trunk allowed vlan add 100"});
  CHECK(all[1]["session"] == "");
  CHECK(all[1]["commands"] == json{"vlan 7"});
  CHECK(all[2]["user"] == "ops");
  CHECK(all[0]["seq"] < all[1]["seq"]);
  CHECK(all[2]["time"].is_number_float());

  const json leaf1b = fabric.journal("leaf1b", all[0]["seq"].get<std::uint64_t>());
  REQUIRE(leaf1b.size() == 1);
  CHECK(leaf1b[0]["commands"] == json{"interface Ethernet5", "description drift"});
  CHECK(fabric.state("leaf1b")["interfaces"]["Ethernet5"]["description"] == "drift");
  CHECK_THROWS_WITH(fabric.console_config("leaf1b", {"vlan 9999"}, "ops"),
                    Catch::Contains("vlan 9999"));
}

TEST_CASE("LLDP neighbours follow the topology and the cables", "[eos_engine]") {
  Fabric fabric(lab_topology());
  const auto neighbors = [&](const std::string& sw) {
    std::map<std::string, std::string> out;  // local port -> "system:port"
    const json lldp = show(fabric, sw, "show lldp neighbors");
    for (const json& n : lldp["lldpNeighbors"]) {
      out[n["port"]] =
          n["neighborDevice"].get<std::string>() + ":" + n["neighborPort"].get<std::string>();
    }
    return out;
  };
  CHECK(neighbors("spine2") ==
        std::map<std::string, std::string>{{"Ethernet1", "leaf1a:Ethernet50"},
                                           {"Ethernet2", "leaf1b:Ethernet50"},
                                           {"Ethernet3", "leaf2a:Ethernet50"},
                                           {"Ethernet4", "leaf2b:Ethernet50"}});
  // DVS uplinks (vmnic2/3) send LLDP, standard-vSwitch ones (vmnic0/1 on Ethernet1-2) do not.
  CHECK(neighbors("leaf2a") ==
        std::map<std::string, std::string>{{"Ethernet11", "esx-a2.lab.local:vmnic2"},
                                           {"Ethernet12", "esx-b2.lab.local:vmnic2"},
                                           {"Ethernet47", "leaf2b:Ethernet47"},
                                           {"Ethernet48", "leaf2b:Ethernet48"},
                                           {"Ethernet49", "spine1:Ethernet3"},
                                           {"Ethernet50", "spine2:Ethernet3"}});
  const json host =
      show(fabric, "leaf2a",
           "show lldp neighbors detail")["lldpNeighbors"]["Ethernet11"]["lldpNeighborInfo"][0];
  CHECK(host["chassisId"] == "0050.56a2.0002");
  CHECK(host["neighborInterfaceInfo"]["interfaceId"] == "\"vmnic2\"");

  fabric.set_link("spine1", "Ethernet3", false);
  CHECK_FALSE(neighbors("spine1").contains("Ethernet3"));
  CHECK_FALSE(neighbors("leaf2a").contains("Ethernet49"));
  CHECK(fabric.state("leaf2a")["interfaces"]["Ethernet49"]["link"] == "notconnect");
  CHECK(show(fabric, "spine1", "show lldp neighbors")["tablesDeletes"] == 1);
  fabric.set_link("leaf2a", "Et49", true);
  CHECK(neighbors("spine1").contains("Ethernet3"));
  CHECK(fabric.state("spine1")["interfaces"]["Ethernet3"]["link"] == "connected");

  // A port-channel stays up while one member is.
  fabric.set_link("leaf1a", "Ethernet47", false);
  CHECK(show(fabric, "leaf1a", "show mlag")["peerLinkStatus"] == "up");
  fabric.set_link("leaf1a", "Ethernet48", false);
  CHECK(show(fabric, "leaf1b", "show mlag")["state"] == "inactive");
}

TEST_CASE("topology errors name their JSON path", "[eos_engine]") {
  const auto error_of = [](const std::function<void(json&)>& edit) {
    json topology = lab_topology();
    edit(topology);
    try {
      Fabric fabric(topology);
    } catch (const TopologyError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of([](json& t) { t["fabric"]["links"][3]["b"] = "leaf9:Ethernet49"; }) ==
        "fabric.links[3].b: unknown switch 'leaf9'");
  CHECK(error_of([](json& t) { t["fabric"]["switches"][1]["name"] = "spine1"; }) ==
        "fabric.switches[1].name: duplicate switch 'spine1'");
  CHECK(error_of([](json& t) { t["fabric"]["links"][0]["a"] = "spine1:Ethernet53"; }) ==
        "fabric.links[0].a: spine1 has only 52 ethernet ports");
  CHECK(error_of([](json& t) { t["fabric"]["links"][1]["b"] = "leaf1a:Ethernet49"; }) ==
        "fabric.links[1].b: leaf1a:Ethernet49 is already cabled at fabric.links[0].b");
  CHECK(error_of([](json& t) { t["fabric"]["admin_vlans"][0]["id"] = 4095; }) ==
        "fabric.admin_vlans[0].id: VLAN 4095 out of range 1-4094");
  CHECK(error_of([](json& t) {
          t["vcenters"][0]["clusters"][0]["hosts"][0]["pnics"][0]["interface"] = "Ethernet49";
        }) ==
        "vcenters[0].clusters[0].hosts[0].pnics[0].interface: leaf1a:Ethernet49 is already "
        "cabled at fabric.links[0].b");
}

TEST_CASE("calls for different switches run in parallel", "[eos_engine]") {
  Fabric fabric(lab_topology());
  const auto hammer = [&](const std::string& sw, int base) {
    for (int i = 0; i < 50; ++i) {
      const std::string vlan = std::to_string(base + i);
      const json r =
          request(fabric, sw,
                  {"enable", "configure session c" + vlan, "vlan " + vlan, "interface Ethernet1",
                   "switchport trunk allowed vlan add " + vlan, "commit", "show vlan " + vlan});
      if (!r.contains("result")) return false;
    }
    return true;
  };
  bool ok_a = false;
  bool ok_b = false;
  std::thread a([&] { ok_a = hammer("leaf1a", 100); });
  std::thread b([&] { ok_b = hammer("leaf2a", 200); });
  const bool ok_c = hammer("leaf1a", 300);
  a.join();
  b.join();
  CHECK(ok_a);
  CHECK(ok_b);
  CHECK(ok_c);
  CHECK(fabric.state("leaf1a")["interfaces"]["Ethernet1"]["allowed"] == "10,100-149,300-349");
  CHECK(fabric.state("leaf2a")["interfaces"]["Ethernet1"]["allowed"] == "10,200-249");
  CHECK(fabric.journal("", 0).size() == 150);
}

// Timing, not correctness: run with `eos_engine_test "[.timing]" -s`.
TEST_CASE("per call timing", "[.timing]") {
  Fabric fabric(lab_topology());
  const auto time_of = [&](const json& cmds) {
    const json body = {{"jsonrpc", "2.0"},
                       {"method", "runCmds"},
                       {"id", 1},
                       {"params", {{"version", 1}, {"cmds", cmds}}}};
    const std::string text = body.dump();
    constexpr int kRounds = 2000;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) fabric.run_cmds("leaf1a", text, kAdmin);
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
               .count() /
           kRounds;
  };
  WARN("show interfaces switchport: " << time_of({"enable", "show interfaces switchport"})
                                      << " us");
  const double session =
      time_of({"enable", "configure session t", "vlan 100", "name web", "interface Ethernet1",
               "switchport trunk allowed vlan add 100", "abort"});
  WARN("small config session: " << session << " us");
}

}  // namespace
}  // namespace vmfabric::eos_sim
